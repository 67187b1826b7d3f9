import { createHash } from 'node:crypto';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { Logger } from '../telemetry/logger.js';
import type { McpSection, McpServerConfig } from './config.js';
import { errorResponse, type Json, type JsonRpcId, type JsonRpcRequest, type JsonRpcResponse } from './jsonrpc.js';
import { encodeServerRequestId } from './front/dispatch.js';
import { SessionSealer, type SessionState } from './sessions.js';
import { createUpstream } from './upstream/index.js';
import { UpstreamError, type ClientIdentity, type Upstream, type UpstreamConfig, type UpstreamSession } from './upstream/types.js';
import type { ToolPins } from './pins/tool-pins.js';
import type { Abort } from '../pipeline/abort.js';

/** What one session-era agent has open on this replica. */
export interface LocalSession {
  readonly id: string;
  readonly state: SessionState;
  /** Upstream sessions by server name, opened or resumed on first use here. */
  readonly upstreams: Map<string, Promise<UpstreamSession>>;
  /** The agent's requests in flight here, by its request id: cancelled by notifications/cancelled. */
  readonly inFlight: Map<JsonRpcId, Abort>;
  /** Requests the gateway itself sent the agent (bridged input_required), waiting for its answer. */
  readonly awaiting: Map<string, (response: JsonRpcResponse) => void>;
  /** Open GET streams of this session here. */
  readonly streams: Set<ServerResponse>;
  /** logging/setLevel, for upstreams of the stateless era (they take it with each request). */
  logLevel?: string | undefined;
  /** Stops the upstream listeners when the session ends here. */
  readonly stops: (() => void)[];
}

/** Tool lists are re-read from an upstream session at most this often (and on list_changed). */
const TOOL_LIST_TTL_MS = 30_000;

/**
 * The long-lived part of the MCP gateway, one per process, across configuration reloads: the
 * upstream clients (stdio processes, HTTP pools), the sessions served here, the session sealer and
 * the tool pins. Compiled endpoints (per configuration) live in the Runtime; they find their
 * upstreams here by server name.
 */
export class McpHub {
  readonly sealer: SessionSealer;
  readonly #logger: Logger;
  readonly #configPath: string;
  #config: McpSection | undefined;
  readonly #upstreams = new Map<string, { key: string; upstream: Upstream }>();
  readonly #sessions = new Map<string, LocalSession>();
  /** Stateless (2026-07-28) agents share upstream sessions per server and client capabilities. */
  readonly #pool = new Map<string, Promise<UpstreamSession>>();
  readonly #toolLists = new WeakMap<UpstreamSession, { at: number; tools: Promise<Json[]> }>();
  readonly #sweeper: NodeJS.Timeout;
  /** What ends the long-lived streams of stateless agents (subscriptions/listen) at shutdown. */
  readonly #onShutdown = new Set<() => void>();
  #closing = false;

  constructor(
    config: McpSection | undefined,
    configPath: string,
    logger: Logger,
    readonly pins: ToolPins | undefined,
  ) {
    this.#logger = logger;
    this.#configPath = configPath;
    this.sealer = new SessionSealer(config?.sessionSecret);
    this.configure(config);
    this.#sweeper = setInterval(() => this.#sweep(), 30_000);
    this.#sweeper.unref();
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Applies a (re)loaded configuration: upstreams whose settings changed are replaced, removed ones closed. */
  configure(config: McpSection | undefined): void {
    this.#config = config;
    const servers = config?.servers ?? {};
    for (const [name, entry] of this.#upstreams) {
      const next = servers[name];
      if (next === undefined || keyOf(next) !== entry.key) {
        this.#upstreams.delete(name);
        this.#forget(name);
        void entry.upstream.close().catch(() => undefined);
      }
    }
  }

  upstream(name: string): Upstream {
    const existing = this.#upstreams.get(name);
    if (existing !== undefined) return existing.upstream;
    const config = this.#config?.servers[name];
    if (config === undefined) throw new UpstreamError('protocol', name, `MCP server "${name}" is not configured.`);
    const upstream = createUpstream(this.#upstreamConfig(name, config), { allowCommands: this.#config?.stdio.allowCommands ?? [], logger: this.#logger });
    this.#upstreams.set(name, { key: keyOf(config), upstream });
    return upstream;
  }

  #upstreamConfig(name: string, config: McpServerConfig): UpstreamConfig {
    if ('url' in config) return { kind: 'http', name, url: config.url, headers: config.headers, era: config.era, timeoutMs: config.timeoutMs };
    const base = dirname(this.#configPath);
    const cwd = config.cwd === undefined ? base : isAbsolute(config.cwd) ? config.cwd : resolve(base, config.cwd);
    return { kind: 'stdio', name, command: config.command, args: config.args, env: config.env, cwd, era: config.era, timeoutMs: config.timeoutMs };
  }

  // --- session-era agents -------------------------------------------------------------------

  /** The local side of a session served here (created when a replica first sees the session). */
  local(id: string, state: SessionState): LocalSession {
    const key = this.sealer.keyOf(id);
    let local = this.#sessions.get(key);
    if (local === undefined) {
      local = { id, state, upstreams: new Map(), inFlight: new Map(), awaiting: new Map(), streams: new Set(), stops: [] };
      this.#sessions.set(key, local);
    }
    return local;
  }

  /** The session's upstream session for `server`: opened here, or resumed from the sealed state. */
  sessionUpstream(local: LocalSession, server: string): Promise<UpstreamSession> {
    let pending = local.upstreams.get(server);
    if (pending === undefined) {
      const upstream = this.upstream(server);
      const client = clientOf(local.state);
      const sealed = local.state.upstreams[server];
      pending = (
        sealed?.resumeId !== undefined
          ? upstream.resume(sealed.resumeId, client, sealed.era, sealed.protocolVersion)
          : upstream.open(client)
      ).then((session) => {
        this.#listen(local, server, session);
        return session;
      });
      local.upstreams.set(server, pending);
      pending.catch(() => local.upstreams.delete(server));
    }
    return pending;
  }

  /**
   * What an upstream sends its session outside any request of ours (its GET stream, or a stdio
   * line): notifications go to the agent's open GET streams; a request to the agent (elicitation,
   * sampling) goes to one of them with an id that routes the answer back, or is refused when the
   * agent has no stream open.
   */
  #listen(local: LocalSession, server: string, session: UpstreamSession): void {
    const stop = session.listen((m) => {
      if (m.method === 'notifications/tools/list_changed') this.toolsChanged(session);
      const isRequest = 'id' in m && m.id !== undefined && m.id !== null;
      const message = isRequest ? { ...m, id: encodeServerRequestId(server, (m as JsonRpcRequest).id) } : m;
      const streams = [...local.streams];
      if (streams.length === 0) {
        if (isRequest) void session.respond(errorResponse((m as JsonRpcRequest).id, -32601, `${m.method}: the agent has no event stream open to receive it.`)).catch(() => undefined);
        return;
      }
      const text = `event: message\ndata: ${JSON.stringify(message)}\n\n`;
      if (isRequest) streams[0]!.write(text);
      else for (const res of streams) res.write(text);
    });
    local.stops.push(stop);
  }

  /** An upstream session opened for this session elsewhere in the front (initialize). */
  adopt(local: LocalSession, server: string, session: UpstreamSession): void {
    local.upstreams.set(server, Promise.resolve(session));
    this.#listen(local, server, session);
  }

  /** After `session_expired`: drop the upstream session so the next use opens a new one. */
  dropSessionUpstream(local: LocalSession, server: string): void {
    local.upstreams.delete(server);
  }

  /** DELETE: ends the session here and its upstream sessions. */
  async endSession(id: string): Promise<void> {
    const key = this.sealer.keyOf(id);
    this.sealer.end(id);
    const local = this.#sessions.get(key);
    this.#sessions.delete(key);
    if (local === undefined) return;
    for (const controller of local.inFlight.values()) controller.abort();
    for (const stop of local.stops) stop();
    for (const res of local.streams) res.end();
    await Promise.allSettled([...local.upstreams.values()].map(async (p) => (await p).close()));
  }

  // --- stateless agents ---------------------------------------------------------------------

  /** A shared upstream session for stateless agents with these capabilities. */
  pooledUpstream(server: string, client: ClientIdentity): Promise<UpstreamSession> {
    const key = `${server}\u0000${JSON.stringify(client.capabilities)}`;
    let pending = this.#pool.get(key);
    if (pending === undefined) {
      pending = this.upstream(server).open(client);
      this.#pool.set(key, pending);
      pending.catch(() => this.#pool.delete(key));
    }
    return pending;
  }

  dropPooled(server: string, client: ClientIdentity): void {
    this.#pool.delete(`${server}\u0000${JSON.stringify(client.capabilities)}`);
  }

  // --- tool lists -----------------------------------------------------------------------------

  /** Every tool of an upstream session (all pages), cached for a while per session. */
  tools(session: UpstreamSession, fresh = false): Promise<Json[]> {
    const cached = this.#toolLists.get(session);
    if (!fresh && cached !== undefined && Date.now() - cached.at < TOOL_LIST_TTL_MS) return cached.tools;
    const tools = listAll(session, 'tools/list', 'tools');
    this.#toolLists.set(session, { at: Date.now(), tools });
    tools.catch(() => this.#toolLists.delete(session));
    return tools;
  }

  /** A tools/list_changed from the upstream: the next list reads it again. */
  toolsChanged(session: UpstreamSession): void {
    this.#toolLists.delete(session);
  }

  // --- lifecycle ------------------------------------------------------------------------------

  /** Shutdown started: end GET streams so that draining does not wait for them. */
  beginShutdown(): void {
    this.#closing = true;
    for (const local of this.#sessions.values()) for (const res of local.streams) res.end();
    for (const end of [...this.#onShutdown]) end();
    this.#onShutdown.clear();
  }

  /** Calls `end` when shutdown begins (now, if it has); returns an unsubscribe. */
  onShutdown(end: () => void): () => void {
    if (this.#closing) {
      end();
      return () => undefined;
    }
    this.#onShutdown.add(end);
    return () => this.#onShutdown.delete(end);
  }

  async close(): Promise<void> {
    this.beginShutdown();
    clearInterval(this.#sweeper);
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.allSettled(sessions.flatMap((s) => [...s.upstreams.values()].map(async (p) => (await p).close())));
    await Promise.allSettled([...this.#pool.values()].map(async (p) => (await p).close()));
    this.#pool.clear();
    await Promise.allSettled([...this.#upstreams.values()].map((u) => u.upstream.close()));
    this.#upstreams.clear();
  }

  /** Expires idle sessions: their upstream sessions (stdio processes included) are closed. */
  #sweep(): void {
    const idleMs = Math.max(...Object.values(this.#config?.endpoints ?? {}).map((e) => e.sessionIdleSeconds), 60) * 1000;
    for (const key of this.sealer.sweep(idleMs)) {
      const local = this.#sessions.get(key);
      if (local === undefined) continue;
      this.#sessions.delete(key);
      this.#logger.info({ mcpSession: key }, 'MCP session expired (idle)');
      for (const stop of local.stops) stop();
      for (const res of local.streams) res.end();
      void Promise.allSettled([...local.upstreams.values()].map(async (p) => (await p).close()));
    }
  }

  #forget(server: string): void {
    for (const local of this.#sessions.values()) local.upstreams.delete(server);
    for (const key of this.#pool.keys()) if (key.startsWith(`${server}\u0000`)) this.#pool.delete(key);
  }
}

function keyOf(config: McpServerConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}

export function clientOf(state: Pick<SessionState, 'clientCapabilities' | 'clientInfo' | 'protocolVersion'>): ClientIdentity {
  return { capabilities: state.clientCapabilities, clientInfo: state.clientInfo, protocolVersion: state.protocolVersion, prefer: 'legacy' };
}

/** Follows nextCursor through every page of a list (at most 100 pages). */
export async function listAll(session: UpstreamSession, method: string, field: string): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const response = await session.request(method, cursor === undefined ? undefined : { cursor });
    if (response.error !== undefined) throw new UpstreamError('protocol', 'upstream', `${method} failed: ${response.error.message}`);
    const list = response.result?.[field];
    if (Array.isArray(list)) for (const item of list) if (item !== null && typeof item === 'object') items.push(item as Json);
    const next = response.result?.nextCursor;
    if (typeof next !== 'string' || next === '') break;
    cursor = next;
  }
  return items;
}
