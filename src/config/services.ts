import type { IdentityService } from '../identity/identity-service.js';
import type { VerifiedToken } from '../identity/jwt-verifier.js';

/** Verifies bearer tokens of one issuer family. */
export interface TokenVerifier {
  verify(token: string): Promise<VerifiedToken>;
}

/**
 * Long-lived services the gateway opens once (not per reload) and hands to the policies it
 * compiles: the identity store and the verifier of its own agent tokens. Absent when the
 * configuration has no `identity` section (and in `config check`, which opens nothing).
 */
export interface GatewayServices {
  readonly identity?: IdentityService | undefined;
  readonly agentTokens?: (TokenVerifier & { readonly issuer: string }) | undefined;
}

export const NO_SERVICES: GatewayServices = Object.freeze({});
