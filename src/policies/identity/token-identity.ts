import type { Identity } from '../../pipeline/identity.js';
import { identityOf, NOTHING, type IdentityService } from '../../identity/identity-service.js';
import type { Consumer } from '../../identity/model.js';
import type { VerifiedToken } from '../../identity/jwt-verifier.js';

/**
 * The identity behind a verified token. An agent token's subject must be an active agent in the
 * store (a deleted or disabled agent's tokens stop working at once); its grants apply, and its
 * scopes are the token's. An external JWT's identity comes from its claims — never from a stored
 * consumer of the same name, which another issuer could otherwise impersonate — with the grants
 * of its team when the store knows the team (the issuer is trusted to assert team membership).
 */
export async function identityFromToken(
  token: VerifiedToken,
  method: 'agent-token' | 'jwt',
  service: IdentityService,
  issuerModels?: readonly string[],
): Promise<Identity | undefined> {
  const how = { method, rule: `${method}:${token.issuer}`, credential: token.tokenId, scopes: token.scopes };
  if (method === 'agent-token') {
    const agent = await service.identityOfConsumer(token.subject, how);
    return agent?.kind === 'agent' ? agent : undefined;
  }
  // The grants of a claimed team (or of the issuer when the team is unknown), computed once per
  // cache period and shared by every token with the same issuer and team.
  const base = await service.memo(`jwt:${token.issuer}#team:${token.team ?? ''}`, async () => {
    const team = token.team === undefined ? undefined : await service.store.getTeam(token.team);
    // The claims' identity, as a consumer of no stored record: its team's grants when the store
    // knows the team, else only what the issuer's configuration allows (nothing by default).
    const claimed: Consumer = {
      name: '',
      kind: token.kind,
      team: team?.name,
      grants: team === undefined ? { ...NOTHING, models: issuerModels ?? [] } : {},
      limits: {},
      metadata: {},
      scopes: [],
      disabled: false,
      source: 'api',
      createdAt: 0,
      updatedAt: 0,
    };
    return identityOf(claimed, team, { method, rule: how.rule });
  });
  return Object.freeze({ ...base, id: `jwt:${token.issuer}#${token.subject}`, name: token.name, team: token.team, credential: token.tokenId, scopes: token.scopes });
}
