import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { ConfigError, loadConfigFile } from '../config/load.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { openToolPinStore } from '../state/open-tool-pin-store.js';
import type { ToolPinRow, ToolPinStore } from '../state/tool-pin-store.js';

/** A refusal the user can act on: printed as is, exit 1. */
class PinCommandError extends Error {}

/**
 * Runs one command against the pin store `mcp.pins.store` names — the store the gateways read, so
 * an approval made here applies on every replica within its pin cache time.
 */
async function withPinStore(configPath: string, work: (store: ToolPinStore) => Promise<unknown>): Promise<number> {
  let store: ToolPinStore | undefined;
  try {
    const config = await loadConfigFile(configPath);
    if (config.mcp === undefined) {
      console.error(`${configPath}: no \`mcp\` section, so there are no tool pins (see docs/mcp-pinning.md).`);
      return 1;
    }
    store = openToolPinStore(config.mcp.pins.store, configPath);
    await store.migrate();
    const out = await work(store);
    if (out !== undefined) console.log(typeof out === 'string' ? out : safeJson(out));
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else if (err instanceof PinCommandError) console.error(`gatehouse: ${err.message}`);
    else if (err instanceof GatehouseError) console.error(`gatehouse: ${err.code}: ${err.message}`);
    else console.error(`gatehouse: ${(err as Error).message}`);
    return 1;
  } finally {
    await store?.close().catch(() => undefined);
  }
}

export function addMcpCommands(program: Command, defaultConfig: string): void {
  // Other MCP commands may register `mcp` too: share the one group.
  const mcp = program.commands.find((c) => c.name() === 'mcp') ?? program.command('mcp').description('The MCP gateway: tool pins and approvals.');

  mcp
    .command('pins')
    .description('List pinned MCP tools: the approved definition and any waiting for approval (quarantined).')
    .option('--server <name>', 'only this upstream server')
    .option('-c, --config <file>', 'configuration file', defaultConfig)
    .option('--json', 'print JSON')
    .action(async (o: { server?: string; config: string; json?: boolean }) => {
      process.exitCode = await withPinStore(o.config, async (store) => {
        const rows = await store.list(o.server);
        return o.json === true ? rows.map(pinView) : pinTable(rows);
      });
    });

  mcp
    .command('approve-tool')
    .description('Approve the pending definition of a quarantined tool (changed, new in manual mode, or flagged). Review it first with `gatehouse mcp pins`.')
    .argument('<server>', 'upstream server name (under mcp.servers)')
    .argument('<tool>', 'the tool’s name on that server (without the endpoint prefix)')
    .option('--hash <sha256>', 'approve only this definition (the pending hash shown by `mcp pins`), so a definition that changed again since you reviewed it is not approved')
    .option('--by <name>', 'recorded as the approver (default: your user name)')
    .option('-c, --config <file>', 'configuration file', defaultConfig)
    .option('--json', 'print JSON')
    .action(async (server: string, tool: string, o: { hash?: string; by?: string; config: string; json?: boolean }) => {
      process.exitCode = await withPinStore(o.config, async (store) => {
        const approved = await approveTool(store, server, tool, o.hash?.trim().toLowerCase(), o.by ?? currentUser());
        if (o.json === true) return pinView(approved);
        const lines = [`approved ${server}/${tool}: ${approved.approvedHash}`];
        if (approved.summary !== undefined) lines.push(...summaryLines(approved));
        lines.push('Gateways apply it within their pin cache time (5 s).');
        return lines.join('\n');
      });
    });
}

async function approveTool(store: ToolPinStore, server: string, tool: string, hash: string | undefined, by: string): Promise<ToolPinRow> {
  const row = await store.get(server, tool);
  if (row === undefined) throw new PinCommandError(`no tool "${tool}" of server "${server}" is pinned (list them: gatehouse mcp pins --server ${server}). Nothing was approved.`);
  if (row.pendingHash === undefined) throw new PinCommandError(`nothing is pending for ${server}/${tool}: its approved definition is ${row.approvedHash ?? '(none)'}. Nothing was approved.`);
  if (hash !== undefined && hash !== row.pendingHash && hash !== row.approvedHash) {
    throw new PinCommandError(`--hash ${printable(hash)} does not match the pending definition of ${server}/${tool} (pending: ${row.pendingHash}). Nothing was approved.`);
  }
  // Always the hash checked above: if the definition changed again meanwhile, nothing is approved.
  const approved = await store.approve(server, tool, hash ?? row.pendingHash, by);
  if (approved === undefined) throw new PinCommandError(`the pending definition of ${server}/${tool} changed while approving. Nothing was approved: review it again with gatehouse mcp pins.`);
  return approved;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'cli';
  }
}

function pinView(row: ToolPinRow): Record<string, unknown> {
  const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  return {
    server: row.server,
    tool: row.tool,
    status: row.pendingHash === undefined ? 'approved' : 'pending',
    approvedHash: row.approvedHash,
    approvedAt: iso(row.approvedAt),
    approvedBy: row.approvedBy,
    pendingHash: row.pendingHash,
    pendingReason: row.pendingReason,
    pendingSince: iso(row.pendingSince),
    summary: row.summary,
  };
}

function pinTable(rows: ToolPinRow[]): string {
  if (rows.length === 0) return 'no pinned tools';
  const short = (h: string | undefined) => (h === undefined ? '-' : h.slice(0, 12));
  const table = [
    ['SERVER', 'TOOL', 'STATUS', 'APPROVED', 'PENDING', 'SINCE'],
    ...rows.map((r) => [
      printable(r.server),
      printable(r.tool),
      r.pendingHash === undefined ? 'approved' : `pending (${r.pendingReason ?? '?'})`,
      short(r.approvedHash),
      short(r.pendingHash),
      r.pendingSince === undefined ? '-' : new Date(r.pendingSince).toISOString(),
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  const out = table.map((line) => line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  for (const r of rows) {
    if (r.pendingHash === undefined) continue;
    out.push('', `${printable(r.server)}/${printable(r.tool)}: waiting for approval (${r.pendingReason ?? '?'})`);
    out.push(`  pending:  ${r.pendingHash}`);
    if (r.approvedHash !== undefined) out.push(`  approved: ${r.approvedHash} (by ${printable(r.approvedBy ?? '?')})`);
    out.push(...summaryLines(r));
    out.push(`  approve:  gatehouse mcp approve-tool ${shellWord(r.server)} ${shellWord(r.tool)} --hash ${r.pendingHash}`);
  }
  return out.join('\n');
}

function summaryLines(row: ToolPinRow): string[] {
  if (row.summary === undefined) return [];
  const description = row.summary.description === null ? '(none)' : printable(row.summary.description);
  return [
    `  description: ${description}`,
    `  arguments: ${row.summary.properties.length === 0 ? '(none)' : row.summary.properties.map(printable).join(', ')}`,
    ...(row.summary.truncated === true ? ['  (summary cut to 4 KB)'] : []),
  ];
}

/**
 * Descriptions come from upstream servers, possibly hostile ones: control characters, C1 codes
 * and bidirectional overrides could rewrite the reviewer's terminal or hide text, so they are
 * shown escaped.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;
/** The same minus C0 controls, which JSON.stringify escapes itself inside strings (and uses as layout outside them). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;
const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}

function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, escape);
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_.\-/:]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
