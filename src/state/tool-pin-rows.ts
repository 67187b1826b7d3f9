import { isPendingReason, parseToolSummary, type ToolPinRow } from './tool-pin-store.js';

/** A database row of mcp_tool_pins, as either driver returns it. */
export type ToolPinDbRow = Record<string, unknown>;

/**
 * Builds a ToolPinRow from a database row; `json` reads the summary column (TEXT on SQLite, jsonb
 * already parsed on PostgreSQL). PostgreSQL returns BIGINT as a string, hence Number(). Absent
 * values are left out rather than set to undefined, so rows compare equal with deepEqual.
 */
export function toolPinFromRow(row: ToolPinDbRow, json: (value: unknown) => unknown): ToolPinRow {
  const out: { -readonly [K in keyof ToolPinRow]: ToolPinRow[K] } = { server: String(row.server), tool: String(row.tool) };
  if (row.approved_hash != null) out.approvedHash = String(row.approved_hash);
  if (row.approved_at != null) out.approvedAt = Number(row.approved_at);
  if (row.approved_by != null) out.approvedBy = String(row.approved_by);
  if (row.pending_hash != null) out.pendingHash = String(row.pending_hash);
  if (isPendingReason(row.pending_reason)) out.pendingReason = row.pending_reason;
  if (row.pending_since != null) out.pendingSince = Number(row.pending_since);
  if (row.summary != null) {
    let parsed: unknown;
    try {
      parsed = json(row.summary);
    } catch {
      parsed = undefined; // an unreadable summary must not hide the pin itself
    }
    const summary = parseToolSummary(parsed);
    if (summary !== undefined) out.summary = summary;
  }
  return out;
}
