import { runSqliteMigrations } from './sqlite-migrations.js';
import { openSqliteStoreDb } from './sqlite-store-db.js';
import { TOOL_PIN_SCHEMA } from './tool-pin-migrations.js';
import { toolPinFromRow, type ToolPinDbRow } from './tool-pin-rows.js';
import { boundToolSummary, TOOL_PIN_STORE_ERRORS, type ToolPinRow, type ToolPinStore } from './tool-pin-store.js';

export interface SqliteToolPinStoreOptions {
  /** The clock for approvedAt/pendingSince; tests inject one. */
  readonly now?: () => number;
  /** How long a write waits for another process (a gateway, the CLI) holding the file's write lock. */
  readonly busyTimeoutMs?: number;
}

const fromRow = (row: ToolPinDbRow): ToolPinRow => toolPinFromRow(row, (v) => JSON.parse(String(v)));

/**
 * The embedded tool pin store: a SQLite file (often the identity store's) or ':memory:'. Its own
 * connection in WAL mode, so a gateway reading pins and the CLI approving one in another process
 * do not block each other's reads. better-sqlite3 is synchronous and every call is one indexed
 * statement, so it runs inline.
 */
export function openSqliteToolPinStore(path: string, options: SqliteToolPinStoreOptions = {}): ToolPinStore {
  const now = options.now ?? Date.now;
  const { db, stmt, guard, close } = openSqliteStoreDb(path, { busyTimeoutMs: options.busyTimeoutMs ?? 5000 }, TOOL_PIN_STORE_ERRORS);
  const get = (server: string, tool: string): ToolPinRow | undefined => {
    const row = stmt('SELECT * FROM mcp_tool_pins WHERE server = ? AND tool = ?').get(server, tool) as ToolPinDbRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  };

  const approveIfAbsent = db.transaction((server: string, tool: string, hash: string, summary: string): ToolPinRow => {
    const t = now();
    const inserted = stmt(`INSERT INTO mcp_tool_pins (server, tool, approved_hash, approved_at, approved_by, summary, updated_at)
      VALUES (?, ?, ?, ?, 'tofu', ?, ?) ON CONFLICT (server, tool) DO NOTHING RETURNING *`).get(server, tool, hash, t, summary, t) as
      | ToolPinDbRow
      | undefined;
    return inserted === undefined ? get(server, tool)! : fromRow(inserted);
  });

  const markPending = db.transaction((server: string, tool: string, hash: string, reason: string, summary: string): { row: ToolPinRow; isNew: boolean } => {
    const t = now();
    // The upsert's WHERE makes "same hash again" (or the approved hash) a no-op that returns no row.
    const written = stmt(`INSERT INTO mcp_tool_pins (server, tool, pending_hash, pending_reason, pending_since, summary, updated_at)
      VALUES (@server, @tool, @hash, @reason, @t, @summary, @t)
      ON CONFLICT (server, tool) DO UPDATE SET pending_hash = excluded.pending_hash, pending_reason = excluded.pending_reason,
        pending_since = excluded.pending_since, summary = excluded.summary, updated_at = excluded.updated_at
      WHERE mcp_tool_pins.pending_hash IS NOT excluded.pending_hash AND mcp_tool_pins.approved_hash IS NOT excluded.pending_hash
      RETURNING *`).get({ server, tool, hash, reason, t, summary }) as ToolPinDbRow | undefined;
    return written === undefined ? { row: get(server, tool)!, isNew: false } : { row: fromRow(written), isNew: true };
  });

  return {
    kind: 'sqlite',
    migrate: () => guard('migrate', () => runSqliteMigrations(db, TOOL_PIN_SCHEMA, now())),
    get: (server, tool) => guard('get', () => get(server, tool)),
    list: (server) =>
      guard('list', () => {
        const rows = (
          server === undefined
            ? stmt('SELECT * FROM mcp_tool_pins ORDER BY server, tool').all()
            : stmt('SELECT * FROM mcp_tool_pins WHERE server = ? ORDER BY tool').all(server)
        ) as ToolPinDbRow[];
        return rows.map(fromRow);
      }),
    approveIfAbsent: (server, tool, hash, summary) =>
      guard('approveIfAbsent', () => approveIfAbsent.immediate(server, tool, hash, JSON.stringify(boundToolSummary(summary)))),
    markPending: (server, tool, hash, reason, summary) =>
      guard('markPending', () => markPending.immediate(server, tool, hash, reason, JSON.stringify(boundToolSummary(summary)))),
    approve: (server, tool, hash, by) =>
      guard('approve', () => {
        // One conditional UPDATE under the write lock: the hash approved is the one the WHERE checked.
        const row = stmt(`UPDATE mcp_tool_pins SET
            approved_hash = COALESCE(@hash, pending_hash), approved_at = @t, approved_by = @by,
            summary = CASE WHEN pending_hash IS NOT NULL AND COALESCE(@hash, pending_hash) <> pending_hash THEN NULL ELSE summary END,
            pending_hash = NULL, pending_reason = NULL, pending_since = NULL, updated_at = @t
          WHERE server = @server AND tool = @tool
            AND ((@hash IS NULL AND pending_hash IS NOT NULL) OR @hash = pending_hash OR @hash = approved_hash)
          RETURNING *`).get({ server, tool, hash: hash ?? null, by: by ?? null, t: now() }) as ToolPinDbRow | undefined;
        return row === undefined ? undefined : fromRow(row);
      }),
    close,
  };
}
