import { intersectModelMatchers } from '../../pipeline/glob.js';
import type { Identity } from '../../pipeline/identity.js';
import type { IdentityService } from '../../identity/identity-service.js';
import type { VerifiedToken } from '../../identity/jwt-verifier.js';

/**
 * The identity behind a verified token. An agent token's subject must be an active agent in the
 * store (a deleted or disabled agent's tokens stop working at once); its grants apply, and its
 * scopes are the token's. An external JWT's identity comes from its claims — never from a stored
 * consumer of the same name, which another issuer could otherwise impersonate — with the grants
 * of its team when the store knows the team (the issuer is trusted to assert team membership).
 */
export async function identityFromToken(token: VerifiedToken, method: 'agent-token' | 'jwt', service: IdentityService): Promise<Identity | undefined> {
  const how = { method, rule: `${method}:${token.issuer}`, credential: token.tokenId, scopes: token.scopes };
  if (method === 'agent-token') {
    const agent = await service.identityOfConsumer(token.subject, how);
    return agent?.kind === 'agent' ? agent : undefined;
  }
  const team = token.team === undefined ? undefined : await service.store.getTeam(token.team);
  return Object.freeze({
    id: `jwt:${token.issuer}#${token.subject}`,
    kind: token.kind,
    name: token.name,
    team: token.team,
    method,
    rule: how.rule,
    credential: token.tokenId,
    scopes: token.scopes,
    access: Object.freeze({ models: intersectModelMatchers([team?.grants.models]) }),
  });
}
