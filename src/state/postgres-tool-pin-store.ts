import { GatehouseError } from '../errors/gatehouse-error.js';
import { quoteIdent, runPostgresMigrations } from './postgres-migrations.js';
import { openPostgresPool, type PostgresConnectionOptions } from './postgres-pool.js';
import { TOOL_PIN_SCHEMA } from './tool-pin-migrations.js';
import { toolPinFromRow, type ToolPinDbRow } from './tool-pin-rows.js';
import { boundToolSummary, TOOL_PIN_STORE_ERRORS, type ToolPinRow, type ToolPinStore } from './tool-pin-store.js';

/** The connection (a pool of 4 unless poolSize says otherwise), the schema and the clock. */
export interface PostgresToolPinStoreOptions extends PostgresConnectionOptions {
  /** The table lives in this schema (created by migrate() if absent). Default "gatehouse". */
  readonly schema?: string;
  /** The clock for approvedAt/pendingSince; tests inject one. */
  readonly now?: () => number;
}

const fromRow = (row: ToolPinDbRow): ToolPinRow => toolPinFromRow(row, (v) => v);

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
  const { pool, query, guard, close } = openPostgresPool(options, 4, TOOL_PIN_STORE_ERRORS);
  const get = async (what: string, server: string, tool: string): Promise<ToolPinRow | undefined> => {
    const [row] = await query(what, `SELECT * FROM ${table} WHERE server = $1 AND tool = $2`, [server, tool]);
    return row === undefined ? undefined : fromRow(row);
  };

  return {
    kind: 'postgres',
    migrate: () => guard('migrate', () => runPostgresMigrations(pool, schema, TOOL_PIN_SCHEMA, now())),
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
    close,
  };
}
