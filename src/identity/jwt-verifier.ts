/**
 * Bearer JWTs from configured issuers (OIDC providers, workload identity, other gateways). The
 * issuer is picked by the token's unverified `iss`, then everything is checked against that
 * issuer's own keys and rules. Rejections are GatehouseErrors with a reason safe to show; the token
 * and its claim values never appear in a message.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';
import { z } from 'zod';
import { GatehouseError } from '../errors/gatehouse-error.js';
import type { PrincipalKind } from './model.js';

/** Asymmetric algorithms only: `none` and HS* (shared secrets, alg confusion) cannot be configured. */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
const DEFAULT_ALGORITHMS: readonly JwtAlgorithm[] = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519'];

const claimName = z.string().min(1);

const claimsSchema = z
  .object({
    subject: claimName.default('sub').describe('Claim holding the stable subject id.'),
    name: claimName.default('name').describe('Claim holding a display name; the subject when the claim is absent.'),
    team: claimName.optional().describe('Claim holding the team. When the claim is a list, its first element is the team.'),
    groups: claimName.optional().describe('Claim holding a list of groups; a single string counts as a list of one.'),
    scopes: claimName
      .default('scope')
      .describe('Claim holding the scopes: a space-separated string (OAuth "scope") or a list of strings (e.g. "scp").'),
  })
  .strict();

const pemPublicKey = z
  .string()
  .regex(/-----BEGIN (RSA )?PUBLIC KEY-----/, 'must be a PEM public key ("-----BEGIN PUBLIC KEY-----")');

const publicJwk = z
  .looseObject({
    kty: z.enum(['RSA', 'EC', 'OKP']).describe('Key type.'),
    kid: z.string().min(1).optional().describe('Key id; a token naming a kid is checked against the key with that kid.'),
  })
  // A private key in a verifier's config is a leaked secret, and never needed.
  .refine((jwk) => !('d' in jwk), 'must be a public key: remove the private part "d"');

const staticKey = z.union([pemPublicKey, publicJwk]).superRefine((key, ctx) => {
  try {
    toPublicJwk(key);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a usable public key' });
  }
});

export const jwtIssuerSchema = z
  .object({
    issuer: z.string().min(1).describe('The issuer ("iss"), compared exactly. A token is checked by the entry its iss names.'),
    audience: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe('The audience(s) this gateway accepts ("aud"); the token must name one of them.'),
    jwksUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('URL of the issuer\'s JWKS (https; http only on a trusted network). Cached; a token naming an unknown kid refetches it, at most once per jwksCooldownSeconds.'),
    keys: z
      .array(staticKey)
      .min(1)
      .optional()
      .describe('Static public keys instead of a JWKS URL: JWKs, or PEM public keys as strings. A key without kid is tried for any kid.'),
    algorithms: z
      .array(z.enum(JWT_ALGORITHMS))
      .min(1)
      .default(() => [...DEFAULT_ALGORITHMS])
      .describe('Accepted signature algorithms. Only asymmetric ones can be listed: "none" and HS* are never accepted.'),
    clockSkewSeconds: z
      .number()
      .int()
      .min(0)
      .max(300)
      .default(30)
      .describe('Clock difference tolerated on exp and nbf, in seconds.'),
    claims: claimsSchema.prefault({}).describe('Which claims carry the identity. A name is looked up as is, then as a dotted path ("realm_access.roles").'),
    kind: z
      .enum(['consumer', 'service', 'agent'])
      .default('consumer')
      .describe("The kind given to every identity from this issuer."),
    jwksCooldownSeconds: z
      .number()
      .min(0)
      .max(3600)
      .default(30)
      .describe('Least time between two JWKS fetches caused by tokens naming an unknown kid (protects the IdP from a flood of made-up kids).'),
    jwksCacheSeconds: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(600)
      .describe('How long fetched JWKS keys are used before they are fetched again.'),
    requireExpiry: z.boolean().default(true).describe('Refuse tokens without "exp". Turn off only for issuers that never set it.'),
    models: z
      .array(z.string().min(1))
      .optional()
      .describe("Models this issuer's identities may use when their team is not a team in the identity store. Absent: none (least privilege)."),
  })
  .strict()
  .refine((c) => (c.jwksUrl === undefined) !== (c.keys === undefined), { message: 'give exactly one of "jwksUrl" or "keys"' })
  .describe('A trusted issuer of bearer JWTs, with its keys and how its claims map onto an identity.');

export type JwtIssuerConfig = z.infer<typeof jwtIssuerSchema>;
export type ClaimMapping = JwtIssuerConfig['claims'];

/** An identity proven by a verified token. Times are milliseconds since the epoch. */
export interface VerifiedToken {
  readonly issuer: string;
  readonly subject: string;
  readonly name: string;
  readonly kind: PrincipalKind;
  readonly team?: string | undefined;
  readonly groups: string[];
  readonly scopes: string[];
  readonly expiresAt?: number | undefined;
  /** The token's `jti`, for the audit trail and revocation lists. */
  readonly tokenId?: string | undefined;
  /** Every verified claim, as sent (for policies that match on custom claims). */
  readonly claims: Record<string, unknown>;
}

export interface TokenVerifier {
  verify(token: string): Promise<VerifiedToken>;
  close?(): void;
}

export interface JwtVerifierOptions {
  /** The clock for exp/nbf checks; tests inject one. JWKS caching runs on jose's own clock. */
  readonly now?: () => number;
  /** Least time between two JWKS fetches caused by unknown kids (jose's cooldown); default 30000. */
  readonly jwksCooldownMs?: number;
  /** Time a JWKS fetch may take; default 5000. */
  readonly jwksTimeoutMs?: number;
}

/** What a token must satisfy, wherever its keys come from. Shared with the agent-token verifier. */
export interface VerificationRules {
  readonly issuer: string;
  readonly audience: string | string[];
  readonly algorithms: readonly string[];
  readonly clockSkewSeconds: number;
  readonly requireExpiry: boolean;
  readonly claims: ClaimMapping;
  readonly kind: PrincipalKind;
}

/** The keys that may have signed a token with this header: several when the header names none. */
export type KeyCandidates = (header: ProtectedHeaderParameters) => Promise<readonly CryptoKey[]>;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Whether a bearer credential is shaped like a JWT (three base64url segments, a JSON header with
 * `alg`), so it goes to JWT verification rather than the API-key lookup. No crypto; an unsigned
 * token still counts, so that it is refused as a token rather than looked up as a key.
 */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const [header, payload, signature] = parts as [string, string, string];
  if (header.length === 0 || header.length > 4096 || payload.length === 0) return false;
  if (!BASE64URL.test(header) || !BASE64URL.test(payload) || !BASE64URL.test(signature)) return false;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && typeof (parsed as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

export function createJwtVerifier(issuers: readonly JwtIssuerConfig[], options: JwtVerifierOptions = {}): TokenVerifier {
  const now = options.now ?? Date.now;
  const byIssuer = new Map<string, { rules: VerificationRules; keys: KeyCandidates }>();
  for (const config of issuers) {
    if (byIssuer.has(config.issuer)) throw new TypeError(`JWT issuer "${config.issuer}" is configured twice`);
    const keys = config.jwksUrl !== undefined ? remoteKeys(config.issuer, config.jwksUrl, config.jwksCacheSeconds, { ...options, jwksCooldownMs: options.jwksCooldownMs ?? config.jwksCooldownSeconds * 1000 }) : staticKeys(config.keys ?? []);
    byIssuer.set(config.issuer, { rules: config, keys });
  }
  return {
    async verify(token) {
      const iss = issuerOf(token);
      const entry = byIssuer.get(iss);
      if (entry === undefined) throw invalidToken('unknown issuer');
      return verifyJwtWith(token, entry.rules, entry.keys, now());
    },
  };
}

/** Verifies signature and claims, then maps the claims onto an identity. */
export async function verifyJwtWith(token: string, rules: VerificationRules, keys: KeyCandidates, nowMs: number): Promise<VerifiedToken> {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw invalidToken('malformed token');
  }
  // Checked before the keys are resolved, so an alg:none or HS256 token never causes a JWKS fetch.
  if (typeof header.alg !== 'string' || !rules.algorithms.includes(header.alg)) throw invalidToken('algorithm not allowed');
  const candidates = await keys(header);
  if (candidates.length === 0) throw invalidToken('no key of the issuer matches the token');
  const verifyOptions = {
    issuer: rules.issuer,
    audience: rules.audience,
    algorithms: [...rules.algorithms],
    clockTolerance: rules.clockSkewSeconds,
    currentDate: new Date(nowMs),
    requiredClaims: rules.requireExpiry ? ['exp'] : [],
  };
  let failure: unknown;
  for (const key of candidates) {
    try {
      const { payload } = await jwtVerify(token, key, verifyOptions);
      return toVerifiedToken(payload, rules);
    } catch (err) {
      failure = err;
      // Only a signature mismatch means "maybe another candidate"; anything else is final.
      if (!(err instanceof errors.JWSSignatureVerificationFailed)) break;
    }
  }
  throw rejection(failure);
}

export function invalidToken(reason: string): GatehouseError {
  return new GatehouseError('invalid_token', `The bearer token is not valid: ${reason}.`);
}

/** jose's error → our code and a reason that names the check, never a claim value. */
function rejection(err: unknown): GatehouseError {
  if (err instanceof GatehouseError) return err;
  if (err instanceof errors.JWTExpired) return new GatehouseError('token_expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'aud':
        return invalidToken('audience mismatch');
      case 'iss':
        return invalidToken('issuer mismatch');
      case 'nbf':
        return invalidToken('not valid yet (nbf)');
      case 'exp':
        return invalidToken(err.reason === 'missing' ? 'no expiry (exp)' : 'invalid expiry (exp)');
      default:
        return invalidToken(`claim "${err.claim}" ${err.reason === 'missing' ? 'missing' : 'invalid'}`);
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return invalidToken('algorithm not allowed');
  if (err instanceof errors.JWSSignatureVerificationFailed) return invalidToken('signature mismatch');
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) return invalidToken('malformed token');
  if (err instanceof errors.JOSENotSupported) return invalidToken('unsupported algorithm or key');
  if (err instanceof errors.JOSEError) return invalidToken('verification failed');
  return new GatehouseError('internal_error', undefined, { cause: err });
}

function toVerifiedToken(payload: JWTPayload, rules: VerificationRules): VerifiedToken {
  const claims = payload as Record<string, unknown>;
  const subject = stringOf(claimValue(claims, rules.claims.subject));
  if (subject === undefined) throw invalidToken(`no "${rules.claims.subject}" claim`);
  const teamValue = rules.claims.team === undefined ? undefined : claimValue(claims, rules.claims.team);
  return {
    issuer: rules.issuer,
    subject,
    name: stringOf(claimValue(claims, rules.claims.name)) ?? subject,
    kind: rules.kind,
    // Some IdPs only have list-valued attributes: the first entry is the team.
    team: stringOf(Array.isArray(teamValue) ? teamValue[0] : teamValue),
    groups: rules.claims.groups === undefined ? [] : stringList(claimValue(claims, rules.claims.groups)),
    scopes: scopeList(claimValue(claims, rules.claims.scopes)),
    expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
    tokenId: typeof payload.jti === 'string' ? payload.jti : undefined,
    claims,
  };
}

/** The claim by its exact name (URL-named claims contain dots), else as a dotted path. */
function claimValue(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  if (!name.includes('.')) return undefined;
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return value.length > 0 ? [value] : [];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.length > 0) : [];
}

function scopeList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter((s) => s.length > 0);
  return stringList(value);
}

/**
 * Keys from the issuer's JWKS through jose: cached for `cacheSeconds`; an unknown kid refetches
 * once the cooldown since the last fetch has passed. A JWKS that cannot be fetched is the gateway's
 * (or the issuer's) problem, not the caller's: it fails closed with a 503, not a 401.
 */
function remoteKeys(issuer: string, url: string, cacheSeconds: number, options: JwtVerifierOptions): KeyCandidates {
  const jwks = createRemoteJWKSet(new URL(url), {
    cacheMaxAge: cacheSeconds * 1000,
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    timeoutDuration: options.jwksTimeoutMs ?? 5000,
  });
  return async (header) => {
    try {
      return [await jwks(header)];
    } catch (err) {
      if (err instanceof errors.JWKSMultipleMatchingKeys) {
        const keys: CryptoKey[] = [];
        for await (const key of err) keys.push(key);
        return keys;
      }
      if (err instanceof errors.JWKSNoMatchingKey) throw invalidToken('no key of the issuer matches the token');
      if (err instanceof errors.JOSENotSupported) throw invalidToken('unsupported algorithm or key');
      throw new GatehouseError('store_unavailable', `The signing keys of issuer "${issuer}" could not be fetched; try again later.`, { cause: err });
    }
  };
}

/** Static keys: the key with the token's kid, else every kid-less key of the algorithm's type. */
function staticKeys(keys: readonly (string | Record<string, unknown>)[]): KeyCandidates {
  const jwks = keys.map(toPublicJwk);
  const imported = new Map<string, Promise<CryptoKey>>();
  const importFor = (index: number, alg: string): Promise<CryptoKey> => {
    const cacheKey = `${index}:${alg}`;
    let key = imported.get(cacheKey);
    if (key === undefined) {
      key = importJWK(jwks[index] as JWK, alg) as Promise<CryptoKey>;
      imported.set(cacheKey, key);
    }
    return key;
  };
  return async (header) => {
    const alg = header.alg as string;
    const usable = jwks
      .map((jwk, index) => ({ jwk, index }))
      .filter(({ jwk }) => fitsAlgorithm(jwk, alg) && (jwk.alg === undefined || jwk.alg === alg) && (jwk.use === undefined || jwk.use === 'sig'));
    const byKid = usable.filter(({ jwk }) => header.kid !== undefined && jwk.kid === header.kid);
    const chosen = byKid.length > 0 ? byKid : usable.filter(({ jwk }) => jwk.kid === undefined || header.kid === undefined);
    try {
      return await Promise.all(chosen.map(({ index }) => importFor(index, alg)));
    } catch {
      throw invalidToken('unsupported algorithm or key');
    }
  };
}

function toPublicJwk(key: string | Record<string, unknown>): JWK {
  if (typeof key === 'string') return createPublicKey(key).export({ format: 'jwk' }) as JWK;
  // Parsed by Node only to prove it is a usable public key; the original keeps kid, alg and use.
  if (createPublicKey({ key: key as JsonWebKey, format: 'jwk' }).type !== 'public') throw new TypeError('not a public key');
  return key as JWK;
}

function fitsAlgorithm(jwk: JWK, alg: string): boolean {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return jwk.kty === 'RSA';
  if (alg === 'ES256') return jwk.kty === 'EC' && jwk.crv === 'P-256';
  if (alg === 'ES384') return jwk.kty === 'EC' && jwk.crv === 'P-384';
  if (alg === 'ES512') return jwk.kty === 'EC' && jwk.crv === 'P-521';
  if (alg === 'EdDSA' || alg === 'Ed25519') return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
  return false;
}

/**
 * The `iss` of a token, read WITHOUT verifying it: only to choose which verifier checks it.
 * A token that is not a JWT, or has no string `iss`, is invalid_token.
 */
export function issuerOf(token: string): string {
  if (!looksLikeJwt(token)) throw invalidToken('not a JWT');
  let iss: unknown;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    throw invalidToken('malformed token');
  }
  if (typeof iss !== 'string') throw invalidToken('unknown issuer');
  return iss;
}
