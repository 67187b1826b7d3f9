import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Exchange } from '../../pipeline/exchange.js';
import { runPhases } from '../../pipeline/chain.js';
import { composeInspectors } from '../../pipeline/response-inspection.js';
import type { Logger } from '../../telemetry/logger.js';
import { isJsonObject } from '../../llm/formats/json-object.js';
import { fieldSlot, stringLeaves, type TextSlot } from '../../llm/formats/text-view.js';
import type { CompiledMcpEndpoint, EndpointServer } from '../endpoint.js';
import type { LocalSession, McpHub } from '../hub.js';
import { listAll } from '../hub.js';
import { ERR, META, MODERN_VERSION, errorResponse, resultResponse, type Era, type Json, type JsonRpcId, type JsonRpcRequest, type JsonRpcResponse } from '../jsonrpc.js';
import { UpstreamError, type CallOptions, type ClientIdentity, type UpstreamMessage, type UpstreamSession } from '../upstream/types.js';
import type { Reply } from './reply.js';
import { rpcError, upstreamFailure } from './errors.js';
import { listen } from './listen.js';
import type { AbortLike } from '../../pipeline/abort.js';

/** Everything one agent request is handled with. */
export interface CallContext {
  readonly hub: McpHub;
  readonly endpoint: CompiledMcpEndpoint;
  readonly exchange: Exchange;
  readonly logger: Logger;
  /** The agent's era. */
  readonly era: Era;
  /** Session era: the session's local side. */
  readonly local: LocalSession | undefined;
  readonly client: ClientIdentity;
  /** Stateless era: the log level the agent asked for in this request (none: no log messages). */
  readonly logLevel: string | undefined;
  readonly reply: Reply;
  readonly signal: AbortLike;
  /**
   * Stateless era: the agent's `Mcp-Param-*` headers (values as sent), passed on with tools/call:
   * they mirror arguments, which the gateway does not change, so the upstream checks them itself.
   */
  readonly paramHeaders?: Readonly<Record<string, string>>;
}

const GATEWAY_CLIENT: ClientIdentity = { capabilities: {}, clientInfo: { name: 'gatehouse', version: '0.1.0' } };
/** How long the gateway waits for an agent to answer a request it bridged (input_required). */
const AGENT_ANSWER_MS = 10 * 60_000;
/** input_required rounds bridged for one call before giving up. */
const MAX_INPUT_ROUNDS = 10;

/** Answers one request of the agent. Never throws: failures become JSON-RPC errors with its id. */
export async function dispatch(ctx: CallContext, request: JsonRpcRequest): Promise<JsonRpcResponse> {
  try {
    const routed = await route(ctx, request);
    if ('jsonrpc' in routed && (routed as JsonRpcResponse).error !== undefined) return { ...(routed as JsonRpcResponse), id: request.id };
    const result = 'jsonrpc' in routed ? ((routed as JsonRpcResponse).result ?? {}) : (routed as Json);
    return resultResponse(request.id, ctx.era === 'modern' ? withModernFields(ctx, request.method, result) : withoutModernFields(result));
  } catch (err) {
    const error = err instanceof GatehouseError ? err : upstreamFailure(err);
    ctx.exchange.error = error;
    if (error.fault === 'provider') ctx.logger.warn({ requestId: ctx.exchange.id, err: error.message }, 'MCP upstream failed');
    return rpcError(request.id, error, ctx.exchange.id);
  }
}

type Routed = Json | JsonRpcResponse;

async function route(ctx: CallContext, request: JsonRpcRequest): Promise<Routed> {
  const params = request.params ?? {};
  switch (request.method) {
    case 'ping':
      return {};
    case 'server/discover':
      return discover(ctx);
    case 'logging/setLevel':
      return setLevel(ctx, params);
    case 'tools/list':
      return listTools(ctx);
    case 'tools/call':
      return callTool(ctx, request);
    case 'prompts/list':
      return listNamed(ctx, 'prompts/list', 'prompts');
    case 'prompts/get':
      return byName(ctx, request, 'prompts');
    case 'resources/list':
      return listResources(ctx, 'resources/list', 'resources');
    case 'resources/templates/list':
      return listResources(ctx, 'resources/templates/list', 'resourceTemplates');
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      return byUri(ctx, request);
    case 'completion/complete':
      return complete(ctx, request);
    case 'subscriptions/listen':
      if (ctx.era !== 'modern') return errorResponse(request.id, ERR.methodNotFound, 'Method not found: subscriptions/listen (2026-07-28; this session listens on its GET stream)');
      return listen(ctx, request, (server) => upstreamFor(ctx, server));
    default:
      // One upstream: what the gateway does not know goes through as it is (a faithful relay).
      if (ctx.endpoint.servers.length === 1 && request.method !== 'initialize') {
        return forward(ctx, ctx.endpoint.servers[0]!, request.method, request.params);
      }
      return errorResponse(request.id, ERR.methodNotFound, `Method not found: ${request.method}`);
  }
}

// --- upstream access ------------------------------------------------------------------------

function upstreamFor(ctx: CallContext, server: string): Promise<UpstreamSession> {
  if (ctx.local !== undefined) return ctx.hub.sessionUpstream(ctx.local, server);
  return ctx.hub.pooledUpstream(server, GATEWAY_CLIENT);
}

/** Runs `work` on the server's upstream session; an expired upstream session is reopened once. */
async function withUpstream<T>(ctx: CallContext, server: string, work: (session: UpstreamSession) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const session = await upstreamFor(ctx, server);
    try {
      return await work(session);
    } catch (err) {
      const expired = err instanceof UpstreamError && (err.kind === 'session_expired' || err.kind === 'exited');
      if (!expired || attempt > 0) throw err;
      if (ctx.local !== undefined) ctx.hub.dropSessionUpstream(ctx.local, server);
      else ctx.hub.dropPooled(server, GATEWAY_CLIENT);
    }
  }
}

function callOptions(ctx: CallContext, server: string, session: UpstreamSession): CallOptions {
  return {
    signal: ctx.signal,
    onMessage: relay(ctx, server, session),
    clientCapabilities: ctx.era === 'modern' ? ctx.client.capabilities : undefined,
    logLevel: ctx.logLevel ?? ctx.local?.logLevel,
  } as CallOptions;
}

/** Messages an upstream sends while a request is in flight: to the agent, on the request's stream. */
function relay(ctx: CallContext, server: string, session: UpstreamSession): (m: UpstreamMessage) => void {
  return (m) => {
    if ('id' in m && m.id !== undefined && m.id !== null) {
      if (ctx.era === 'legacy' && ctx.reply.send({ ...m, id: encodeServerRequestId(server, m.id) })) return;
      const why = ctx.era === 'modern' ? 'the agent talks to the gateway statelessly (2026-07-28) and cannot be asked mid-call' : 'the agent cannot receive it (no event stream)';
      void session.respond(errorResponse(m.id, ERR.methodNotFound, `${m.method}: ${why}.`)).catch(() => undefined);
      return;
    }
    if (m.method === 'notifications/tools/list_changed') ctx.hub.toolsChanged(session);
    ctx.reply.send(m);
  };
}

/** Sends one request to one upstream and hands back its response (a JSON-RPC error stays one). */
async function forward(ctx: CallContext, server: EndpointServer, method: string, params: Json | undefined): Promise<JsonRpcResponse> {
  return withUpstream(ctx, server.server, (session) => session.request(method, params, callOptions(ctx, server.server, session)));
}

/** An upstream's request to the agent, relayed with an id that says where its answer goes. */
export function encodeServerRequestId(server: string, id: JsonRpcId): string {
  return `gh.${Buffer.from(JSON.stringify([server, id])).toString('base64url')}`;
}

export function decodeServerRequestId(id: string): { server: string; id: JsonRpcId } | undefined {
  if (!id.startsWith('gh.')) return undefined;
  try {
    const [server, original] = JSON.parse(Buffer.from(id.slice(3), 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof server !== 'string' || (typeof original !== 'string' && typeof original !== 'number')) return undefined;
    return { server, id: original };
  } catch {
    return undefined;
  }
}

// --- lists ----------------------------------------------------------------------------------

interface Listed {
  readonly server: EndpointServer;
  readonly session: UpstreamSession;
  readonly items: Json[];
}

/** One list from every upstream; an upstream that fails is left out (and logged), not fatal. */
async function fromAll(ctx: CallContext, fetch: (session: UpstreamSession) => Promise<Json[]>, needs?: string): Promise<Listed[]> {
  const settled = await Promise.allSettled(
    ctx.endpoint.servers.map((server) =>
      withUpstream(ctx, server.server, async (session) => {
        if (needs !== undefined && !isJsonObject(session.serverCapabilities[needs])) return { server, session, items: [] };
        return { server, session, items: await fetch(session) };
      }),
    ),
  );
  const out: Listed[] = [];
  settled.forEach((r, i) => {
    if (r.status === 'fulfilled') out.push(r.value);
    else ctx.logger.warn({ requestId: ctx.exchange.id, server: ctx.endpoint.servers[i]!.server, err: String((r.reason as Error)?.message ?? r.reason) }, 'MCP list: server left out');
  });
  if (out.length === 0 && settled.length > 0) throw upstreamFailure((settled[0] as PromiseRejectedResult).reason);
  return out;
}

/**
 * tools/list: every upstream's tools under their agent-facing names, minus what pinning
 * quarantined and what this caller may not call (the same rule tools/call applies). Two tools with
 * one agent-facing name are an error, never resolved silently.
 */
async function listTools(ctx: CallContext): Promise<Json> {
  const lists = await fromAll(ctx, (session) => ctx.hub.tools(session), 'tools');
  const tools: Json[] = [];
  const owner = new Map<string, string>();
  for (const { server, items } of lists) {
    const allowed = ctx.hub.pins === undefined ? items : (await ctx.hub.pins.check(server.server, items)).allowed;
    for (const tool of allowed) {
      if (typeof tool.name !== 'string') continue;
      const name = checkName(ctx, owner, server, tool.name, 'tool');
      if (ctx.endpoint.access.refusal(ctx.exchange.identity, server.server, name) !== undefined) continue;
      tools.push({ ...tool, name });
    }
  }
  return { tools };
}

/** The agent-facing name of an upstream item; a second item under the same name is a collision. */
function checkName(ctx: CallContext, owner: Map<string, string>, server: EndpointServer, upstreamName: string, what: string): string {
  const name = ctx.endpoint.publicName(server, upstreamName);
  const back = ctx.endpoint.resolveName(name);
  const previous = owner.get(name);
  if (previous !== undefined || back === undefined || back.server.server !== server.server || back.name !== upstreamName) {
    const other = previous ?? back?.server.server ?? '?';
    ctx.logger.error({ endpoint: ctx.endpoint.name, name, servers: [other, server.server] }, `MCP ${what} name collision`);
    throw new GatehouseError('internal_error', `Endpoint "${ctx.endpoint.name}": the ${what} name "${name}" is offered by servers "${other}" and "${server.server}". Give them distinct prefixes.`);
  }
  owner.set(name, server.server);
  return name;
}

async function listNamed(ctx: CallContext, method: string, field: string): Promise<Json> {
  const lists = await fromAll(ctx, (session) => listAll(session, method, field), field);
  const owner = new Map<string, string>();
  const items: Json[] = [];
  for (const { server, items: list } of lists) {
    for (const item of list) {
      if (typeof item.name !== 'string') continue;
      items.push({ ...item, name: checkName(ctx, owner, server, item.name, field === 'prompts' ? 'prompt' : field) });
    }
  }
  return { [field]: items };
}

/** Resources keep their URIs (they are addresses, not names); two servers offering one URI collide. */
async function listResources(ctx: CallContext, method: string, field: string): Promise<Json> {
  const key = field === 'resources' ? 'uri' : 'uriTemplate';
  const lists = await fromAll(ctx, (session) => listAll(session, method, field), 'resources');
  const owner = new Map<string, string>();
  const items: Json[] = [];
  for (const { server, items: list } of lists) {
    for (const item of list) {
      const uri = item[key];
      if (typeof uri === 'string') {
        const previous = owner.get(uri);
        if (previous !== undefined && previous !== server.server) {
          throw new GatehouseError('internal_error', `Endpoint "${ctx.endpoint.name}": the resource "${uri}" is offered by servers "${previous}" and "${server.server}".`);
        }
        owner.set(uri, server.server);
      }
      items.push(item);
    }
  }
  return { [field]: items };
}

// --- routed requests ------------------------------------------------------------------------

/** prompts/get: to the server whose prompt it is, under its own name. */
async function byName(ctx: CallContext, request: JsonRpcRequest, kind: string): Promise<Routed> {
  const params = request.params ?? {};
  const resolved = typeof params.name === 'string' ? ctx.endpoint.resolveName(params.name) : undefined;
  if (resolved === undefined) return errorResponse(request.id, ERR.invalidParams, `Unknown ${kind === 'prompts' ? 'prompt' : kind}: ${String(params.name)}`);
  return forward(ctx, resolved.server, request.method, { ...params, name: resolved.name });
}

/** resources/read and (un)subscribe: one server, or the first that knows the URI. */
async function byUri(ctx: CallContext, request: JsonRpcRequest): Promise<Routed> {
  const servers = ctx.endpoint.servers;
  if (servers.length === 1) return forward(ctx, servers[0]!, request.method, request.params);
  let last: JsonRpcResponse | undefined;
  for (const server of servers) {
    const response = await forward(ctx, server, request.method, request.params).catch((err: unknown) => errorResponse(null, ERR.internal, (err as Error).message));
    if (response.error === undefined) return response;
    last = response;
  }
  return last ?? errorResponse(request.id, ERR.invalidParams, 'Resource not found');
}

async function complete(ctx: CallContext, request: JsonRpcRequest): Promise<Routed> {
  const params = request.params ?? {};
  const ref = isJsonObject(params.ref) ? params.ref : undefined;
  if (ref?.type === 'ref/prompt' && typeof ref.name === 'string') {
    const resolved = ctx.endpoint.resolveName(ref.name);
    if (resolved === undefined) return errorResponse(request.id, ERR.invalidParams, `Unknown prompt: ${ref.name}`);
    return forward(ctx, resolved.server, request.method, { ...params, ref: { ...ref, name: resolved.name } });
  }
  return byUri(ctx, request);
}

async function setLevel(ctx: CallContext, params: Json): Promise<Json> {
  // A 2026-07-28 upstream has no setLevel: the level goes with each of the session's requests.
  if (ctx.local !== undefined && typeof params.level === 'string') ctx.local.logLevel = params.level;
  // Servers without logging answer with an error: that is theirs to have, not the agent's.
  await fromAll(ctx, async (session) => {
    if (session.era === 'modern') return [];
    const response = await session.request('logging/setLevel', params, { signal: ctx.signal });
    if (response.error !== undefined) ctx.logger.debug({ err: response.error.message }, 'logging/setLevel refused upstream');
    return [];
  }).catch((err: unknown) => ctx.logger.debug({ err: String(err) }, 'logging/setLevel not relayed'));
  return {};
}

async function discover(ctx: CallContext): Promise<Json> {
  const lists = await fromAll(ctx, async () => []);
  const capabilities = mergeCapabilities(lists.map((l) => l.session.serverCapabilities), 'modern');
  const instructions = lists
    .filter((l) => l.session.instructions !== undefined && l.session.instructions !== '')
    .map((l) => (ctx.endpoint.servers.length === 1 ? l.session.instructions! : `[${l.server.server}] ${l.session.instructions!}`))
    .join('\n\n');
  const result: Json = { supportedVersions: [MODERN_VERSION], capabilities };
  if (instructions !== '') result.instructions = instructions;
  return result;
}

/** 2026-07-28 results: resultType, and cache hints on lists and reads (filtered per caller: private). */
function withModernFields(ctx: CallContext, method: string, result: Json): Json {
  const out: Json = { ...result };
  if (out.resultType === undefined) out.resultType = 'complete';
  const cacheable = method === 'server/discover' || method.endsWith('/list') || method === 'resources/read';
  if (cacheable && out.resultType === 'complete') {
    out.ttlMs ??= 0;
    out.cacheScope = 'private';
  }
  const meta = isJsonObject(out._meta) ? { ...out._meta } : {};
  meta[META.serverInfo] = { name: `gatehouse/${ctx.endpoint.name}`, version: '0.1.0' };
  out._meta = meta;
  return out;
}

/** What the virtual server can do: what any of its upstreams can (tools always: filtering lives there). */
export function mergeCapabilities(all: readonly Json[], era: 'legacy' | 'modern'): Json {
  const has = (key: string) => all.some((c) => isJsonObject(c[key]));
  const declared = (key: string, flag: string) => all.some((c) => (c[key] as Json | undefined)?.[flag] === true);
  // Session era: tools/list_changed always (the gateway's own filtering may change the list).
  // Stateless era: what subscriptions/listen relays, i.e. what an upstream declares.
  const out: Json = { tools: { listChanged: era === 'legacy' || declared('tools', 'listChanged') } };
  if (has('prompts')) out.prompts = { listChanged: declared('prompts', 'listChanged') };
  if (has('resources')) out.resources = { subscribe: declared('resources', 'subscribe'), listChanged: declared('resources', 'listChanged') };
  if (has('logging') && era === 'legacy') out.logging = {};
  if (has('completions')) out.completions = {};
  return out;
}

/**
 * A session-era agent gets results in its revision: what a 2026-07-28 upstream adds (resultType
 * "complete", cache hints, serverInfo in `_meta`) is taken out; anything else passes.
 */
function withoutModernFields(result: Json): Json {
  if (result.resultType !== 'complete' && result.ttlMs === undefined && result.cacheScope === undefined && !isJsonObject(result._meta)) return result;
  const out: Json = { ...result };
  if (out.resultType === 'complete') delete out.resultType;
  delete out.ttlMs;
  delete out.cacheScope;
  if (isJsonObject(out._meta) && META.serverInfo in out._meta) {
    const meta = { ...out._meta };
    delete meta[META.serverInfo];
    if (Object.keys(meta).length === 0) delete out._meta;
    else out._meta = meta;
  }
  return out;
}

// --- tools/call -------------------------------------------------------------------------------

/**
 * tools/call, an Exchange through the same pipeline as an LLM call: identified (already), then
 * authorized (mcp-tools: who may call it), inspected (arguments: constraints, guardrails),
 * approved; the pinned definition is checked; the call goes to the upstream under its own name
 * with the agent's progress token; the result goes back through the response inspectors.
 */
async function callTool(ctx: CallContext, request: JsonRpcRequest): Promise<Routed> {
  const { exchange, endpoint } = ctx;
  const params = request.params ?? {};
  const name = params.name;
  if (typeof name !== 'string') return errorResponse(request.id, ERR.invalidParams, 'tools/call needs a tool name.');
  const resolved = endpoint.resolveName(name);
  if (resolved === undefined) return errorResponse(request.id, ERR.invalidParams, `Unknown tool: ${name}`);
  const server = resolved.server;
  const args = isJsonObject(params.arguments) ? params.arguments : params.arguments === undefined ? undefined : null;
  if (args === null) return errorResponse(request.id, ERR.invalidParams, 'tools/call arguments must be an object.');
  exchange.mcp!.call = { endpoint: endpoint.name, server: server.server, tool: name, upstreamTool: resolved.name, arguments: args };
  exchange.setTextViewFactory(() => ({ slots: argumentSlots(args) }));
  await runPhases(endpoint.chain, ['authorize', 'limit', 'inspectIn', 'approve'], exchange, ctx.logger);

  const started = exchange.elapsedMs();
  const attempt = { provider: server.server, model: resolved.name, startedMs: started, durationMs: 0 } as Exchange['attempts'][number];
  exchange.attempts.push(attempt);
  const upstreamStart = performance.now();
  let response: JsonRpcResponse;
  try {
    response = await withUpstream(ctx, server.server, async (session) => {
      const tools = await ctx.hub.tools(session);
      let definition = tools.find((t) => t.name === resolved.name);
      if (definition === undefined) definition = (await ctx.hub.tools(session, true)).find((t) => t.name === resolved.name);
      if (definition === undefined) throw new GatehouseError('resource_not_found', `Unknown tool: ${name}`);
      if (ctx.hub.pins !== undefined) {
        const verdict = await ctx.hub.pins.check(server.server, [definition]);
        const held = verdict.quarantined[0];
        if (held !== undefined) {
          exchange.decide({ policy: 'mcp-pins', phase: 'authorize', verdict: 'deny', reason: `quarantined (${held.reason}) ${held.hash.slice(0, 12)}`, code: 'tool_quarantined', enforced: true });
          throw new GatehouseError('tool_quarantined', `Tool "${name}" is quarantined (${held.reason}) until approved: gatehouse mcp approve-tool ${server.server} ${resolved.name}`);
        }
      }
      const forwarded: Json = { ...params, name: resolved.name };
      if (args !== undefined) forwarded.arguments = args;
      return callWithInput(ctx, server.server, session, forwarded, ctx.paramHeaders);
    });
  } catch (err) {
    attempt.durationMs = exchange.elapsedMs() - started;
    if (err instanceof GatehouseError && err.code === 'resource_not_found') return errorResponse(request.id, ERR.invalidParams, err.message);
    throw err;
  } finally {
    exchange.upstreamMs += performance.now() - upstreamStart;
  }
  attempt.durationMs = exchange.elapsedMs() - started;
  if (response.error !== undefined) {
    attempt.error = 'upstream_error';
    return response;
  }
  const result = inspectResult(ctx, response.result ?? {});
  if (endpoint.access.audit(name) === 'enhanced') exchange.mcp!.captured = { arguments: args, result };
  return result;
}

/**
 * Calls the tool; when a 2026-07-28 server answers input_required and the agent speaks the session
 * era, the gateway asks the agent itself (elicitation, sampling, roots as requests on the call's
 * stream) and retries with the answers — the bridge between the eras. A stateless agent gets the
 * input_required result as it is and retries on its own.
 */
async function callWithInput(ctx: CallContext, server: string, session: UpstreamSession, params: Json, headers: Readonly<Record<string, string>> | undefined): Promise<JsonRpcResponse> {
  let current = params;
  const options: CallOptions = headers === undefined ? callOptions(ctx, server, session) : { ...callOptions(ctx, server, session), headers: { ...headers } };
  for (let round = 0; ; round++) {
    const response = await session.request('tools/call', current, options);
    const result = response.result;
    if (ctx.era === 'modern' || result?.resultType !== 'input_required') return response;
    if (round >= MAX_INPUT_ROUNDS) throw new GatehouseError('mcp_upstream_unavailable', `MCP server "${server}" asked for input more than ${MAX_INPUT_ROUNDS} times.`);
    const requests = isJsonObject(result.inputRequests) ? result.inputRequests : {};
    const inputResponses: Json = {};
    for (const [key, input] of Object.entries(requests)) {
      if (!isJsonObject(input) || typeof input.method !== 'string') continue;
      const answer = await askAgent(ctx, input.method, isJsonObject(input.params) ? input.params : undefined);
      if (answer.error !== undefined) throw new GatehouseError('mcp_upstream_unavailable', `The agent could not answer ${input.method}: ${answer.error.message}`);
      inputResponses[key] = answer.result ?? {};
    }
    current = { ...params, inputResponses };
    if (result.requestState !== undefined) current.requestState = result.requestState;
  }
}

const CAPABILITY_OF: Record<string, string> = { 'elicitation/create': 'elicitation', 'sampling/createMessage': 'sampling', 'roots/list': 'roots' };
let askCounter = 0;

/** Sends the session-era agent a request on the current call's stream and waits for its answer. */
function askAgent(ctx: CallContext, method: string, params: Json | undefined): Promise<JsonRpcResponse> {
  const local = ctx.local!;
  const capability = CAPABILITY_OF[method];
  if (capability !== undefined && !isJsonObject(ctx.client.capabilities[capability])) {
    return Promise.resolve(errorResponse(null, ERR.missingCapability, `the agent did not declare the ${capability} capability`));
  }
  const id = `gi.${process.pid}.${++askCounter}`;
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(errorResponse(id, ERR.internal, 'no answer in time')), AGENT_ANSWER_MS);
    const onAbort = () => finish(errorResponse(id, ERR.internal, 'the call was cancelled'));
    const finish = (response: JsonRpcResponse) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      local.awaiting.delete(id);
      resolve(response);
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    local.awaiting.set(id, finish);
    const request: JsonRpcRequest = params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
    if (!ctx.reply.send(request)) finish(errorResponse(id, ERR.internal, 'the agent cannot receive requests (no event stream)'));
  });
}

/** A tool call's arguments as text slots: every string inside them. */
function argumentSlots(args: Json | undefined): TextSlot[] {
  const slots: TextSlot[] = [];
  if (args !== undefined) stringLeaves(args, 'tool_call', 0, slots, () => undefined);
  return slots;
}

/** A tool result's text: text blocks, embedded text resources, and strings of structuredContent. */
function resultSlots(result: Json): TextSlot[] {
  const slots: TextSlot[] = [];
  const noop = (): void => undefined;
  if (Array.isArray(result.content)) {
    result.content.forEach((block: unknown, i) => {
      if (!isJsonObject(block)) return;
      if (block.type === 'text' && typeof block.text === 'string') {
        if (!jsonLeafSlots(block, i, slots)) slots.push(fieldSlot('tool_result', i, block, 'text', noop));
      }
      else if (block.type === 'resource' && isJsonObject(block.resource) && typeof block.resource.text === 'string') slots.push(fieldSlot('tool_result', i, block.resource, 'text', noop));
    });
  }
  if (isJsonObject(result.structuredContent)) stringLeaves(result.structuredContent, 'tool_result', -1, slots, noop);
  return slots;
}

/**
 * A text block holding JSON (many tools answer so) is read value by value: a detector sees each
 * string as the tool wrote it, not a quoted fragment of JSON source, and a rewrite re-serialises
 * the block. False when the text is not a JSON object or array.
 */
function jsonLeafSlots(block: Json, index: number, slots: TextSlot[]): boolean {
  const text = block.text as string;
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  const pretty = text.includes('\n');
  stringLeaves(parsed, 'tool_result', index, slots, () => {
    block.text = pretty ? JSON.stringify(parsed, null, 2) : JSON.stringify(parsed);
  });
  return true;
}

/**
 * Inspect-out on a tool result: every text of it through the inspectors the policies registered
 * (PII and secrets redacted or blocked, injection in data mode). A block withholds the result: the
 * agent gets an isError result saying why (the tool did run), with our code in `_meta`.
 */
function inspectResult(ctx: CallContext, result: Json): Json {
  const inspectors = ctx.exchange.responseInspectors;
  if (inspectors === undefined) return result;
  const inspector = composeInspectors(inspectors);
  const copy = structuredClone(result);
  try {
    resultSlots(copy).forEach((slot, i) => {
      const text = slot.text;
      const out = inspector.rewrite(text, 'text', i);
      if (out !== text) slot.set(out);
    });
    return copy;
  } catch (err) {
    if (!(err instanceof GatehouseError)) throw err;
    ctx.exchange.error = err;
    return {
      content: [{ type: 'text', text: `Gatehouse withheld this tool result: ${err.message}` }],
      isError: true,
      _meta: { 'dev.gatehouse/error': { code: err.code, requestId: ctx.exchange.id } },
    };
  }
}
