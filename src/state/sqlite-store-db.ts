import type Database from 'better-sqlite3';
import { openSqliteFile, type SqliteFileOptions } from './sqlite-file.js';
import { sqliteStoreError, type StoreErrorMessages } from './store-errors.js';

/** What a SQLite store is built on: its own connection, a statement cache and an error guard. */
export interface SqliteStoreDb {
  readonly db: Database.Database;
  /** Prepares `sql` on first use and keeps it: statements cannot be prepared before migrate() made the tables. */
  stmt(sql: string): Database.Statement;
  /**
   * Runs `fn` and settles with its result; any failure becomes a GatehouseError (StoreErrorMessages).
   * better-sqlite3 is synchronous and every call is a local indexed statement of microseconds, so
   * it runs inline rather than on a worker.
   */
  guard<T>(what: string, fn: () => T): Promise<T>;
  /** Closes the connection; harmless when already closed. */
  close(): Promise<void>;
}

/** Opens `path` with openSqliteFile; a failure to open throws store_unavailable for operation "open". */
export function openSqliteStoreDb(path: string, file: SqliteFileOptions, messages: StoreErrorMessages): SqliteStoreDb {
  let db: Database.Database;
  try {
    db = openSqliteFile(path, file);
  } catch (err) {
    throw sqliteStoreError(err, 'open', messages);
  }
  const statements = new Map<string, Database.Statement>();
  return {
    db,
    stmt: (sql) => {
      let s = statements.get(sql);
      if (s === undefined) {
        s = db.prepare(sql);
        statements.set(sql, s);
      }
      return s;
    },
    guard: async (what, fn) => {
      try {
        return fn();
      } catch (err) {
        throw sqliteStoreError(err, what, messages);
      }
    },
    close: async () => {
      if (db.open) db.close();
    },
  };
}
