import { GatehouseError } from '../errors/gatehouse-error.js';

/**
 * Driver error → GatehouseError, for every store on either database. API clients may be shown the
 * message, so it is fixed per store and operation and never carries the driver's text (SQL,
 * schema or table names, server detail) or a file path; a connection failure names host:port
 * only. The driver's error is the `cause`, which the gateway logs — except for connection-level
 * PostgreSQL errors, which may carry connection parameters.
 */
export interface StoreErrorMessages {
  /** How messages name the store: "identity store" → "The identity store failed (getKey)." */
  readonly store: string;
  /**
   * The already_exists message for a unique violation in operation `what`. Without it a unique
   * violation is a failure like any other (the store never expects one).
   */
  readonly duplicate?: (what: string) => string;
}

const failed = (m: StoreErrorMessages, what: string, cause: unknown): GatehouseError =>
  new GatehouseError('store_unavailable', `The ${m.store} failed (${what}).`, { cause });

/** For a better-sqlite3 error. */
export function sqliteStoreError(err: unknown, what: string, m: StoreErrorMessages): GatehouseError {
  if (err instanceof GatehouseError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (m.duplicate !== undefined && (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')) {
    return new GatehouseError('already_exists', m.duplicate(what), { cause: err });
  }
  return failed(m, what, err);
}

/** Socket-level failures: the database is not there (or went away), as opposed to a query it refused. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** For a pg error; `where` is describeServer(url). */
export function postgresStoreError(err: unknown, what: string, where: string, m: StoreErrorMessages): GatehouseError {
  if (err instanceof GatehouseError) return err;
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  if (m.duplicate !== undefined && code === '23505') return new GatehouseError('already_exists', m.duplicate(what), { cause: err });
  const detail = err instanceof Error ? err.message : String(err);
  if (isUnreachable(code, detail)) {
    // No cause: connection-level errors may carry connection parameters.
    const why = /^[A-Z0-9]{1,16}$/.test(code) ? code : /timeout/i.test(detail) ? 'connect timeout' : 'connection lost';
    return new GatehouseError('store_unavailable', `PostgreSQL at ${where} cannot be reached (${what}): ${why}.`);
  }
  // pg's query_timeout, or a server-side statement_timeout (57014 query_canceled).
  if (detail === 'Query read timeout' || code === '57014') {
    return new GatehouseError('store_unavailable', `The ${m.store} timed out (${what}).`, { cause: err });
  }
  return failed(m, what, err);
}

function isUnreachable(code: string, message: string): boolean {
  if (UNREACHABLE_CODES.has(code)) return true;
  // SQLSTATE classes: 08 connection exception, 28 bad credentials, 3D no such database, 57P shutdown.
  if (/^(08|28|3D|57P)/.test(code)) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connect ETIMEDOUT/i.test(message);
}

/** "host:port" for messages; built from the URL's parts so the password cannot leak into them. */
export function describeServer(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${host}:${u.port || u.searchParams.get('port') || '5432'}`;
  } catch {
    return 'the configured address';
  }
}
