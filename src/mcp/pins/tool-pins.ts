import { scoreInjection } from '../../detect/index.js';
import type { InjectionResult } from '../../detect/injection/index.js';
import type { PendingReason, ToolPinRow, ToolPinStore } from '../../state/tool-pin-store.js';
import { toolFingerprint } from './fingerprint.js';
import { summarizeTool } from './summary.js';

export type PinMode = 'tofu' | 'manual';

/**
 * Why a tool is held back: a pending reason, `store_unavailable` (the pins could not be read and
 * no approval of this definition is known: fail closed), or `invalid` (no string name to pin).
 */
export type QuarantineReason = PendingReason | 'store_unavailable' | 'invalid';

export interface QuarantinedTool {
  /** The upstream's own name. */
  readonly name: string;
  readonly reason: QuarantineReason;
  /** The fingerprint of the definition held back ("" when it could not be computed). */
  readonly hash: string;
}

export interface ToolPinDecision {
  /** The tools that may be listed and called, in the order given, untouched. */
  readonly allowed: Record<string, unknown>[];
  readonly quarantined: QuarantinedTool[];
}

/** The part of a logger ToolPins writes to (a pino Logger fits). */
export interface ToolPinsLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ToolPinsOptions {
  /** How long a row read from the store is trusted (default 5000): an approval made elsewhere applies within this time. */
  readonly cacheMs?: number;
  /** The clock; tests inject one. */
  readonly now?: () => number;
}

type Known = { readonly ok: true; readonly row: ToolPinRow | undefined } | { readonly ok: false };
interface Slot {
  expires: number;
  settled: boolean;
  state: Promise<Known>;
}

/** Beyond this many cached rows, expired ones are dropped (an upstream could list any number of tools). */
const MAX_SLOTS = 10_000;
const MAX_SCANS = 1_000;

/**
 * Tool pinning against rug pulls: decides which of an upstream's tools may be shown and called.
 * A tool passes when its fingerprint is the approved one. Otherwise it is quarantined — reason
 * `injection` when its description is flagged as a prompt injection (in both modes), `changed`
 * when another definition was approved, `new` in manual mode — and recorded as pending for
 * `gatehouse mcp approve-tool`; in tofu mode a clean tool seen for the first time is approved.
 *
 * Store traffic: each (server, tool) row is read at most once per cache period (several stale
 * tools of one check are read with one `list(server)`; concurrent checks share the read), plus one
 * write when something changes (first sight, a new pending hash). A failed read or write fails
 * closed: only a definition whose approval was seen before passes, the rest are quarantined, and
 * the failure is logged; the store is asked again after the cache period.
 */
export class ToolPins {
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly slots = new Map<string, Slot>();
  /** The last approved hash seen per tool, which keeps approved tools up while the store is down. */
  private readonly lastApproved = new Map<string, string>();
  private readonly scans = new Map<string, InjectionResult>();

  constructor(
    private readonly store: ToolPinStore,
    private readonly mode: PinMode,
    private readonly logger: ToolPinsLogger,
    options: ToolPinsOptions = {},
  ) {
    this.cacheMs = Math.max(0, options.cacheMs ?? 5000);
    this.now = options.now ?? Date.now;
  }

  async check(server: string, tools: Record<string, unknown>[]): Promise<ToolPinDecision> {
    const items = tools.map((tool) => {
      const name = typeof tool.name === 'string' && tool.name !== '' ? tool.name : undefined;
      let hash = '';
      try {
        hash = toolFingerprint(tool);
      } catch {
        // not JSON (cannot come off the wire): quarantined as invalid below
      }
      return { tool, name, hash, key: name === undefined ? '' : slotKey(server, name) };
    });
    this.refresh(server, items.flatMap((i) => (i.name === undefined || i.hash === '' ? [] : [i.name])));
    const verdicts = await Promise.all(
      items.map(async (i): Promise<QuarantineReason | undefined> =>
        i.name === undefined || i.hash === '' ? 'invalid' : this.decide(server, i.name, i.key, i.hash, i.tool),
      ),
    );
    const allowed: Record<string, unknown>[] = [];
    const quarantined: QuarantinedTool[] = [];
    items.forEach((i, n) => {
      const reason = verdicts[n];
      if (reason === undefined) allowed.push(i.tool);
      else quarantined.push({ name: i.name ?? String(i.tool.name ?? ''), reason, hash: i.hash });
    });
    return { allowed, quarantined };
  }

  /** Starts one read for the tools whose row is not cached (or expired): get for one, list for several. */
  private refresh(server: string, names: string[]): void {
    const now = this.now();
    const stale = [...new Set(names)].filter((name) => {
      const slot = this.slots.get(slotKey(server, name));
      return slot === undefined || (slot.settled && slot.expires <= now);
    });
    if (stale.length === 0) return;
    if (this.slots.size + stale.length > MAX_SLOTS) this.sweep(now);
    const read: Promise<Map<string, ToolPinRow> | undefined> =
      stale.length === 1
        ? this.store.get(server, stale[0]!).then((row) => new Map(row === undefined ? [] : [[row.tool, row]]))
        : this.store.list(server).then((rows) => new Map(rows.map((r) => [r.tool, r])));
    const logged = read.then(
      (rows) => rows,
      (err: unknown) => {
        this.logger.error({ event: 'mcp.tool_pins_unavailable', server, tools: stale.length, err }, 'tool pin store unavailable: unapproved tools are quarantined');
        return undefined;
      },
    );
    for (const name of stale) {
      const slot: Slot = { expires: now + this.cacheMs, settled: false, state: Promise.resolve({ ok: false }) };
      slot.state = logged.then((rows): Known => {
        slot.settled = true;
        if (rows === undefined) return { ok: false };
        const row = rows.get(name);
        this.noteApproval(slotKey(server, name), row);
        return { ok: true, row };
      });
      this.slots.set(slotKey(server, name), slot);
    }
  }

  /** undefined: allowed; otherwise why the tool is quarantined. */
  private async decide(server: string, name: string, key: string, hash: string, tool: Record<string, unknown>): Promise<QuarantineReason | undefined> {
    const known = await this.slots.get(key)!.state;
    if (!known.ok) return this.lastApproved.get(key) === hash ? undefined : 'store_unavailable';
    let row = known.row;
    if (row?.approvedHash === hash) return undefined;

    const scan = this.scan(tool, hash);
    if (!scan.flagged && row === undefined && this.mode === 'tofu') {
      try {
        row = await this.store.approveIfAbsent(server, name, hash, summarizeTool(tool));
      } catch (err) {
        this.writeFailed(key, server, name, 'approveIfAbsent', err);
        return 'store_unavailable';
      }
      this.remember(key, row);
      if (row.approvedHash === hash) return undefined;
    }

    const reason: PendingReason = scan.flagged ? 'injection' : row?.approvedHash !== undefined ? 'changed' : 'new';
    if (row?.pendingHash === hash) return reason;
    try {
      const marked = await this.store.markPending(server, name, hash, reason, summarizeTool(tool));
      this.remember(key, marked.row);
      // Approved meanwhile (by the CLI, or another replica's first sight): markPending left it alone.
      if (marked.row.approvedHash === hash) return undefined;
      if (marked.isNew) this.audit(server, name, hash, reason, marked.row, scan);
    } catch (err) {
      this.writeFailed(key, server, name, 'markPending', err);
    }
    return reason;
  }

  /** Logged once per new pending hash (the store says which call made it new, across replicas too). */
  private audit(server: string, tool: string, hash: string, reason: PendingReason, row: ToolPinRow, scan: InjectionResult): void {
    if (row.approvedHash !== undefined) {
      this.logger.warn(
        { event: 'mcp.tool_definition_changed', server, tool, approvedHash: row.approvedHash, pendingHash: hash },
        'MCP tool definition changed: quarantined until approved (gatehouse mcp approve-tool)',
      );
    }
    if (reason === 'injection') {
      this.logger.warn(
        { event: 'mcp.tool_description_flagged', server, tool, pendingHash: hash, score: scan.score, signals: scan.signals },
        'MCP tool description looks like a prompt injection: quarantined until approved (gatehouse mcp approve-tool)',
      );
    } else if (reason === 'new') {
      this.logger.info({ event: 'mcp.tool_pending_approval', server, tool, pendingHash: hash }, 'new MCP tool quarantined until approved (gatehouse mcp approve-tool)');
    }
  }

  private scan(tool: Record<string, unknown>, hash: string): InjectionResult {
    let result = this.scans.get(hash);
    if (result === undefined) {
      result = typeof tool.description === 'string' && tool.description !== '' ? scoreInjection(tool.description, 'data') : { score: 0, flagged: false, signals: [] };
      // A tool description is an instruction to the model by nature, so the classifier alone flags
      // too many honest ones: a description is held only when an injection signal (an override,
      // concealment from the user, a role hijack, exfiltration...) backs the classifier up.
      if (result.flagged && result.signals.length === 0) result = { ...result, flagged: false };
      if (this.scans.size >= MAX_SCANS) this.scans.clear();
      this.scans.set(hash, result);
    }
    return result;
  }

  /** A row a write returned replaces the cached one (it is at least as new); the expiry stays. */
  private remember(key: string, row: ToolPinRow): void {
    this.noteApproval(key, row);
    const slot = this.slots.get(key);
    const state = Promise.resolve<Known>({ ok: true, row });
    if (slot === undefined) this.slots.set(key, { expires: this.now() + this.cacheMs, settled: true, state });
    else slot.state = state;
  }

  /** Until the cache period ends the tool is not written again: fail closed without hammering a failing store. */
  private writeFailed(key: string, server: string, tool: string, what: string, err: unknown): void {
    this.logger.error({ event: 'mcp.tool_pins_unavailable', server, tool, operation: what, err }, 'tool pin store unavailable: unapproved tools are quarantined');
    const slot = this.slots.get(key);
    if (slot !== undefined) slot.state = Promise.resolve({ ok: false });
  }

  private noteApproval(key: string, row: ToolPinRow | undefined): void {
    if (row?.approvedHash !== undefined) this.lastApproved.set(key, row.approvedHash);
    else this.lastApproved.delete(key);
  }

  private sweep(now: number): void {
    for (const [key, slot] of this.slots) if (slot.settled && slot.expires <= now) this.slots.delete(key);
  }
}

function slotKey(server: string, tool: string): string {
  return `${server}\u0000${tool}`;
}
