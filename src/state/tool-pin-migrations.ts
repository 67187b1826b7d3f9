import type BetterSqlite3 from 'better-sqlite3';
import type { Pool } from 'pg';
import { quoteIdent } from './identity-migrations.js';

/**
 * Versioned schema of the tool pin store, SQLite and PostgreSQL side by side (as the identity
 * store's). It may share a SQLite file or a PostgreSQL schema with the identity store, so its
 * versions are recorded in a table of its own, `mcp_tool_pins_migrations`, never in the identity
 * store's `schema_migrations`. A released version is never edited: a change is a new version.
 *
 * Times are integer milliseconds since the epoch; `summary` is JSON (TEXT on SQLite, jsonb on
 * PostgreSQL), read whole.
 */
export interface ToolPinMigration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: string;
  /** Receives the schema name already quoted as an identifier. */
  readonly postgres: (schema: string) => string;
}

export const TOOL_PIN_MIGRATIONS: readonly ToolPinMigration[] = [
  {
    version: 1,
    name: 'mcp tool pins',
    sqlite: `
      CREATE TABLE mcp_tool_pins (
        server TEXT NOT NULL,
        tool TEXT NOT NULL,
        approved_hash TEXT,
        approved_at INTEGER,
        approved_by TEXT,
        pending_hash TEXT,
        pending_reason TEXT,
        pending_since INTEGER,
        summary TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (server, tool)
      ) STRICT;
    `,
    postgres: (s) => `
      CREATE TABLE ${s}.mcp_tool_pins (
        server TEXT NOT NULL,
        tool TEXT NOT NULL,
        approved_hash TEXT,
        approved_at BIGINT,
        approved_by TEXT,
        pending_hash TEXT,
        pending_reason TEXT,
        pending_since BIGINT,
        summary JSONB,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (server, tool)
      );
    `,
  },
];

/**
 * One `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so a second process
 * migrating the same file (this store's or the identity store's migration) waits for it
 * (busy_timeout) and then finds the versions recorded.
 */
export function migrateSqliteToolPins(db: BetterSqlite3.Database, now: number): void {
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS mcp_tool_pins_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`);
    const applied = new Set(
      (db.prepare('SELECT version FROM mcp_tool_pins_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    const record = db.prepare('INSERT INTO mcp_tool_pins_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of TOOL_PIN_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      db.exec(m.sqlite);
      record.run(m.version, m.name, now);
    }
  });
  run.immediate();
}

/**
 * One transaction under a transaction-scoped advisory lock. The lock key is the identity store's
 * (gatehouse.identity, schema): both migrations may create the same schema, and concurrent
 * `CREATE SCHEMA IF NOT EXISTS` can fail with a unique violation, so they must queue on one lock.
 */
export async function migratePostgresToolPins(pool: Pool, schema: string, now: number): Promise<void> {
  const s = quoteIdent(schema);
  const client = await pool.connect();
  let failed = false;
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('gatehouse.identity'), hashtext($1))", [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.mcp_tool_pins_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${s}.mcp_tool_pins_migrations`);
    const applied = new Set(rows.map((r) => r.version));
    for (const m of TOOL_PIN_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await client.query(m.postgres(s));
      await client.query(`INSERT INTO ${s}.mcp_tool_pins_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [m.version, m.name, now]);
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
