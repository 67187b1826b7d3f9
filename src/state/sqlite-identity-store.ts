import { chmodSync, closeSync, existsSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { GatehouseError } from '../errors/gatehouse-error.js';
import type { ApiKeyPatch, ApiKeyRecord, Consumer, ConsumerInput, SigningKey, Team, TeamInput } from '../identity/model.js';
import type { IdentityStore } from './identity-store.js';
import { migrateSqliteIdentity } from './identity-migrations.js';
import { KEY_PATCH_COLUMNS, rowMappers, type Row } from './identity-rows.js';

const fromRow = rowMappers({ json: <T>(v: unknown): T => JSON.parse(String(v)) as T, bool: (v) => v === 1 });

export interface SqliteIdentityStoreOptions {
  /** The clock for createdAt/updatedAt; tests inject one. */
  readonly now?: () => number;
  /** How long a write waits for another process holding the file's write lock. */
  readonly busyTimeoutMs?: number;
}



/**
 * The embedded identity store: one SQLite file (or ':memory:'). better-sqlite3 is synchronous;
 * every call is a local index lookup of microseconds, so it runs inline rather than on a worker.
 */
export function openSqliteIdentityStore(path: string, options: SqliteIdentityStoreOptions = {}): IdentityStore {
  const now = options.now ?? Date.now;
  const db = openDatabase(path, options.busyTimeoutMs ?? 5000);
  // Statements are prepared on first use: they cannot be prepared before migrate() made the tables.
  const statements = new Map<string, Database.Statement>();
  const stmt = (sql: string): Database.Statement => {
    let s = statements.get(sql);
    if (s === undefined) {
      s = db.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };

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

  // Every method goes through here so that any driver failure surfaces as a GatehouseError.
  const guard = async <T>(what: string, fn: () => T): Promise<T> => {
    try {
      return fn();
    } catch (err) {
      throw toStoreError(err, what);
    }
  };

  return {
    kind: 'sqlite',

    migrate: () => guard('migrate', () => migrateSqliteIdentity(db, now())),

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

    close: async () => {
      if (db.open) db.close();
    },
  };
}

/**
 * The file holds signing keys and key hashes, so what the store creates is private to its user:
 * directories 0700, the database file 0600 (SQLite gives its -wal and -shm the database file's
 * mode; they are set again after open all the same). Existing directories and files keep theirs.
 */
function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
  try {
    const onDisk = path !== ':memory:' && path !== '' && !path.startsWith('file:');
    const created = onDisk && createPrivately(resolve(path));
    const db = new Database(path);
    // busy_timeout first: switching to WAL needs a lock another process may hold.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // NORMAL is durable in WAL mode except for the last commits on power loss, and avoids an fsync per write.
    db.pragma('synchronous = NORMAL');
    if (created) for (const side of [`${path}-wal`, `${path}-shm`]) if (existsSync(side)) chmodSync(side, 0o600);
    return db;
  } catch (err) {
    throw toStoreError(err, 'open');
  }
}

/** Creates the missing directories (0700) and the database file (0600); true when the file was created here. */
function createPrivately(file: string): boolean {
  const dir = dirname(file);
  const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (first !== undefined) {
    // The mode given to mkdir is reduced by the umask; set it exactly, on the created directories only.
    for (let d = dir; ; d = dirname(d)) {
      chmodSync(d, 0o700);
      if (d === first || dirname(d) === d) break;
    }
  }
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'EEXIST') return false; // already there (or another process won the race)
    throw err;
  }
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * The message is fixed per operation: API clients may be shown it, so it never carries the
 * driver's text (SQL, table names) or the file's path. The driver's error is the cause, which the
 * gateway logs.
 */
function toStoreError(err: unknown, what: string): GatehouseError {
  if (err instanceof GatehouseError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const message = what === 'insertKey' ? 'An API key with this id or hash already exists.' : 'A signing key with this kid already exists.';
    return new GatehouseError('already_exists', message, { cause: err });
  }
  return new GatehouseError('store_unavailable', `The identity store failed (${what}).`, { cause: err });
}
