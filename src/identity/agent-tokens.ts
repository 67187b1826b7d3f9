/**
 * Short-lived tokens the gateway signs for its agents (minutes, not months): ES256 JWTs signed with
 * a key kept in the identity store, so that every replica verifies what any replica minted.
 *
 * Keys: the newest unretired key signs. Rotation adds a key and retires the others; a retired key
 * still verifies the tokens it signed before it was retired until they have expired, then rotation
 * prunes it. A token must carry `iat` and `exp`, live no longer than maxTtlSeconds, and be issued
 * before its key was retired (all within the clock skew): whoever holds an old private key cannot
 * mint long-lived or fresh tokens with it. Verifiers re-read the key list from the store every
 * keyRefreshMs, so a retirement or a pruned key reaches every replica. Two replicas
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
  /**
   * The verifier re-reads the keys from the store when its copy is older than this (checked on
   * verify, on the injected clock; no timer), so retirements and pruning on other replicas take
   * effect. Default 60000. If the store cannot be read, the keys loaded last keep verifying for
   * one more interval, then verification fails with store_unavailable.
   */
  readonly keyRefreshMs?: number;
  /** Clock difference tolerated between replicas, in seconds (exp, nbf, iat, key retirement, and the pruning margin). */
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
  const refreshMs = options.keyRefreshMs ?? 60_000;
  const { defaultTtlSeconds, maxTtlSeconds } = options;
  if (!(refreshMs > 0) || !Number.isFinite(refreshMs)) throw new TypeError('keyRefreshMs must be a positive number');
  if (!Number.isInteger(maxTtlSeconds) || maxTtlSeconds < 1) throw new TypeError('maxTtlSeconds must be a positive whole number');
  if (!Number.isInteger(defaultTtlSeconds) || defaultTtlSeconds < 1 || defaultTtlSeconds > maxTtlSeconds) {
    throw new TypeError('defaultTtlSeconds must be a whole number from 1 to maxTtlSeconds');
  }

  const privateKeys = new Map<string, Promise<CryptoKey>>();
  const verifierState = createKeyCache(store, now, reloadIntervalMs, refreshMs);
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
    verifierState.invalidate();
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
      try {
        for (const older of active.slice(1)) await store.retireSigningKey(older.kid, at);
      } finally {
        verifierState.invalidate();
      }
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
  const skewMs = skewSeconds * 1000;
  const verifier: TokenVerifier = {
    async verify(token) {
      // Checked before any key lookup, so a foreign token never causes a reload from the store.
      if (issuerOf(token) !== options.issuer) throw invalidToken('unknown issuer');
      const since = verifierState.loadsStarted();
      await verifierState.ensureFresh();
      let signer: CachedKey | undefined;
      const candidates: KeyCandidates = async (header) => {
        signer = await verifierState.lookup(header, since);
        return [signer.key];
      };
      const at = now();
      const verified = await verifyJwtWith(token, rules, candidates, at);
      if (verified.claims.gh_kind !== 'agent') throw invalidToken('not an agent token');
      // The signature is good; now the claims a holder of the private key could still abuse.
      // jose has checked that exp is present and that exp and iat, when present, are numbers.
      const { iat, exp } = verified.claims;
      if (typeof iat !== 'number') throw invalidToken('no issue time (iat)');
      if (iat * 1000 > at + skewMs) throw invalidToken('issued in the future (iat)');
      if ((exp as number) - iat > maxTtlSeconds + skewSeconds) throw invalidToken('lifetime longer than the maximum');
      // A key retired at `retiredAt` signs nothing after it: a later token is a forgery.
      const retiredAt = signer?.retiredAt;
      if (retiredAt !== undefined && iat * 1000 > retiredAt + skewMs) throw invalidToken('issued after its signing key was retired');
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
      try {
        for (const key of previous) await store.retireSigningKey(key.kid, at);
        // A key retired at `at` signed its last token at about `at`, valid for maxTtl at most; the
        // skew covers a replica that read the old key as active just before it was retired.
        await store.pruneSigningKeys(at - (maxTtlSeconds + skewSeconds) * 1000);
      } finally {
        // This process's verifier re-reads the keys before its next check: retirements and
        // pruning take effect here at once, not after keyRefreshMs.
        verifierState.invalidate();
      }
      return { kid: created.kid };
    },

    verifier: () => verifier,
  };
}

/** Newest first by createdAt, ties broken by kid, so that every replica picks the same signer. */
function newestFirst(keys: SigningKey[]): SigningKey[] {
  return [...keys].sort((a, b) => b.createdAt - a.createdAt || (a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0));
}

/** A public key in memory, with when it was retired (as the store said at the last load). */
interface CachedKey {
  readonly key: CryptoKey;
  readonly retiredAt: number | undefined;
}

/**
 * The public keys in memory, a copy of the store's list that is replaced as a whole on each load
 * (a key gone from the store is gone from memory). Loaded on first use, then again:
 * - when older than `refreshMs` (checked on verify, so no timer keeps the process alive);
 * - when this process changed the keys (`invalidate()`: a key created, retired or pruned);
 * - when a token names a kid it does not know (another replica may have rotated): at most once per
 *   `kidIntervalMs` for a given kid, and never more than one reload per second overall —
 *   concurrent requests share one reload, later ones wait for the next slot — so a flood of tokens
 *   with made-up kids cannot turn into a flood of queries.
 */
function createKeyCache(store: IdentityStore, now: () => number, kidIntervalMs: number, refreshMs: number) {
  let keys = new Map<string, CachedKey>();
  let loaded = false;
  let lastReloadAt = Number.NEGATIVE_INFINITY;
  let lastFailureAt = Number.NEGATIVE_INFINITY;
  let lastFailure: unknown;
  let reloading: Promise<void> | undefined;
  /** Bumped by invalidate(); a load that started at `changes` = n has seen the changes up to n. */
  let changes = 0;
  let loadedChanges = 0;
  /** Loads started so far, and the number of the one whose result is in `keys`. */
  let started = 0;
  let loadedNumber = 0;
  const attempts = new Map<string, number>();

  async function load(waitForSlot: boolean): Promise<void> {
    const wait = lastReloadAt + MIN_RELOAD_GAP_MS - now();
    if (waitForSlot && wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, MIN_RELOAD_GAP_MS)));
    const seen = changes;
    const number = (started += 1);
    const records = await store.listSigningKeys();
    const next = new Map<string, CachedKey>();
    for (const record of records) {
      const known = keys.get(record.kid);
      if (known !== undefined) {
        next.set(record.kid, { key: known.key, retiredAt: record.retiredAt });
        continue;
      }
      try {
        next.set(record.kid, { key: (await importJWK(JSON.parse(record.publicJwk) as JWK, ALG)) as CryptoKey, retiredAt: record.retiredAt });
      } catch {
        // One unreadable row must not stop every other key from verifying.
      }
    }
    keys = next;
    loaded = true;
    loadedChanges = seen;
    loadedNumber = number;
    lastReloadAt = now();
  }

  /** Joins the load under way, if any (it may have started before the latest change). */
  const reload = (waitForSlot: boolean): Promise<void> =>
    (reloading ??= load(waitForSlot).finally(() => (reloading = undefined)));

  const stale = (): boolean => loadedChanges < changes || now() - lastReloadAt >= refreshMs;

  /** Before each verification: the first load, or a refresh when the copy is stale. */
  async function ensureFresh(): Promise<void> {
    if (!loaded) return reload(false);
    if (!stale()) return;
    // After a failed refresh, the store is asked again at most once per MIN_RELOAD_GAP_MS.
    if (reloading !== undefined || now() - lastFailureAt >= MIN_RELOAD_GAP_MS) {
      try {
        do await reload(false);
        while (loadedChanges < changes);
        return;
      } catch (err) {
        lastFailure = err;
        lastFailureAt = now();
      }
    }
    // The store cannot be read: the keys loaded last keep verifying for one more interval (a short
    // outage does not stop agents), then verification fails closed rather than trust an old copy.
    if (now() - lastReloadAt >= 2 * refreshMs) {
      throw lastFailure instanceof GatehouseError ? lastFailure : new GatehouseError('store_unavailable', undefined, { cause: lastFailure });
    }
  }

  /**
   * The key the header names. `since` is loadsStarted() when the verification began: a load that
   * started later has already looked for the kid in the store, so it is not reloaded for it.
   */
  async function lookup(header: { kid?: string | undefined }, since: number): Promise<CachedKey> {
    const kid = header.kid;
    if (typeof kid !== 'string') throw invalidToken('no key id (kid)');
    if (!loaded) await reload(false);
    let key = keys.get(kid);
    if (key === undefined && loadedNumber <= since) {
      const last = attempts.get(kid);
      if (last === undefined || now() - last >= kidIntervalMs) {
        if (attempts.size >= MAX_TRACKED_KIDS) attempts.clear();
        attempts.set(kid, now());
        try {
          await reload(true);
        } catch (err) {
          attempts.delete(kid); // a store outage must not make the kid unknown for the interval
          throw err;
        }
        key = keys.get(kid);
      }
    }
    if (key === undefined) throw invalidToken('no key of the issuer matches the token');
    return key;
  }

  return {
    ensureFresh,
    lookup,
    loadsStarted: (): number => started,
    /** A key this process just created verifies at once, even before the next load. */
    add(kid: string, key: CryptoKey): void {
      if (loaded) keys.set(kid, { key, retiredAt: undefined });
    },
    /** This process changed the keys in the store: reload before the next verification. */
    invalidate(): void {
      changes += 1;
    },
  };
}
