import { GatehouseError } from '../errors/gatehouse-error.js';
import { intersectModelMatchers } from '../pipeline/glob.js';
import type { Identity } from '../pipeline/identity.js';
import type { IdentityStore } from '../state/identity-store.js';
import { generateKeySecret, hashKeySecret, keyDisplayPrefix, newKeyId } from './key-secrets.js';
import type { ApiKeyRecord, Consumer, Grants, PrincipalKind, Team } from './model.js';

export interface CreateKeyRequest {
  readonly consumer: string;
  /** Used when the consumer does not exist yet (it is created) or has no team. */
  readonly team?: string | undefined;
  readonly kind?: PrincipalKind | undefined;
  readonly name?: string | undefined;
  /** Narrows the consumer's models for this key. */
  readonly models?: readonly string[] | undefined;
  readonly expiresInSeconds?: number | undefined;
}

export interface IssuedKey {
  /** The secret: shown once, never stored. */
  readonly secret: string;
  readonly key: ApiKeyRecord;
}

interface CachedKey {
  readonly until: number;
  /** undefined: no such key (cached too, so random keys do not reach the database each time). */
  readonly key: ApiKeyRecord | undefined;
  readonly identity: Identity | undefined;
}

const CACHE_LIMIT = 10_000;

/**
 * Keys, consumers and teams as the admin API, the CLI and the identify phase use them. Key lookups
 * are cached for `keyCacheMs` (default 5 s): a revocation made through this process applies at
 * once; one made by another replica within that time.
 */
export class IdentityService {
  readonly store: IdentityStore;
  readonly #cacheMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, CachedKey>();
  readonly #memo = new Map<string, { until: number; value: Promise<unknown> }>();

  constructor(store: IdentityStore, options: { keyCacheMs?: number; now?: () => number } = {}) {
    this.store = store;
    this.#cacheMs = options.keyCacheMs ?? 5000;
    this.#now = options.now ?? Date.now;
  }

  async createKey(request: CreateKeyRequest): Promise<IssuedKey> {
    let consumer = await this.store.getConsumer(request.consumer);
    if (consumer === undefined) {
      if (request.team !== undefined && (await this.store.getTeam(request.team)) === undefined) {
        await this.store.upsertTeam({ name: request.team, grants: {}, limits: {}, metadata: {}, source: 'api' });
      }
      consumer = await this.store.upsertConsumer({
        name: request.consumer,
        kind: request.kind ?? 'consumer',
        team: request.team,
        grants: {},
        limits: {},
        metadata: {},
        scopes: [],
        disabled: false,
        source: 'api',
      });
    } else if (request.team !== undefined && consumer.team !== request.team) {
      throw new GatehouseError('invalid_request', `Consumer "${consumer.name}" belongs to team "${consumer.team ?? '(none)'}", not "${request.team}".`, { param: 'team' });
    }
    return this.#issue(consumer.name, request.name, request.models === undefined ? {} : { models: [...request.models] }, request.expiresInSeconds);
  }

  async #issue(consumer: string, name: string | undefined, grants: Grants, expiresInSeconds: number | undefined, id: string = newKeyId()): Promise<IssuedKey> {
    const secret = generateKeySecret();
    const now = this.#now();
    const key: ApiKeyRecord = {
      id,
      consumer,
      hash: hashKeySecret(secret),
      prefix: keyDisplayPrefix(secret),
      name,
      grants,
      createdAt: now,
      expiresAt: expiresInSeconds === undefined ? undefined : now + Math.round(expiresInSeconds * 1000),
    };
    await this.store.insertKey(key);
    return { secret, key };
  }

  /**
   * A new secret for the same consumer, grants and expiry; the old one keeps working for
   * `graceSeconds` (0: stops at once), so clients can be switched over without an outage.
   */
  async rotateKey(id: string, graceSeconds: number): Promise<IssuedKey & { previous: ApiKeyRecord }> {
    const old = await this.#usableKey(id);
    const remaining = old.expiresAt === undefined ? undefined : Math.max(1, (old.expiresAt - this.#now()) / 1000);
    // Claim the old key first, atomically: of two concurrent rotations only one gets a successor.
    const successor = newKeyId();
    const previous = await this.store.claimKeyReplacement(id, { replacedBy: successor, graceUntil: this.#now() + Math.round(graceSeconds * 1000) });
    if (previous === undefined) throw new GatehouseError('invalid_request', `Key "${id}" was rotated or revoked meanwhile.`);
    this.#forget(old.hash);
    const issued = await this.#issue(old.consumer, old.name, old.grants, remaining, successor);
    return { ...issued, previous };
  }

  async revokeKey(id: string): Promise<ApiKeyRecord> {
    const key = await this.store.getKey(id);
    if (key === undefined) throw new GatehouseError('resource_not_found', `No key "${id}".`);
    if (key.revokedAt !== undefined) return key;
    const revoked = await this.store.updateKey(id, { revokedAt: this.#now() });
    this.#forget(key.hash);
    return revoked!;
  }

  async #usableKey(id: string): Promise<ApiKeyRecord> {
    const key = await this.store.getKey(id);
    if (key === undefined) throw new GatehouseError('resource_not_found', `No key "${id}".`);
    if (key.revokedAt !== undefined) throw new GatehouseError('invalid_request', `Key "${id}" is revoked.`);
    if (key.replacedBy !== undefined) throw new GatehouseError('invalid_request', `Key "${id}" was already rotated (replaced by "${key.replacedBy}").`);
    if (key.expiresAt !== undefined && key.expiresAt <= this.#now()) throw new GatehouseError('invalid_request', `Key "${id}" has expired; create a new one.`);
    return key;
  }

  /** The identity behind a presented key secret, or the error to answer with. */
  async authenticateKey(secret: string): Promise<Identity> {
    const hash = hashKeySecret(secret);
    const now = this.#now();
    let cached = this.#cache.get(hash);
    if (cached === undefined || cached.until <= now) {
      cached = await this.#load(hash, now);
    }
    const { key, identity } = cached;
    if (key === undefined || identity === undefined) throw new GatehouseError('invalid_api_key');
    if (key.revokedAt !== undefined && key.revokedAt <= now) throw new GatehouseError('api_key_revoked');
    if (key.graceUntil !== undefined && key.graceUntil <= now) {
      throw new GatehouseError('api_key_revoked', 'The API key was rotated and its grace period is over.');
    }
    if (key.expiresAt !== undefined && key.expiresAt <= now) throw new GatehouseError('api_key_expired');
    return identity;
  }

  async #load(hash: string, now: number): Promise<CachedKey> {
    const key = await this.store.findKeyByHash(hash);
    let identity: Identity | undefined;
    if (key !== undefined) {
      const consumer = await this.store.getConsumer(key.consumer);
      if (consumer !== undefined && !consumer.disabled) {
        const team = consumer.team === undefined ? undefined : await this.store.getTeam(consumer.team);
        identity = identityOf(consumer, team, { method: 'api-key', rule: `key:${key.id}`, credential: key.id, keyGrants: key.grants });
      }
    }
    const entry: CachedKey = { until: now + this.#cacheMs, key, identity };
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(hash, entry);
    return entry;
  }

  #forget(hash: string): void {
    this.#cache.delete(hash);
  }

  /** Drops every cached lookup (after consumers or teams changed). */
  forgetAll(): void {
    this.#cache.clear();
    this.#memo.clear();
  }

  /**
   * A store-derived value cached like key lookups (identities of consumers, teams with their
   * compiled grants), so a token or certificate does not cost store reads and glob compilation
   * on every request. Concurrent misses share one computation.
   */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const hit = this.#memo.get(key);
    if (hit !== undefined && hit.until > now) return hit.value as Promise<T>;
    const value = compute();
    if (this.#memo.size >= CACHE_LIMIT) this.#memo.delete(this.#memo.keys().next().value!);
    this.#memo.set(key, { until: now + this.#cacheMs, value });
    value.catch(() => this.#memo.delete(key));
    return value;
  }

  /** The identity of a consumer by name, for credentials other than keys (JWT subjects, certificates). */
  async identityOfConsumer(name: string, how: { method: string; rule: string; credential?: string; scopes?: readonly string[] }): Promise<Identity | undefined> {
    const base = await this.memo(`consumer:${name}`, async () => {
      const consumer = await this.store.getConsumer(name);
      if (consumer === undefined || consumer.disabled) return undefined;
      const team = consumer.team === undefined ? undefined : await this.store.getTeam(consumer.team);
      return identityOf(consumer, team, { method: '', rule: '' });
    });
    if (base === undefined) return undefined;
    return Object.freeze({ ...base, method: how.method, rule: how.rule, credential: how.credential, scopes: how.scopes ?? base.scopes });
  }
}

/** Grants of a level that allows nothing. */
export const NOTHING: Grants = Object.freeze({ models: [], mcpServers: [], mcpTools: [], routes: [] });

/** An Identity from a consumer, its team and (for keys) the key's own narrowing. */
export function identityOf(
  consumer: Consumer,
  team: Team | undefined,
  how: { method: string; rule: string; credential?: string; scopes?: readonly string[]; keyGrants?: Grants },
): Identity {
  // A consumer whose team is gone gets nothing rather than everything: least privilege fails closed.
  const teamGrants = consumer.team !== undefined && team === undefined ? NOTHING : team?.grants;
  const levels = [teamGrants, consumer.grants, how.keyGrants];
  return Object.freeze({
    id: `${consumer.kind}:${consumer.name}`,
    kind: consumer.kind,
    name: consumer.name,
    team: consumer.team,
    method: how.method,
    rule: how.rule,
    credential: how.credential,
    scopes: how.scopes ?? (consumer.kind === 'agent' ? consumer.scopes : undefined),
    access: Object.freeze({
      models: intersectModelMatchers(levels.map((g) => g?.models)),
      mcpServers: restricting(levels.map((g) => g?.mcpServers)),
      mcpTools: restricting(levels.map((g) => g?.mcpTools)),
      routes: restricting(levels.map((g) => g?.routes)),
    }),
  });
}

/** The levels that restrict (each list must allow a name), or undefined when none does. */
function restricting(levels: readonly (readonly string[] | undefined)[]): readonly (readonly string[])[] | undefined {
  const lists = levels.filter((l): l is readonly string[] => l !== undefined);
  return lists.length === 0 ? undefined : lists;
}
