import type { Pool } from 'pg';
import { bookkeepingTable, type MigrationSet } from './schema-migration.js';

/**
 * Applies the missing versions of `set` in `schema`, in one transaction that first takes a
 * transaction-scoped advisory lock: concurrent replicas queue on it (released at commit or
 * rollback, even if the process dies). The schema is created under the lock because concurrent
 * `CREATE SCHEMA IF NOT EXISTS` can still fail with a unique violation — which is also why every
 * store's migration in one schema takes the same lock, keyed (gatehouse.identity, schema) as it
 * was when the identity store was the only one.
 */
export async function runPostgresMigrations(pool: Pool, schema: string, set: MigrationSet, now: number): Promise<void> {
  const s = quoteIdent(schema);
  const table = `${s}.${bookkeepingTable(set)}`;
  const client = await pool.connect();
  let failed = false;
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('gatehouse.identity'), hashtext($1))", [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${table}`);
    const applied = new Set(rows.map((r) => r.version));
    for (const m of set.migrations) {
      if (applied.has(m.version)) continue;
      await client.query(m.postgres(s));
      await client.query(`INSERT INTO ${table} (version, name, applied_at) VALUES ($1, $2, $3)`, [m.version, m.name, now]);
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
