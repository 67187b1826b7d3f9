import type { ApiKeyPatch, ApiKeyRecord, Consumer, ConsumerInput, SigningKey, Team, TeamInput } from '../identity/model.js';
import { IDENTITY_STORE_ERRORS, type IdentityStore } from './identity-store.js';
import { IDENTITY_SCHEMA } from './identity-migrations.js';
import { KEY_PATCH_COLUMNS, rowMappers, type Row } from './identity-rows.js';
import { openSqliteStoreDb } from './sqlite-store-db.js';
import { runSqliteMigrations } from './sqlite-migrations.js';

const fromRow = rowMappers({ json: <T>(v: unknown): T => JSON.parse(String(v)) as T, bool: (v) => v === 1 });

export interface SqliteIdentityStoreOptions {
  /** The clock for createdAt/updatedAt; tests inject one. */
  readonly now?: () => number;
  /** How long a write waits for another process holding the file's write lock. */
  readonly busyTimeoutMs?: number;
}

/**
 * The embedded identity store: one SQLite file (or ':memory:'), opened by sqlite-file.ts (private
 * modes, WAL). Every call is a local index lookup of microseconds, run inline.
 */
export function openSqliteIdentityStore(path: string, options: SqliteIdentityStoreOptions = {}): IdentityStore {
  const now = options.now ?? Date.now;
  const file = { busyTimeoutMs: options.busyTimeoutMs ?? 5000, foreignKeys: true };
  const { db, stmt, guard, close } = openSqliteStoreDb(path, file, IDENTITY_STORE_ERRORS);

  const getTeam = (name: string): Team | undefined => {
    const row = stmt('SELECT * FROM teams WHERE name = ?').get(name) as Row | undefined;
    return row === undefined ? undefined : fromRow.team(row);
  };
  const getConsumer = (name: string): Consumer | undefined => {
    const row = stmt('SELECT * FROM consumers WHERE name = ?').get(name) as Row | undefined;
    return row === undefined ? undefined : fromRow.consumer(row);
  };
  const getKey = (id: string): ApiKeyRecord | undefined => {
    const row = stmt('SELECT * FROM api_keys WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? undefined : fromRow.key(row);
  };
  const deleteConsumer = db.transaction((name: string): boolean => {
    stmt('DELETE FROM api_keys WHERE consumer = ?').run(name);
    return stmt('DELETE FROM consumers WHERE name = ?').run(name).changes > 0;
  });

  // Every method goes through guard() so that any driver failure surfaces as a GatehouseError.
  return {
    kind: 'sqlite',

    migrate: () => guard('migrate', () => runSqliteMigrations(db, IDENTITY_SCHEMA, now())),

    upsertTeam: (team: TeamInput) =>
      guard('upsertTeam', () => {
        const t = now();
        const row = stmt(`INSERT INTO teams (name, grants, limits, metadata, source, created_at, updated_at)
          VALUES (@name, @grants, @limits, @metadata, @source, @t, @t)
          ON CONFLICT (name) DO UPDATE SET grants = excluded.grants, limits = excluded.limits,
            metadata = excluded.metadata, source = excluded.source, updated_at = excluded.updated_at
          RETURNING *`).get({
          name: team.name,
          grants: JSON.stringify(team.grants),
          limits: JSON.stringify(team.limits),
          metadata: JSON.stringify(team.metadata),
          source: team.source,
          t,
        }) as Row;
        return fromRow.team(row);
      }),
    getTeam: (name) => guard('getTeam', () => getTeam(name)),
    listTeams: () => guard('listTeams', () => (stmt('SELECT * FROM teams ORDER BY name').all() as Row[]).map(fromRow.team)),
    deleteTeam: (name) => guard('deleteTeam', () => stmt('DELETE FROM teams WHERE name = ?').run(name).changes > 0),

    upsertConsumer: (c: ConsumerInput) =>
      guard('upsertConsumer', () => {
        const t = now();
        const row = stmt(`INSERT INTO consumers
            (name, kind, team, grants, limits, metadata, scopes, disabled, source, created_at, updated_at)
          VALUES (@name, @kind, @team, @grants, @limits, @metadata, @scopes, @disabled, @source, @t, @t)
          ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, team = excluded.team,
            grants = excluded.grants, limits = excluded.limits, metadata = excluded.metadata,
            scopes = excluded.scopes, disabled = excluded.disabled, source = excluded.source,
            updated_at = excluded.updated_at
          RETURNING *`).get({
          name: c.name,
          kind: c.kind,
          team: c.team ?? null,
          grants: JSON.stringify(c.grants),
          limits: JSON.stringify(c.limits),
          metadata: JSON.stringify(c.metadata),
          scopes: JSON.stringify(c.scopes),
          disabled: c.disabled ? 1 : 0,
          source: c.source,
          t,
        }) as Row;
        return fromRow.consumer(row);
      }),
    getConsumer: (name) => guard('getConsumer', () => getConsumer(name)),
    listConsumers: (filter = {}) =>
      guard('listConsumers', () => {
        const where = [filter.kind === undefined ? '' : 'kind = @kind', filter.team === undefined ? '' : 'team = @team'].filter(Boolean);
        const sql = `SELECT * FROM consumers ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name`;
        const params: Row = {};
        if (filter.kind !== undefined) params.kind = filter.kind;
        if (filter.team !== undefined) params.team = filter.team;
        return (stmt(sql).all(params) as Row[]).map(fromRow.consumer);
      }),
    deleteConsumer: (name) => guard('deleteConsumer', () => deleteConsumer(name)),

    insertKey: (key: ApiKeyRecord) =>
      guard('insertKey', () => {
        stmt(`INSERT INTO api_keys (id, consumer, hash, prefix, name, grants, created_at, expires_at,
            revoked_at, grace_until, replaced_by, last_used_at)
          VALUES (@id, @consumer, @hash, @prefix, @name, @grants, @createdAt, @expiresAt,
            @revokedAt, @graceUntil, @replacedBy, @lastUsedAt)`).run({
          id: key.id,
          consumer: key.consumer,
          hash: key.hash,
          prefix: key.prefix,
          name: key.name ?? null,
          grants: JSON.stringify(key.grants),
          createdAt: key.createdAt,
          expiresAt: key.expiresAt ?? null,
          revokedAt: key.revokedAt ?? null,
          graceUntil: key.graceUntil ?? null,
          replacedBy: key.replacedBy ?? null,
          lastUsedAt: key.lastUsedAt ?? null,
        });
      }),
    findKeyByHash: (hash) =>
      guard('findKeyByHash', () => {
        const row = stmt('SELECT * FROM api_keys WHERE hash = ?').get(hash) as Row | undefined;
        return row === undefined ? undefined : fromRow.key(row);
      }),
    getKey: (id) => guard('getKey', () => getKey(id)),
    listKeys: (filter = {}) =>
      guard('listKeys', () => {
        // Two statements rather than "@consumer IS NULL OR …", so the filtered one uses the consumer index.
        const rows = (
          filter.consumer === undefined
            ? stmt('SELECT * FROM api_keys ORDER BY created_at DESC, seq DESC').all()
            : stmt('SELECT * FROM api_keys WHERE consumer = ? ORDER BY created_at DESC, seq DESC').all(filter.consumer)
        ) as Row[];
        return rows.map(fromRow.key);
      }),
    claimKeyReplacement: (id, patch) =>
      guard('claimKeyReplacement', () => {
        // One statement: the condition is checked and the row written under SQLite's write lock,
        // so of several claims (from any connection or process) exactly one matches.
        const row = stmt(`UPDATE api_keys SET replaced_by = @replacedBy, grace_until = @graceUntil
          WHERE id = @id AND replaced_by IS NULL AND revoked_at IS NULL RETURNING *`).get({
          id,
          replacedBy: patch.replacedBy,
          graceUntil: patch.graceUntil,
        }) as Row | undefined;
        return row === undefined ? undefined : fromRow.key(row);
      }),
    updateKey: (id, patch) =>
      guard('updateKey', () => {
        // A field given as undefined counts as not given, so spreading optional inputs never clears.
        const fields = (Object.keys(KEY_PATCH_COLUMNS) as (keyof ApiKeyPatch)[]).filter((f) => patch[f] !== undefined);
        if (fields.length === 0) return getKey(id);
        const sets = fields.map((f) => `${KEY_PATCH_COLUMNS[f]} = @${f}`).join(', ');
        const params: Row = { id };
        for (const f of fields) params[f] = patch[f];
        const row = stmt(`UPDATE api_keys SET ${sets} WHERE id = @id RETURNING *`).get(params) as Row | undefined;
        return row === undefined ? undefined : fromRow.key(row);
      }),

    insertSigningKey: (key: SigningKey) =>
      guard('insertSigningKey', () => {
        stmt(`INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at)
          VALUES (?, ?, ?, ?, ?, ?)`).run(key.kid, key.alg, key.privateJwk, key.publicJwk, key.createdAt, key.retiredAt ?? null);
      }),
    listSigningKeys: () =>
      guard('listSigningKeys', () =>
        (stmt('SELECT * FROM signing_keys ORDER BY created_at DESC, seq DESC').all() as Row[]).map(fromRow.signingKey),
      ),
    retireSigningKey: (kid, at) =>
      guard('retireSigningKey', () => {
        stmt('UPDATE signing_keys SET retired_at = ? WHERE kid = ?').run(at, kid);
      }),
    pruneSigningKeys: (before) =>
      guard('pruneSigningKeys', () => stmt('DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < ?').run(before).changes),

    close,
  };
}
