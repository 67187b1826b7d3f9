import pg from 'pg';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { quoteIdent } from './identity-migrations.js';
import { migratePostgresToolPins } from './tool-pin-migrations.js';
import { toolPinFromRow, type ToolPinDbRow } from './tool-pin-rows.js';
import { boundToolSummary, type ToolPinRow, type ToolPinStore } from './tool-pin-store.js';

export interface PostgresToolPinStoreOptions {
  /** postgres://user:password@host:port/database — the password never appears in errors. */
  readonly url: string;
  /** The table lives in this schema (created by migrate() if absent). Default "gatehouse". */
  readonly schema?: string;
  readonly poolSize?: number;
  /** Bound on opening a connection, so an unreachable database fails fast instead of hanging. */
  readonly connectTimeoutMs?: number;
  /** Bound on one query (default 5000 ms): it then fails with store_unavailable. */
  readonly queryTimeoutMs?: number;
  /** The clock for approvedAt/pendingSince; tests inject one. */
  readonly now?: () => number;
}

const fromRow = (row: ToolPinDbRow): ToolPinRow => toolPinFromRow(row, (v) => v);

/** Socket-level failures: the database is not there (or went away), as opposed to a query it refused. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * The tool pin store for many replicas. Every write is one statement whose condition PostgreSQL
 * re-checks against the committed row after waiting on its lock (READ COMMITTED), which is what
 * makes approveIfAbsent, markPending's isNew and approve exact under concurrency. Table names are
 * schema-qualified in every statement (no search_path), and the pool connects lazily: opening
 * never fails, the first query reports an unreachable database.
 */
export function openPostgresToolPinStore(options: PostgresToolPinStoreOptions): ToolPinStore {
  const now = options.now ?? Date.now;
  const schema = options.schema ?? 'gatehouse';
  const s = quoteIdent(schema);
  const table = `${s}.mcp_tool_pins`;
  const where = describeServer(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    query_timeout: Math.max(1, Math.floor(options.queryTimeoutMs ?? 5000)),
    idleTimeoutMillis: 30_000,
    application_name: 'gatehouse',
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled it would crash the process.
  pool.on('error', () => undefined);
  let closed = false;

  const query = async (what: string, sql: string, params: unknown[] = []): Promise<ToolPinDbRow[]> => {
    try {
      return (await pool.query<ToolPinDbRow>(sql, params)).rows;
    } catch (err) {
      throw toStoreError(err, what, where);
    }
  };
  const get = async (what: string, server: string, tool: string): Promise<ToolPinRow | undefined> => {
    const [row] = await query(what, `SELECT * FROM ${table} WHERE server = $1 AND tool = $2`, [server, tool]);
    return row === undefined ? undefined : fromRow(row);
  };

  return {
    kind: 'postgres',
    migrate: async () => {
      try {
        await migratePostgresToolPins(pool, schema, now());
      } catch (err) {
        throw toStoreError(err, 'migrate', where);
      }
    },
    get: (server, tool) => get('get', server, tool),
    list: async (server) =>
      (server === undefined
        ? await query('list', `SELECT * FROM ${table} ORDER BY server COLLATE "C", tool COLLATE "C"`)
        : await query('list', `SELECT * FROM ${table} WHERE server = $1 ORDER BY tool COLLATE "C"`, [server])
      ).map(fromRow),
    approveIfAbsent: async (server, tool, hash, summary) => {
      const [inserted] = await query(
        'approveIfAbsent',
        `INSERT INTO ${table} (server, tool, approved_hash, approved_at, approved_by, summary, updated_at)
         VALUES ($1, $2, $3, $4, 'tofu', $5, $4) ON CONFLICT (server, tool) DO NOTHING RETURNING *`,
        [server, tool, hash, now(), JSON.stringify(boundToolSummary(summary))],
      );
      if (inserted !== undefined) return fromRow(inserted);
      // The conflicting row is committed (ON CONFLICT waited for it), so this read sees it.
      const existing = await get('approveIfAbsent', server, tool);
      if (existing === undefined) throw new GatehouseError('store_unavailable', 'The tool pin store failed (approveIfAbsent).');
      return existing;
    },
    markPending: async (server, tool, hash, reason, summary) => {
      const [written] = await query(
        'markPending',
        `INSERT INTO ${table} AS t (server, tool, pending_hash, pending_reason, pending_since, summary, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $5)
         ON CONFLICT (server, tool) DO UPDATE SET pending_hash = excluded.pending_hash, pending_reason = excluded.pending_reason,
           pending_since = excluded.pending_since, summary = excluded.summary, updated_at = excluded.updated_at
         WHERE t.pending_hash IS DISTINCT FROM excluded.pending_hash AND t.approved_hash IS DISTINCT FROM excluded.pending_hash
         RETURNING *`,
        [server, tool, hash, reason, now(), JSON.stringify(boundToolSummary(summary))],
      );
      if (written !== undefined) return { row: fromRow(written), isNew: true };
      const existing = await get('markPending', server, tool);
      if (existing === undefined) throw new GatehouseError('store_unavailable', 'The tool pin store failed (markPending).');
      return { row: existing, isNew: false };
    },
    approve: async (server, tool, hash, by) => {
      const [row] = await query(
        'approve',
        `UPDATE ${table} SET
           approved_hash = COALESCE($3::text, pending_hash), approved_at = $5, approved_by = $4::text,
           summary = CASE WHEN pending_hash IS NOT NULL AND COALESCE($3::text, pending_hash) <> pending_hash THEN NULL ELSE summary END,
           pending_hash = NULL, pending_reason = NULL, pending_since = NULL, updated_at = $5
         WHERE server = $1 AND tool = $2
           AND (($3::text IS NULL AND pending_hash IS NOT NULL) OR $3::text = pending_hash OR $3::text = approved_hash)
         RETURNING *`,
        [server, tool, hash ?? null, by ?? null, now()],
      );
      return row === undefined ? undefined : fromRow(row);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** "host:port" for messages, from the URL's parts so the password cannot leak into them. */
function describeServer(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${host}:${u.port || u.searchParams.get('port') || '5432'}`;
  } catch {
    return 'the configured address';
  }
}

/** Fixed messages per operation (no driver text, SQL, schema or table names); the driver error is the cause. */
function toStoreError(err: unknown, what: string, where: string): GatehouseError {
  if (err instanceof GatehouseError) return err;
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  const detail = err instanceof Error ? err.message : String(err);
  // Connection-level errors may carry connection parameters: they are not attached as the cause.
  if (UNREACHABLE_CODES.has(code) || /^(08|28|3D|57P)/.test(code) || /timeout exceeded when trying to connect|Connection terminated|connect ETIMEDOUT/i.test(detail)) {
    const why = /^[A-Z0-9]{1,16}$/.test(code) ? code : /timeout/i.test(detail) ? 'connect timeout' : 'connection lost';
    return new GatehouseError('store_unavailable', `PostgreSQL at ${where} cannot be reached (${what}): ${why}.`);
  }
  if (detail === 'Query read timeout' || code === '57014') {
    return new GatehouseError('store_unavailable', `The tool pin store timed out (${what}).`, { cause: err });
  }
  return new GatehouseError('store_unavailable', `The tool pin store failed (${what}).`, { cause: err });
}
