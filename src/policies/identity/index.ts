import { z } from 'zod';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Exchange } from '../../pipeline/exchange.js';
import type { Identity } from '../../pipeline/identity.js';
import type { PolicyModule, Verdict } from '../../pipeline/policy.js';
import type { GatewayServices, TokenVerifier } from '../../config/services.js';
import { certificateRuleSchema, compileCertificateRules } from '../../identity/client-certificate.js';
import type { IdentityService } from '../../identity/identity-service.js';
import { createJwtVerifier, issuerOf, jwtIssuerSchema, looksLikeJwt, type VerifiedToken } from '../../identity/jwt-verifier.js';
import { KEY_PREFIX } from '../../identity/key-secrets.js';
import { presentedKey } from '../api-keys/index.js';
import { enforceField } from '../common-schema.js';
import { identityFromToken } from './token-identity.js';

const configSchema = z
  .object({
    enforce: enforceField,
    keys: z.boolean().default(true).describe('Accept virtual API keys (gk-...) from the identity store.'),
    agentTokens: z.boolean().default(true).describe("Accept the gateway's own short-lived agent tokens."),
    jwt: z
      .object({ issuers: z.array(jwtIssuerSchema).min(1).describe('Trusted token issuers (OIDC providers, IdPs).') })
      .strict()
      .optional()
      .describe('Accept bearer JWTs from these issuers.'),
    mtls: z
      .object({
        rules: z.array(certificateRuleSchema).min(1).describe('Client certificate → consumer, first match wins.'),
        required: z.boolean().default(false).describe('Refuse requests without a verified, matching client certificate.'),
      })
      .strict()
      .optional()
      .describe('Identify callers by the client certificate of the TLS listener (server.tls).'),
  })
  .strict()
  .describe(
    'Identifies callers with the credentials the gateway manages: virtual API keys, its own agent tokens, JWTs from trusted issuers, ' +
      'client certificates. Needs the `identity` section (the store). Use it instead of `api-keys`, not with it.',
  );

export type IdentityPolicyConfig = z.output<typeof configSchema>;

/** A refused credential: a deny verdict carrying the error the caller gets. */
const deny = (error: GatehouseError, reason: string): Verdict => ({ action: 'deny', error, reason });

/**
 * The identify phase for managed identities. Order: a client certificate (when mTLS rules are
 * configured and one was presented), then the bearer credential — a JWT (the gateway's own agent
 * tokens or a trusted issuer's) or a virtual key. Each decision names the method and rule.
 */
export const identityPolicy: PolicyModule<IdentityPolicyConfig> = {
  name: 'identity',
  description: 'Identifies callers by virtual keys, agent tokens, JWTs and client certificates.',
  configSchema,
  writes: ['identity', 'decisions'],
  create(config, { services }) {
    const matchCertificate = config.mtls === undefined ? undefined : compileCertificateRules(config.mtls.rules);
    const jwt = config.jwt === undefined ? undefined : createJwtVerifier(config.jwt.issuers);
    const issuerModels = new Map((config.jwt?.issuers ?? []).map((i) => [i.issuer, i.models]));
    const agentTokens = config.agentTokens ? services.agentTokens : undefined;
    return {
      name: 'identity',
      enforce: config.enforce,
      failMode: 'closed',
      hooks: {
        async identify(exchange) {
          try {
            return await identify(exchange);
          } catch (err) {
            // A refused credential (expired, revoked, bad token) is a deny, recorded as such; only
            // the policy's own failures (its store or an IdP unreachable) are policy errors.
            if (err instanceof GatehouseError && err.fault === 'caller') return deny(err, err.code);
            throw err;
          }
        },
      },
    };

    async function identify(exchange: Exchange): Promise<Verdict> {
      const service = requireService(services);
      if (matchCertificate !== undefined) {
        const cert = exchange.clientCertificate;
        const consumer = cert === undefined ? undefined : matchCertificate(cert);
        if (consumer !== undefined) {
          const identity = await service.identityOfConsumer(consumer, { method: 'mtls', rule: `mtls:${consumer}`, credential: `sha256:${cert!.fingerprint256}` });
          if (identity === undefined) return deny(new GatehouseError('invalid_client_certificate', `The certificate maps to "${consumer}", which is not an active consumer.`), 'unknown consumer');
          exchange.identity = identity;
          return { action: 'allow', reason: identity.rule };
        }
        if (config.mtls!.required) {
          return deny(new GatehouseError('invalid_client_certificate'), cert === undefined ? 'no verified client certificate' : 'no rule matches the certificate');
        }
      }
      const credential = presentedKey(exchange);
      if (credential === undefined) return deny(new GatehouseError('missing_api_key'), 'no credential presented');
      if (looksLikeJwt(credential)) return identifyToken(exchange, credential, service, agentTokens, jwt, issuerModels);
      if (!config.keys || !credential.startsWith(KEY_PREFIX)) return deny(new GatehouseError('invalid_api_key'), 'not a gateway key or a token');
      exchange.identity = await service.authenticateKey(credential);
      return { action: 'allow', reason: exchange.identity.rule };
    }
  },
};

function requireService(services: GatewayServices): IdentityService {
  if (services.identity === undefined) {
    throw new GatehouseError('store_unavailable', 'The identity policy needs the `identity` section (the store) in the configuration.');
  }
  return services.identity;
}

async function identifyToken(
  exchange: Exchange,
  token: string,
  service: IdentityService,
  agentTokens: (TokenVerifier & { issuer: string }) | undefined,
  jwt: TokenVerifier | undefined,
  issuerModels: ReadonlyMap<string, readonly string[] | undefined>,
): Promise<Verdict> {
  let verified: VerifiedToken;
  let method: 'agent-token' | 'jwt';
  const issuer = issuerOf(token);
  if (agentTokens !== undefined && issuer === agentTokens.issuer) {
    verified = await agentTokens.verify(token);
    method = 'agent-token';
  } else if (jwt !== undefined) {
    verified = await jwt.verify(token);
    method = 'jwt';
  } else {
    return deny(new GatehouseError('invalid_token', 'Tokens from this issuer are not accepted here.'), 'untrusted issuer');
  }
  const identity: Identity | undefined = await identityFromToken(verified, method, service, issuerModels.get(verified.issuer));
  if (identity === undefined) return deny(new GatehouseError('invalid_token', 'The token’s subject is not an active identity.'), 'unknown or disabled subject');
  exchange.identity = identity;
  return { action: 'allow', reason: identity.rule };
}
