/**
 * Short-lived tokens the gateway signs for its agents (minutes, not months): ES256 JWTs signed with
 * a key kept in the identity store, so that every replica verifies what any replica minted.
 *
 * Keys: the newest unretired key signs. Rotation adds a key and retires the others; a retired key
 * still verifies until every token it signed has expired, then rotation prunes it. Two replicas
 * that find no key at the same moment both create one: both verify (both are in the store), and
 * the next mint on either retires all but the newest (ordered by createdAt, then kid, so every
 * replica agrees), so it converges on one signing key.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { GatehouseError } from '../errors/gatehouse-error.js';
import type { IdentityStore } from '../state/identity-store.js';
import { invalidToken, issuerOf, verifyJwtWith, type KeyCandidates, type TokenVerifier, type VerificationRules } from './jwt-verifier.js';
import type { Consumer, SigningKey } from './model.js';

export interface AgentTokenServiceOptions {
  /** `iss` of the tokens, e.g. "gatehouse". */
  readonly issuer: string;
  /** `aud` of the tokens, e.g. "gatehouse". */
  readonly audience: string;
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly now?: () => number;
  /** A token naming an unknown kid reloads the keys from the store at most this often per kid. */
  readonly keyReloadIntervalMs?: number;
  /** Clock difference tolerated between replicas, in seconds (exp, nbf, and the pruning margin). */
  readonly clockSkewSeconds?: number;
}

export interface MintedAgentToken {
  readonly token: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  readonly kid: string;
  /** The token's `jti`. */
  readonly tokenId: string;
}

export interface AgentTokenService {
  mint(agent: Consumer, ttlSeconds?: number): Promise<MintedAgentToken>;
  rotateSigningKey(): Promise<{ kid: string }>;
  /** One verifier per service; its key cache is shared by every caller. */
  verifier(): TokenVerifier;
}

const ALG = 'ES256';
/** Least time between two reloads of the keys, whatever kids the tokens name: a bound on DB load. */
const MIN_RELOAD_GAP_MS = 1000;
/** Kids remembered for the per-kid reload limit; cleared past this, so random kids cannot grow it. */
const MAX_TRACKED_KIDS = 1000;

export function createAgentTokenService(store: IdentityStore, options: AgentTokenServiceOptions): AgentTokenService {
  const now = options.now ?? Date.now;
  const skewSeconds = options.clockSkewSeconds ?? 5;
  const reloadIntervalMs = options.keyReloadIntervalMs ?? 5000;
  const { defaultTtlSeconds, maxTtlSeconds } = options;
  if (!Number.isInteger(maxTtlSeconds) || maxTtlSeconds < 1) throw new TypeError('maxTtlSeconds must be a positive whole number');
  if (!Number.isInteger(defaultTtlSeconds) || defaultTtlSeconds < 1 || defaultTtlSeconds > maxTtlSeconds) {
    throw new TypeError('defaultTtlSeconds must be a whole number from 1 to maxTtlSeconds');
  }

  const privateKeys = new Map<string, Promise<CryptoKey>>();
  const verifierState = createKeyCache(store, now, reloadIntervalMs);
  let creating: Promise<SigningKey> | undefined;

  async function createKey(): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    // RFC 7638 thumbprint: unique per key and the same on every replica that reads it.
    const kid = await calculateJwkThumbprint(publicJwk);
    const tags = { kid, alg: ALG, use: 'sig' };
    const record: SigningKey = {
      kid,
      alg: ALG,
      privateJwk: JSON.stringify({ ...(await exportJWK(privateKey)), ...tags }),
      publicJwk: JSON.stringify({ ...publicJwk, ...tags }),
      createdAt: now(),
    };
    await store.insertSigningKey(record);
    privateKeys.set(kid, Promise.resolve(privateKey));
    verifierState.add(kid, publicKey);
    return record;
  }

  /**
   * Read from the store on every mint (minting is rare next to verifying), so a rotation on another
   * replica is followed at once rather than after a cache expires.
   */
  async function signingKey(): Promise<{ kid: string; key: CryptoKey }> {
    const active = newestFirst((await store.listSigningKeys()).filter((k) => k.retiredAt === undefined));
    let current = active[0];
    if (current === undefined) {
      // Coalesce the mints of this process; other replicas may still race (see the file comment).
      creating ??= createKey().finally(() => (creating = undefined));
      current = await creating;
    } else if (active.length > 1) {
      const at = now();
      for (const older of active.slice(1)) await store.retireSigningKey(older.kid, at);
    }
    const signer = current;
    let key = privateKeys.get(signer.kid);
    if (key === undefined) {
      key = importJWK(JSON.parse(signer.privateJwk) as JWK, ALG) as Promise<CryptoKey>;
      key.catch(() => privateKeys.delete(signer.kid));
      privateKeys.set(signer.kid, key);
    }
    return { kid: signer.kid, key: await key };
  }

  const rules: VerificationRules = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: [ALG],
    clockSkewSeconds: skewSeconds,
    requireExpiry: true,
    claims: { subject: 'sub', name: 'sub', team: 'team', scopes: 'scope' },
    kind: 'agent',
  };
  const verifier: TokenVerifier = {
    async verify(token) {
      // Checked before any key lookup, so a foreign token never causes a reload from the store.
      if (issuerOf(token) !== options.issuer) throw invalidToken('unknown issuer');
      const verified = await verifyJwtWith(token, rules, verifierState.candidates, now());
      if (verified.claims.gh_kind !== 'agent') throw invalidToken('not an agent token');
      return verified;
    },
  };

  return {
    async mint(agent, ttlSeconds) {
      if (agent.kind !== 'agent') {
        throw new GatehouseError('invalid_request', `Only agents get gateway tokens; "${agent.name}" is a ${agent.kind}.`);
      }
      if (agent.disabled) throw new GatehouseError('invalid_request', `The agent "${agent.name}" is disabled.`);
      const ttl = ttlSeconds ?? defaultTtlSeconds;
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > maxTtlSeconds) {
        throw new GatehouseError('invalid_request', `ttl must be a whole number of seconds from 1 to ${maxTtlSeconds}.`, { param: 'ttl' });
      }
      const signer = await signingKey();
      const issuedAt = Math.floor(now() / 1000);
      const expiresAt = issuedAt + ttl;
      const tokenId = randomUUID();
      const claims: JWTPayload = { scope: agent.scopes.join(' '), gh_kind: 'agent' };
      if (agent.team !== undefined) claims.team = agent.team;
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: ALG, kid: signer.kid, typ: 'JWT' })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(agent.name)
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpirationTime(expiresAt)
        .setJti(tokenId)
        .sign(signer.key);
      return { token, expiresAt: expiresAt * 1000, kid: signer.kid, tokenId };
    },

    async rotateSigningKey() {
      const previous = (await store.listSigningKeys()).filter((k) => k.retiredAt === undefined);
      // The new key exists before the old ones retire: there is never a moment without a signer.
      const created = await createKey();
      const at = now();
      for (const key of previous) await store.retireSigningKey(key.kid, at);
      // A key retired at `at` signed its last token at about `at`, valid for maxTtl at most; the
      // skew covers a replica that read the old key as active just before it was retired.
      await store.pruneSigningKeys(at - (maxTtlSeconds + skewSeconds) * 1000);
      return { kid: created.kid };
    },

    verifier: () => verifier,
  };
}

/** Newest first by createdAt, ties broken by kid, so that every replica picks the same signer. */
function newestFirst(keys: SigningKey[]): SigningKey[] {
  return [...keys].sort((a, b) => b.createdAt - a.createdAt || (a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0));
}

/**
 * The public keys in memory. A kid it does not know reloads them all from the store (another
 * replica may have rotated): at most once per `intervalMs` for a given kid, and never more than
 * one reload per second overall — concurrent requests share one reload, later ones wait for the
 * next slot — so a flood of tokens with made-up kids cannot turn into a flood of queries.
 */
function createKeyCache(store: IdentityStore, now: () => number, intervalMs: number) {
  let keys = new Map<string, CryptoKey>();
  let loaded = false;
  let lastReloadAt = Number.NEGATIVE_INFINITY;
  let reloading: Promise<void> | undefined;
  const attempts = new Map<string, number>();

  async function load(): Promise<void> {
    const wait = lastReloadAt + MIN_RELOAD_GAP_MS - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, MIN_RELOAD_GAP_MS)));
    const records = await store.listSigningKeys();
    const next = new Map<string, CryptoKey>();
    for (const record of records) {
      const known = keys.get(record.kid);
      if (known !== undefined) {
        next.set(record.kid, known);
        continue;
      }
      try {
        next.set(record.kid, (await importJWK(JSON.parse(record.publicJwk) as JWK, ALG)) as CryptoKey);
      } catch {
        // One unreadable row must not stop every other key from verifying.
      }
    }
    keys = next;
    loaded = true;
    lastReloadAt = now();
  }

  const reload = (): Promise<void> => (reloading ??= load().finally(() => (reloading = undefined)));

  const candidates: KeyCandidates = async (header) => {
    const kid = header.kid;
    if (typeof kid !== 'string') throw invalidToken('no key id (kid)');
    if (!loaded) await reload();
    let key = keys.get(kid);
    if (key === undefined) {
      const last = attempts.get(kid);
      if (last === undefined || now() - last >= intervalMs) {
        if (attempts.size >= MAX_TRACKED_KIDS) attempts.clear();
        attempts.set(kid, now());
        try {
          await reload();
        } catch (err) {
          attempts.delete(kid); // a store outage must not make the kid unknown for the interval
          throw err;
        }
        key = keys.get(kid);
      }
    }
    if (key === undefined) throw invalidToken('no key of the issuer matches the token');
    return [key];
  };

  return {
    candidates,
    /** A key this process just created verifies at once, without a reload. */
    add(kid: string, key: CryptoKey): void {
      if (loaded) keys.set(kid, key);
    },
  };
}
