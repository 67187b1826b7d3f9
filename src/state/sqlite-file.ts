import { chmodSync, closeSync, existsSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

export interface SqliteFileOptions {
  /** How long a write waits for another process (a gateway, the CLI) holding the file's write lock. */
  readonly busyTimeoutMs: number;
  /** Turns on foreign key enforcement for this connection (SQLite's default is off). */
  readonly foreignKeys?: boolean;
}

/**
 * Opens a SQLite database file the way every store does. The file holds key hashes, signing keys
 * and tool pins, and several stores may share it, so what is created here is private to its user:
 * missing directories 0700, the database file 0600 (SQLite gives its -wal and -shm the file's
 * mode; they are set again after open all the same). Existing directories and files keep theirs.
 * ':memory:', '' and 'file:' URIs are opened as given. WAL mode lets a gateway read while the CLI
 * writes from another process. Throws the fs or driver error; the store maps it.
 */
export function openSqliteFile(path: string, options: SqliteFileOptions): Database.Database {
  const onDisk = path !== ':memory:' && path !== '' && !path.startsWith('file:');
  const created = onDisk && createPrivately(resolve(path));
  const db = new Database(path);
  // busy_timeout first: switching to WAL needs a lock another process may hold.
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
  db.pragma('journal_mode = WAL');
  if (options.foreignKeys === true) db.pragma('foreign_keys = ON');
  // NORMAL is durable in WAL mode except for the last commits on power loss, and avoids an fsync per write.
  db.pragma('synchronous = NORMAL');
  if (created) for (const side of [`${path}-wal`, `${path}-shm`]) if (existsSync(side)) chmodSync(side, 0o600);
  return db;
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
