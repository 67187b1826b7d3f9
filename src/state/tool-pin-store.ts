import type { StoreErrorMessages } from './store-errors.js';

/**
 * Where MCP tool pins live: for each (upstream server, tool) the fingerprint a person or
 * trust-on-first-use approved, and the definition waiting for approval, if any. A SQLite file by
 * default (it may be the identity store's file: the table and its migration record are its own),
 * PostgreSQL for many replicas. Both implementations pass test/state/tool-pin-store.test.ts.
 *
 * Every method may throw a GatehouseError `store_unavailable`; its message is fixed per operation
 * and never carries driver text, SQL, table names or file paths (a connection failure names
 * host:port only).
 */

/** How both implementations' errors read (store-errors.ts); writes are upserts, so no duplicates. */
export const TOOL_PIN_STORE_ERRORS: StoreErrorMessages = { store: 'tool pin store' };

/** Why a definition waits for approval. */
export type PendingReason = 'changed' | 'new' | 'injection';
export const PENDING_REASONS: readonly PendingReason[] = ['changed', 'new', 'injection'];

/** Enough of a definition to review it: its description and the names of its top-level arguments. */
export interface ToolSummary {
  readonly description: string | null;
  readonly properties: readonly string[];
  /** Set when the description or the property list was cut to fit MAX_SUMMARY_BYTES. */
  readonly truncated?: true;
}

/** The bound of a stored summary, as UTF-8 JSON. */
export const MAX_SUMMARY_BYTES = 4096;

export interface ToolPinRow {
  readonly server: string;
  /** The upstream's own tool name (not the prefixed name agents see). */
  readonly tool: string;
  readonly approvedHash?: string;
  /** Milliseconds since the epoch. */
  readonly approvedAt?: number;
  /** "tofu" for an approval on first sight; otherwise who approved (the CLI's --by). */
  readonly approvedBy?: string;
  readonly pendingHash?: string;
  readonly pendingReason?: PendingReason;
  /** When this pending hash was first seen (kept while the same hash is marked again). */
  readonly pendingSince?: number;
  /** Of the pending definition when there is one; otherwise of the approved one (when known). */
  readonly summary?: ToolSummary;
}

export interface ToolPinStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates or upgrades the table; safe on every start and from several processes or replicas at once. */
  migrate(): Promise<void>;
  get(server: string, tool: string): Promise<ToolPinRow | undefined>;
  /** Ordered by server, then tool (binary order). */
  list(server?: string): Promise<ToolPinRow[]>;
  /**
   * Trust on first use: inserts (server, tool) approved with `hash` (approvedBy "tofu") unless a
   * row exists, atomically. Returns the row as it now is — the existing one untouched when there
   * was one (which may hold another approved hash, or only a pending one). Of concurrent calls
   * from any number of stores exactly one inserts.
   */
  approveIfAbsent(server: string, tool: string, hash: string, summary: ToolSummary): Promise<ToolPinRow>;
  /**
   * Records `hash` as waiting for approval (creating the row if needed), atomically. Marking the
   * hash that is already pending changes nothing (pendingSince, reason and summary stay) and
   * returns isNew false; a different hash replaces it and returns isNew true — so of concurrent
   * calls with one new hash, from any number of stores, exactly one gets isNew true.
   */
  markPending(server: string, tool: string, hash: string, reason: PendingReason, summary: ToolSummary): Promise<{ row: ToolPinRow; isNew: boolean }>;
  /**
   * Makes the pending hash the approved one, or — when `hash` is given — that hash, which must be
   * the pending or the approved one (approving the approved one dismisses the pending definition).
   * Clears the pending fields and sets approvedAt/approvedBy. Returns the row, or undefined when
   * there is no row, nothing pending and no hash given, or the hash is neither. One conditional
   * write, so it never approves a hash that replaced the one checked.
   */
  approve(server: string, tool: string, hash?: string, by?: string): Promise<ToolPinRow | undefined>;
  close(): Promise<void>;
}

/** Cuts a summary to MAX_SUMMARY_BYTES of UTF-8 JSON: long names first, then the description, then names. */
export function boundToolSummary(summary: ToolSummary): ToolSummary {
  const size = (s: ToolSummary): number => Buffer.byteLength(JSON.stringify(s), 'utf8');
  if (size(summary) <= MAX_SUMMARY_BYTES) return summary;
  let properties = summary.properties.slice(0, 256).map((p) => cut(p, 128));
  let description = summary.description === null ? null : cut(summary.description, 2048);
  const build = (): ToolSummary => ({ description, properties, truncated: true });
  while (size(build()) > MAX_SUMMARY_BYTES && description !== null && description.length > 256) description = cut(description, Math.floor(description.length / 2));
  while (size(build()) > MAX_SUMMARY_BYTES && properties.length > 0) properties = properties.slice(0, Math.floor(properties.length / 2));
  while (size(build()) > MAX_SUMMARY_BYTES && description !== null && description.length > 0) description = cut(description, Math.floor(description.length / 2));
  return build();
}

/** At most `max` code points, never splitting a surrogate pair; marked with an ellipsis when cut. */
function cut(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Reads a stored summary back; anything unexpected reads as absent rather than failing the row. */
export function parseToolSummary(value: unknown): ToolSummary | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const description = typeof v.description === 'string' ? v.description : null;
  const properties = Array.isArray(v.properties) ? v.properties.filter((p): p is string => typeof p === 'string') : [];
  return v.truncated === true ? { description, properties, truncated: true } : { description, properties };
}

export function isPendingReason(value: unknown): value is PendingReason {
  return typeof value === 'string' && (PENDING_REASONS as readonly string[]).includes(value);
}
