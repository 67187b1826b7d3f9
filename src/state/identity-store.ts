import type { ApiKeyPatch, ApiKeyRecord, Consumer, ConsumerInput, SigningKey, Team, TeamInput } from '../identity/model.js';
import type { StoreErrorMessages } from './store-errors.js';

/**
 * Where teams, consumers, agents, API keys and signing keys live: a SQLite file by default,
 * PostgreSQL for many replicas. Both implementations pass the same test suite
 * (test/state/identity-store.test.ts). Every method may throw a GatehouseError
 * `store_unavailable` when the database cannot be reached, fails or does not answer in time. API
 * clients may be shown its message, so the message is fixed per operation and never carries driver
 * text, SQL, schema or table names or file paths (a connection failure names host:port only); the
 * driver's error, when attached, is the `cause`.
 */
export interface IdentityStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema; safe to run on every start and from several replicas at once. */
  migrate(): Promise<void>;

  /** Creates or replaces a team by name (createdAt is kept on replace). */
  upsertTeam(team: TeamInput): Promise<Team>;
  getTeam(name: string): Promise<Team | undefined>;
  listTeams(): Promise<Team[]>;
  /** False when there was no such team. Consumers keep their team name (it no longer grants). */
  deleteTeam(name: string): Promise<boolean>;

  /** Creates or replaces a consumer (or agent) by name (createdAt is kept on replace). */
  upsertConsumer(consumer: ConsumerInput): Promise<Consumer>;
  getConsumer(name: string): Promise<Consumer | undefined>;
  listConsumers(filter?: { kind?: Consumer['kind']; team?: string }): Promise<Consumer[]>;
  /** Deletes the consumer and its keys. False when there was no such consumer. */
  deleteConsumer(name: string): Promise<boolean>;

  /** Fails with `already_exists` when the id or hash is taken. */
  insertKey(key: ApiKeyRecord): Promise<void>;
  /** The one lookup on the request path: by the unique hash index, never a scan. */
  findKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  getKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** Newest first. */
  listKeys(filter?: { consumer?: string }): Promise<ApiKeyRecord[]>;
  /** Applies the fields given; returns the updated record, or undefined when there is no such key. */
  updateKey(id: string, patch: ApiKeyPatch): Promise<ApiKeyRecord | undefined>;
  /**
   * Marks a key as replaced by rotation, atomically: sets replacedBy and graceUntil only if the key
   * exists, is not revoked and has not been replaced yet, in one conditional write. Returns the
   * updated record, or undefined when the condition failed (no such key, revoked, or already
   * replaced). Of concurrent claims on one key — from any number of stores, processes or replicas
   * — exactly one succeeds, so a key is never rotated twice.
   */
  claimKeyReplacement(id: string, patch: { replacedBy: string; graceUntil: number }): Promise<ApiKeyRecord | undefined>;

  insertSigningKey(key: SigningKey): Promise<void>;
  /** Newest first. */
  listSigningKeys(): Promise<SigningKey[]>;
  retireSigningKey(kid: string, at: number): Promise<void>;
  /** Deletes signing keys retired before `before` (no token they signed can still be valid). */
  pruneSigningKeys(before: number): Promise<number>;

  close(): Promise<void>;
}

/** How both implementations' errors read (store-errors.ts); a unique violation is a caller's duplicate. */
export const IDENTITY_STORE_ERRORS: StoreErrorMessages = {
  store: 'identity store',
  duplicate: (what) =>
    what === 'insertKey' ? 'An API key with this id or hash already exists.' : 'A signing key with this kid already exists.',
};
