import { createRequire } from 'node:module';
import type pg from 'pg';
import { describeServer, postgresStoreError, type StoreErrorMessages } from './store-errors.js';

/** How a PostgreSQL store connects; the store adds its schema and clock. */
export interface PostgresConnectionOptions {
  /** postgres://user:password@host:port/database — the password never appears in errors. */
  readonly url: string;
  readonly poolSize?: number;
  /** Bound on opening a connection, so an unreachable database fails fast instead of hanging. */
  readonly connectTimeoutMs?: number;
  /**
   * Bound on one query (default 5000 ms), so a lock, a stalled server or a dead network never
   * hangs a request: the query fails with store_unavailable and its connection is discarded.
   */
  readonly queryTimeoutMs?: number;
}

// pg (a CommonJS package, ~2 MB of heap once loaded) is required on first use, so a gateway whose
// stores are all SQLite never loads it.
const requirePg = createRequire(import.meta.url);
let pgModule: typeof pg | undefined;
const loadPg = (): typeof pg => (pgModule ??= requirePg('pg') as typeof pg);

/** A row as pg returns it. */
export type PgRow = Record<string, unknown>;

/** What a PostgreSQL store is built on: a pool whose every failure is a GatehouseError. */
export interface PostgresStorePool {
  readonly pool: pg.Pool;
  /** Runs one statement and returns its rows. */
  query(what: string, sql: string, params?: unknown[]): Promise<PgRow[]>;
  /** Runs `fn` (which uses `pool` itself, e.g. a migration); a failure becomes a GatehouseError. */
  guard<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** Ends the pool; harmless when already ended. */
  close(): Promise<void>;
}

/**
 * Creates the pool of a store (StoreErrorMessages say how its errors read). It connects lazily:
 * opening never fails, the first query reports an unreachable database.
 */
export function openPostgresPool(
  options: PostgresConnectionOptions,
  defaultPoolSize: number,
  messages: StoreErrorMessages,
): PostgresStorePool {
  const where = describeServer(options.url);
  const pool = new (loadPg().Pool)({
    connectionString: options.url,
    max: options.poolSize ?? defaultPoolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    // Client-side (pg's query_timeout) rather than a statement_timeout startup parameter, which
    // transaction-pooling proxies such as PgBouncer refuse by default. pool.query discards a
    // client whose query timed out, so a late answer can never be read by the next query.
    query_timeout: Math.max(1, Math.floor(options.queryTimeoutMs ?? 5000)),
    idleTimeoutMillis: 30_000,
    application_name: 'gatehouse',
  });
  // An idle client that loses its connection emits 'error' on the pool; unhandled, that would crash
  // the process. The next query reports the outage instead.
  pool.on('error', () => undefined);
  let closed = false;

  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw postgresStoreError(err, what, where, messages);
    }
  };
  return {
    pool,
    guard,
    query: (what, sql, params = []) => guard(what, async () => (await pool.query<PgRow>(sql, params)).rows),
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
