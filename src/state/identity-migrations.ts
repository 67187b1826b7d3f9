import type BetterSqlite3 from 'better-sqlite3';
import type { Pool } from 'pg';

/**
 * Versioned schema of the identity store. Each version carries its SQLite and its PostgreSQL form
 * side by side so the two dialects cannot drift apart. A released version is never edited: a
 * change is a new version appended to the list. Applied versions are recorded in
 * `schema_migrations`.
 *
 * Layout choices shared by both dialects: JSON documents (grants, limits, metadata, scopes) are one
 * column each (TEXT on SQLite, jsonb on PostgreSQL) because they are read whole and never queried
 * into; times are integer milliseconds since the epoch; `seq` is an insertion counter that breaks
 * ties between rows created in the same millisecond, so "newest first" is deterministic.
 * api_keys.consumer has no foreign key: deleteConsumer removes the keys itself, and a key may be
 * written before its consumer is (config is applied in any order).
 */
export interface IdentityMigration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: string;
  /** Receives the schema name already quoted as an identifier. */
  readonly postgres: (schema: string) => string;
}

export const IDENTITY_MIGRATIONS: readonly IdentityMigration[] = [
  {
    version: 1,
    name: 'teams, consumers, api keys, signing keys',
    sqlite: `
      CREATE TABLE teams (
        name TEXT PRIMARY KEY,
        grants TEXT NOT NULL,
        limits TEXT NOT NULL,
        metadata TEXT NOT NULL,
        source TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE consumers (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        team TEXT,
        grants TEXT NOT NULL,
        limits TEXT NOT NULL,
        metadata TEXT NOT NULL,
        scopes TEXT NOT NULL,
        disabled INTEGER NOT NULL,
        source TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX consumers_by_team ON consumers (team);
      CREATE TABLE api_keys (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        consumer TEXT NOT NULL,
        hash TEXT NOT NULL,
        prefix TEXT NOT NULL,
        name TEXT,
        grants TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER,
        grace_until INTEGER,
        replaced_by TEXT,
        last_used_at INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX api_keys_by_hash ON api_keys (hash);
      CREATE INDEX api_keys_by_consumer ON api_keys (consumer, created_at);
      CREATE TABLE signing_keys (
        seq INTEGER PRIMARY KEY,
        kid TEXT NOT NULL UNIQUE,
        alg TEXT NOT NULL,
        private_jwk TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        retired_at INTEGER
      ) STRICT;
    `,
    postgres: (s) => `
      CREATE TABLE ${s}.teams (
        name TEXT PRIMARY KEY,
        grants JSONB NOT NULL,
        limits JSONB NOT NULL,
        metadata JSONB NOT NULL,
        source TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE ${s}.consumers (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        team TEXT,
        grants JSONB NOT NULL,
        limits JSONB NOT NULL,
        metadata JSONB NOT NULL,
        scopes JSONB NOT NULL,
        disabled BOOLEAN NOT NULL,
        source TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX consumers_by_team ON ${s}.consumers (team);
      CREATE TABLE ${s}.api_keys (
        id TEXT PRIMARY KEY,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        consumer TEXT NOT NULL,
        hash TEXT NOT NULL,
        prefix TEXT NOT NULL,
        name TEXT,
        grants JSONB NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        revoked_at BIGINT,
        grace_until BIGINT,
        replaced_by TEXT,
        last_used_at BIGINT
      );
      CREATE UNIQUE INDEX api_keys_by_hash ON ${s}.api_keys (hash);
      CREATE INDEX api_keys_by_consumer ON ${s}.api_keys (consumer, created_at);
      CREATE TABLE ${s}.signing_keys (
        kid TEXT PRIMARY KEY,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        alg TEXT NOT NULL,
        private_jwk TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        retired_at BIGINT
      );
    `,
  },
];

/**
 * Applies the missing versions in one `BEGIN IMMEDIATE` transaction: it takes the write lock up
 * front, so a second process migrating the same file waits (busy_timeout) and then finds the
 * versions already recorded, instead of both reading "not applied" and both creating tables.
 */
export function migrateSqliteIdentity(db: BetterSqlite3.Database, now: number): void {
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`);
    const applied = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of IDENTITY_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      db.exec(m.sqlite);
      record.run(m.version, m.name, now);
    }
  });
  run.immediate();
}

/**
 * Applies the missing versions in one transaction that first takes a transaction-scoped advisory
 * lock keyed by the schema name: concurrent replicas queue on the lock (released at commit or
 * rollback, even if the process dies), and the schema is created under the lock because
 * concurrent `CREATE SCHEMA IF NOT EXISTS` can still fail with a unique violation.
 */
export async function migratePostgresIdentity(pool: Pool, schema: string, now: number): Promise<void> {
  const s = quoteIdent(schema);
  const client = await pool.connect();
  let failed = false;
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('gatehouse.identity'), hashtext($1))", [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
    const applied = new Set(rows.map((r) => r.version));
    for (const m of IDENTITY_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await client.query(m.postgres(s));
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [m.version, m.name, now]);
    }
    await client.query('COMMIT');
  } catch (err) {
    failed = true;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    // A client whose transaction failed may be in a broken state: destroy it rather than pool it.
    client.release(failed);
  }
}

/** Schema names are configuration, not user input, but are still checked before going into SQL. */
export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid PostgreSQL schema name: ${JSON.stringify(name)}`);
  return `"${name}"`;
}
