import type BetterSqlite3 from 'better-sqlite3';
import { bookkeepingTable, type MigrationSet } from './schema-migration.js';

/**
 * Applies the missing versions of `set` in one `BEGIN IMMEDIATE` transaction: it takes the write
 * lock up front, so a second process migrating the same file (this store's or another store's
 * migration) waits (busy_timeout) and then finds the versions already recorded, instead of both
 * reading "not applied" and both creating tables.
 */
export function runSqliteMigrations(db: BetterSqlite3.Database, set: MigrationSet, now: number): void {
  const table = bookkeepingTable(set);
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`);
    const applied = new Set((db.prepare(`SELECT version FROM ${table}`).all() as { version: number }[]).map((r) => r.version));
    const record = db.prepare(`INSERT INTO ${table} (version, name, applied_at) VALUES (?, ?, ?)`);
    for (const m of set.migrations) {
      if (applied.has(m.version)) continue;
      db.exec(m.sqlite);
      record.run(m.version, m.name, now);
    }
  });
  run.immediate();
}
