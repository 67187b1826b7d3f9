import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Exchange } from '../../pipeline/exchange.js';
import { runPhases } from '../../pipeline/chain.js';
import type { Logger } from '../../telemetry/logger.js';
import { readBody } from '../../server/body.js';
import type { CompiledMcpEndpoint } from '../endpoint.js';
import { clientOf, type LocalSession, type McpHub } from '../hub.js';
import {
  ERR,
  LEGACY_VERSIONS,
  META,
  MODERN_VERSION,
  McpProtocolError,
  errorResponse,
  isNotification,
  isRequest,
  isResponse,
  parseMessage,
  resultResponse,
  type Json,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '../jsonrpc.js';
import { isJsonObject } from '../../llm/formats/json-object.js';
import { Reply } from './reply.js';
import { dispatch, decodeServerRequestId, mergeCapabilities, type CallContext } from './dispatch.js';
import { rpcError } from './errors.js';
import { Abort } from '../../pipeline/abort.js';

const SESSION_HEADER = 'mcp-session-id';
const GATEWAY_VERSION = '0.1.0';

/**
 * `/mcp/{name}`: one virtual MCP server per configured endpoint, over Streamable HTTP, in the
 * revision the agent speaks. Session era (2025-11-25 and before): `initialize` opens a session
 * whose id seals its state (any replica resumes it), POST carries messages, GET the agent's stream,
 * DELETE ends it. Stateless era (2026-07-28): every POST stands alone, with its protocol version
 * and capabilities in `_meta` and headers that must agree with the body.
 */
export async function handleMcp(hub: McpHub, endpoint: CompiledMcpEndpoint, exchange: Exchange, req: IncomingMessage, res: ServerResponse, logger: Logger): Promise<void> {
  exchange.mcp = { endpoint: endpoint.name, method: undefined, protocolVersion: undefined, call: undefined, rpcError: undefined, captured: undefined };
  checkOrigin(req, endpoint, exchange.runtime.config.server.host);
  switch (req.method) {
    case 'POST':
      return post(hub, endpoint, exchange, req, res, logger);
    case 'GET':
      return openStream(hub, endpoint, exchange, req, res, logger);
    case 'DELETE':
      return deleteSession(hub, endpoint, exchange, req, res, logger);
    default:
      res.setHeader('allow', 'GET, POST, DELETE');
      throw new GatehouseError('method_not_allowed', `${req.method} is not allowed on ${req.url}.`);
  }
}

/**
 * DNS-rebinding protection: a browser page must not reach a gateway on this machine's loopback.
 * An Origin must be the gateway's own host or listed in `allowedOrigins`; on a loopback listener
 * the Host must be a loopback name.
 */
function checkOrigin(req: IncomingMessage, endpoint: CompiledMcpEndpoint, bindHost: string): void {
  const host = req.headers.host ?? '';
  const hostname = hostnameOf(host);
  if (isLoopback(bindHost) && hostname !== undefined && !isLoopback(hostname) && !endpoint.config.allowedOrigins.some((o) => hostnameOf(o.replace(/^[a-z]+:\/\//i, '')) === hostname)) {
    throw new GatehouseError('forbidden_origin', `Host "${host}" is not accepted by this gateway (it listens on loopback only).`);
  }
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (endpoint.config.allowedOrigins.includes(origin)) return;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new GatehouseError('forbidden_origin', `Origin "${origin}" is not a valid origin.`);
  }
  if (originHost === host) return;
  const originName = hostnameOf(originHost);
  if (originName !== undefined && isLoopback(originName) && hostname !== undefined && isLoopback(hostname)) return;
  throw new GatehouseError('forbidden_origin', `Origin "${origin}" may not call this endpoint (allowedOrigins).`);
}

function hostnameOf(host: string): string | undefined {
  if (host === '') return undefined;
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1).toLowerCase();
  return host.split(':')[0]!.toLowerCase();
}

function isLoopback(name: string): boolean {
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]' || name === '::1' || name.startsWith('127.');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Answers a message-level failure: the JSON-RPC error with the message's id, at an HTTP status. */
function answer(exchange: Exchange, res: ServerResponse, status: number, response: JsonRpcResponse, headers: Record<string, string> = {}): void {
  if (response.error !== undefined) exchange.mcp!.rpcError = response.error.code;
  exchange.status = status;
  const body = JSON.stringify(response);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function accepted(exchange: Exchange, res: ServerResponse): void {
  exchange.status = 202;
  res.writeHead(202);
  res.end();
}

async function post(hub: McpHub, endpoint: CompiledMcpEndpoint, exchange: Exchange, req: IncomingMessage, res: ServerResponse, logger: Logger): Promise<void> {
  const { maxBodyBytes, requestTimeoutMs } = exchange.runtime.config.server;
  const raw = await readBody(req, maxBodyBytes, requestTimeoutMs);
  let message: JsonRpcMessage;
  try {
    message = parseMessage(raw.toString('utf8'));
  } catch (err) {
    const e = err as McpProtocolError;
    return answer(exchange, res, 400, errorResponse(null, e.code, e.message));
  }
  const mcp = exchange.mcp!;
  mcp.method = 'method' in message ? message.method : 'response';
  // Every POST proves who it comes from: the agent's own credential, never forwarded upstream.
  await runPhases(endpoint.chain, ['identify'], exchange, logger);

  const sessionId = header(req, SESSION_HEADER);
  const versionHeader = header(req, 'mcp-protocol-version');
  const accept = header(req, 'accept') ?? '';
  const sseAllowed = accept === '' || accept.includes('text/event-stream') || accept.includes('*/*');
  const meta = 'params' in message && isJsonObject(message.params?._meta) ? (message.params!._meta as Json) : undefined;

  const modern = versionHeader === MODERN_VERSION || meta?.[META.protocolVersion] !== undefined || (versionHeader !== undefined && !(LEGACY_VERSIONS as readonly string[]).includes(versionHeader));
  // initialize in the 2026 envelope is a removed method (404), not the start of a session.
  if (isRequest(message) && message.method === 'initialize' && !modern) return initialize(hub, endpoint, exchange, message, res);
  if (sessionId !== undefined && !(modern && isRequest(message) && message.method === 'initialize')) {
    return legacyMessage(hub, endpoint, exchange, message, sessionId, versionHeader, sseAllowed, req, res, logger);
  }
  if (modern) return modernMessage(hub, endpoint, exchange, message, meta, versionHeader, sseAllowed, req, res, logger);
  const error = new GatehouseError('mcp_protocol_error', 'Bad Request: no valid session id. Send initialize first, or speak protocol revision 2026-07-28.');
  exchange.error = error;
  return answer(exchange, res, 400, errorResponse(idOf(message), -32000, error.message, { code: error.code, fault: error.fault, requestId: exchange.id }));
}

function idOf(message: JsonRpcMessage): JsonRpcRequest['id'] | null {
  return 'id' in message && message.id !== undefined ? message.id : null;
}

// --- session era ------------------------------------------------------------------------------

async function initialize(hub: McpHub, endpoint: CompiledMcpEndpoint, exchange: Exchange, message: JsonRpcRequest, res: ServerResponse): Promise<void> {
  const params = message.params ?? {};
  const requested = typeof params.protocolVersion === 'string' ? params.protocolVersion : undefined;
  if (requested === undefined || !isJsonObject(params.capabilities)) {
    return answer(exchange, res, 400, errorResponse(message.id, ERR.invalidParams, 'initialize needs protocolVersion and capabilities.'));
  }
  const protocolVersion = (LEGACY_VERSIONS as readonly string[]).includes(requested) ? requested : LEGACY_VERSIONS[0];
  exchange.mcp!.protocolVersion = protocolVersion;
  const clientCapabilities = params.capabilities;
  const clientInfo = isJsonObject(params.clientInfo) ? params.clientInfo : { name: 'unknown', version: '0' };
  const client = clientOf({ clientCapabilities, clientInfo, protocolVersion });
  // Every upstream is opened now: the agent learns the merged capabilities; one that fails is left
  // out of this session's state and opened again on first use.
  const opened = await Promise.allSettled(endpoint.servers.map(async (s) => ({ server: s.server, session: await hub.upstream(s.server).open(client) })));
  const upstreams: Record<string, { era: 'legacy' | 'modern'; protocolVersion: string; resumeId?: string }> = {};
  const sessions = [];
  for (const [i, result] of opened.entries()) {
    if (result.status === 'fulfilled') {
      const { session } = result.value;
      upstreams[result.value.server] = { era: session.era, protocolVersion: session.protocolVersion, ...(session.resumeId === undefined ? {} : { resumeId: session.resumeId }) };
      sessions.push({ server: endpoint.servers[i]!, session });
    } else {
      exchange.decide({ policy: 'mcp', phase: 'forward', verdict: 'error', reason: `MCP server ${endpoint.servers[i]!.server}: ${(result.reason as Error).message}`, enforced: false });
    }
  }
  const id = hub.sealer.seal({
    endpoint: endpoint.name,
    protocolVersion,
    clientCapabilities,
    clientInfo,
    principal: exchange.identity.id,
    upstreams,
    createdAt: Math.floor(Date.now() / 1000),
  });
  const local = hub.local(id, hub.sealer.open(id, Number.MAX_SAFE_INTEGER)!);
  for (const { server, session } of sessions) hub.adopt(local, server.server, session);
  const capabilities = mergeCapabilities(sessions.map((s) => s.session.serverCapabilities), 'legacy');
  const instructions = sessions
    .filter((s) => s.session.instructions !== undefined && s.session.instructions !== '')
    .map((s) => (endpoint.servers.length === 1 ? s.session.instructions! : `[${s.server.server}] ${s.session.instructions!}`))
    .join('\n\n');
  const result: Json = {
    protocolVersion,
    capabilities,
    serverInfo: { name: `gatehouse/${endpoint.name}`, version: GATEWAY_VERSION },
  };
  if (instructions !== '') result.instructions = instructions;
  exchange.status = 200;
  answer(exchange, res, 200, resultResponse(message.id, result), { 'mcp-session-id': id });
}


async function openSession(hub: McpHub, endpoint: CompiledMcpEndpoint, exchange: Exchange, sessionId: string): Promise<LocalSession | undefined> {
  const state = hub.sealer.open(sessionId, endpoint.config.sessionIdleSeconds * 1000);
  // Another caller presenting someone's session id learns nothing: the same 404 as an unknown id.
  if (state === undefined || state.endpoint !== endpoint.name || state.principal !== exchange.identity.id) return undefined;
  exchange.mcp!.protocolVersion = state.protocolVersion;
  return hub.local(sessionId, state);
}

/** 404 for an unknown, expired, ended or someone else's session: the agent initializes again. */
function sessionGone(exchange: Exchange, id: JsonRpcRequest['id'] | null): JsonRpcResponse {
  const error = new GatehouseError('mcp_session_not_found', 'Session not found: it expired or was ended. Initialize a new session.');
  exchange.error = error;
  return errorResponse(id, -32001, error.message, { code: error.code, fault: error.fault, requestId: exchange.id });
}

async function legacyMessage(
  hub: McpHub,
  endpoint: CompiledMcpEndpoint,
  exchange: Exchange,
  message: JsonRpcMessage,
  sessionId: string,
  versionHeader: string | undefined,
  sseAllowed: boolean,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
): Promise<void> {
  const local = await openSession(hub, endpoint, exchange, sessionId);
  if (local === undefined) return answer(exchange, res, 404, sessionGone(exchange, idOf(message)));
  if (versionHeader !== undefined && !(LEGACY_VERSIONS as readonly string[]).includes(versionHeader)) {
    return answer(exchange, res, 400, errorResponse(idOf(message), ERR.invalidRequest, `Unsupported MCP-Protocol-Version "${versionHeader}".`));
  }
  if (isResponse(message)) {
    await deliverAgentResponse(hub, local, message, logger);
    return accepted(exchange, res);
  }
  if (isNotification(message)) {
    await legacyNotification(hub, endpoint, local, message.method, message.params, logger);
    return accepted(exchange, res);
  }
  const request = message as JsonRpcRequest;
  const controller = new Abort();
  local.inFlight.set(request.id, controller);
  const stop = exchange.onCancel(() => controller.abort());
  const reply = new Reply(res, {}, sseAllowed);
  const ctx: CallContext = {
    hub,
    endpoint,
    exchange,
    logger,
    era: 'legacy',
    local,
    client: clientOf(local.state),
    logLevel: undefined,
    reply,
    signal: controller,
  };
  try {
    const response = await dispatch(ctx, request);
    if (response.error !== undefined) exchange.mcp!.rpcError = response.error.code;
    exchange.status = 200;
    reply.finish(response);
  } finally {
    stop();
    local.inFlight.delete(request.id);
  }
}

/** The agent answers a request: one the gateway sent itself (a bridged input request), or an upstream's. */
async function deliverAgentResponse(hub: McpHub, local: LocalSession, message: JsonRpcResponse, logger: Logger): Promise<void> {
  const id = message.id;
  if (typeof id !== 'string') return;
  const waiting = local.awaiting.get(id);
  if (waiting !== undefined) {
    local.awaiting.delete(id);
    waiting(message);
    return;
  }
  const target = decodeServerRequestId(id);
  if (target === undefined) {
    logger.debug({ id }, 'MCP response for no request the gateway knows; dropped');
    return;
  }
  try {
    const session = await hub.sessionUpstream(local, target.server);
    await session.respond({ ...message, id: target.id });
  } catch (err) {
    logger.warn({ server: target.server, err: (err as Error).message }, 'could not pass the agent\'s answer to the MCP server');
  }
}

async function legacyNotification(hub: McpHub, endpoint: CompiledMcpEndpoint, local: LocalSession, method: string, params: Json | undefined, logger: Logger): Promise<void> {
  if (method === 'notifications/cancelled') {
    const requestId = params?.requestId;
    if (typeof requestId === 'string' || typeof requestId === 'number') local.inFlight.get(requestId)?.abort();
    return;
  }
  if (method === 'notifications/initialized') return;
  // Anything else the agent tells (roots/list_changed...) goes to every upstream of the session.
  await Promise.allSettled(
    endpoint.servers.map(async (s) => {
      const session = await hub.sessionUpstream(local, s.server);
      await session.notify(method, params);
    }),
  ).then((results) => {
    for (const r of results) if (r.status === 'rejected') logger.debug({ method, err: String(r.reason) }, 'notification not relayed');
  });
}

async function openStream(hub: McpHub, endpoint: CompiledMcpEndpoint, exchange: Exchange, req: IncomingMessage, res: ServerResponse, logger: Logger): Promise<void> {
  exchange.mcp!.method = 'GET';
  await runPhases(endpoint.chain, ['identify'], exchange, logger);
  const sessionId = header(req, SESSION_HEADER);
  if (sessionId === undefined) {
    // The stateless era has no GET stream; a session-era agent must initialize first.
    res.setHeader('allow', 'POST, DELETE');
    throw new GatehouseError('method_not_allowed', 'GET needs an Mcp-Session-Id (session era); 2026-07-28 agents use subscriptions/listen.');
  }
  const local = await openSession(hub, endpoint, exchange, sessionId);
  if (local === undefined) return answer(exchange, res, 404, sessionGone(exchange, null));
  exchange.status = 200;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  local.streams.add(res);
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  keepAlive.unref();
  // Opening (or resuming) the upstream sessions starts their listeners, which write to this stream.
  for (const s of endpoint.servers) {
    await hub.sessionUpstream(local, s.server).catch((err: unknown) => logger.warn({ server: s.server, err: (err as Error).message }, 'MCP stream: upstream not available'));
  }
  if (hub.closing) res.end();
  await new Promise<void>((resolve) => {
    res.once('close', resolve);
    res.once('finish', resolve);
  });
  clearInterval(keepAlive);
  local.streams.delete(res);
}

async function deleteSession(hub: McpHub, endpoint: CompiledMcpEndpoint, exchange: Exchange, req: IncomingMessage, res: ServerResponse, logger: Logger): Promise<void> {
  exchange.mcp!.method = 'DELETE';
  await runPhases(endpoint.chain, ['identify'], exchange, logger);
  const sessionId = header(req, SESSION_HEADER);
  const local = sessionId === undefined ? undefined : await openSession(hub, endpoint, exchange, sessionId);
  if (local === undefined) return answer(exchange, res, 404, sessionGone(exchange, null));
  await hub.endSession(sessionId!);
  exchange.status = 200;
  res.writeHead(200, { 'content-length': '0' });
  res.end();
}

// --- stateless era (2026-07-28) ----------------------------------------------------------------

/** Methods 2026-07-28 removed: a 404 with -32601, as for unknown ones. */
const REMOVED = new Set(['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']);
/** Methods whose Mcp-Name header carries params.name / params.uri. */
const NAMED: Record<string, 'name' | 'uri'> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

async function modernMessage(
  hub: McpHub,
  endpoint: CompiledMcpEndpoint,
  exchange: Exchange,
  message: JsonRpcMessage,
  meta: Json | undefined,
  versionHeader: string | undefined,
  sseAllowed: boolean,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
): Promise<void> {
  const id = idOf(message);
  if (isResponse(message)) return answer(exchange, res, 400, errorResponse(null, ERR.invalidRequest, 'A stateless (2026-07-28) agent sends no responses: the gateway sends it no requests.'));
  const method = (message as JsonRpcRequest).method;
  if (isNotification(message)) {
    // notifications/cancelled is for stdio; on HTTP closing the response stream cancels.
    return accepted(exchange, res);
  }
  const version = meta?.[META.protocolVersion];
  if (meta === undefined || typeof version !== 'string' || !isJsonObject(meta[META.clientCapabilities])) {
    return answer(exchange, res, 400, errorResponse(id, ERR.invalidParams, `params._meta must carry "${META.protocolVersion}" and "${META.clientCapabilities}".`));
  }
  exchange.mcp!.protocolVersion = version;
  // Headers first: a header that disagrees with the body is -32020 whatever the version says;
  // only a version both agree on can be unsupported (-32022).
  const mismatch = headerMismatch(req, method, message as JsonRpcRequest, versionHeader, version);
  if (mismatch !== undefined) return answer(exchange, res, 400, errorResponse(id, ERR.headerMismatch, `Bad Request: the request headers and body disagree: ${mismatch}.`));
  if (version !== MODERN_VERSION) {
    return answer(exchange, res, 400, errorResponse(id, ERR.unsupportedVersion, `Unsupported protocol version "${version}".`, { supported: [MODERN_VERSION], requested: version }));
  }
  if (REMOVED.has(method)) return answer(exchange, res, 404, errorResponse(id, ERR.methodNotFound, `Method not found: ${method} (removed in ${MODERN_VERSION}).`));

  const clientInfo = isJsonObject(meta[META.clientInfo]) ? (meta[META.clientInfo] as Json) : { name: 'unknown', version: '0' };
  const controller = new Abort();
  const stop = exchange.onCancel(() => controller.abort());
  const reply = new Reply(res, {}, sseAllowed);
  const ctx: CallContext = {
    hub,
    endpoint,
    exchange,
    logger,
    era: 'modern',
    local: undefined,
    client: { capabilities: meta[META.clientCapabilities] as Json, clientInfo, protocolVersion: version },
    logLevel: typeof meta[META.logLevel] === 'string' ? (meta[META.logLevel] as string) : undefined,
    reply,
    signal: controller,
    paramHeaders: paramHeaders(req),
  };
  try {
    const response = await dispatch(ctx, message as JsonRpcRequest);
    // The HTTP status 2026-07-28 gives these errors, whoever raised them (the gateway or an
    // upstream, whose HTTP status the relay does not keep): once streaming, it is too late.
    const status = response.error === undefined ? undefined : ERROR_STATUS[response.error.code];
    if (status !== undefined && !reply.streaming) return answer(exchange, res, status, response);
    if (response.error !== undefined) exchange.mcp!.rpcError = response.error.code;
    exchange.status = 200;
    reply.finish(response);
  } finally {
    stop();
  }
}

/** JSON-RPC errors that 2026-07-28 answers with an HTTP status other than 200. */
const ERROR_STATUS: Readonly<Record<number, number>> = {
  [ERR.methodNotFound]: 404,
  [ERR.headerMismatch]: 400,
  [ERR.missingCapability]: 400,
  [ERR.unsupportedVersion]: 400,
};

/** The agent's Mcp-Param-* headers (SEP-2243), as sent: an intermediary passes them on. */
function paramHeaders(req: IncomingMessage): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith('mcp-param-') || value === undefined) continue;
    (out ??= {})[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function headerMismatch(req: IncomingMessage, method: string, message: JsonRpcRequest, versionHeader: string | undefined, version: string): string | undefined {
  if (versionHeader !== version) return `MCP-Protocol-Version is ${versionHeader === undefined ? 'missing' : `"${versionHeader}"`}, the body says "${version}"`;
  const methodHeader = header(req, 'mcp-method');
  if (methodHeader !== method) return `Mcp-Method is ${methodHeader === undefined ? 'missing' : `"${methodHeader}"`}, the body says "${method}"`;
  const field = NAMED[method];
  if (field !== undefined) {
    const raw = header(req, 'mcp-name');
    const value = raw === undefined ? undefined : decodeHeaderValue(raw);
    const expected = message.params?.[field];
    if (value === undefined || value !== expected) return `Mcp-Name is ${raw === undefined ? 'missing' : `"${raw}"`}, the body's ${field} is ${JSON.stringify(expected)}`;
  }
  return undefined;
}

/** `=?base64?…?=` header values (non-ASCII, control characters, edge whitespace) decoded; others as sent. */
export function decodeHeaderValue(value: string): string | undefined {
  const m = /^=\?base64\?([A-Za-z0-9+/=_-]*)\?=$/.exec(value);
  if (m === null) return value;
  try {
    return Buffer.from(m[1]!, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
}

export { rpcError };
