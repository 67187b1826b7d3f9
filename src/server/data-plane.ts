import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatehouseError, toGatehouseError } from '../errors/gatehouse-error.js';
import { Exchange, type Operation } from '../pipeline/exchange.js';
import type { Logger } from '../telemetry/logger.js';
import { recordExchange } from '../telemetry/recorder.js';
import { renderOpenAIError } from '../llm/formats/openai-errors.js';
import { renderAnthropicError } from '../llm/formats/anthropic-errors.js';
import type { RenderedError } from '../llm/formats/error-headers.js';
import { generationHandler } from '../llm/handlers/generate.js';
import { CHAT_SURFACE, MESSAGES_SURFACE, RESPONSES_SURFACE } from '../llm/handlers/surfaces.js';
import { handleCountTokens } from '../llm/handlers/count-tokens.js';
import { handleEmbeddings } from '../llm/handlers/embeddings.js';
import { handleModels, wantsAnthropicShape } from '../llm/handlers/models.js';
import type { Runtime } from '../config/runtime.js';
import { readBody } from './body.js';
import { requestIdFor } from './request-id.js';
import { peerCertificate } from '../identity/client-certificate.js';
import type { McpHub } from '../mcp/hub.js';
import { handleMcp } from '../mcp/front/http.js';
import { renderMcpError } from '../mcp/front/errors.js';
import { GatewayResponse } from './gateway-response.js';

export interface DataPlaneState {
  /** The current compiled configuration; swapped on reload. */
  readonly runtime: () => Runtime;
  readonly logger: Logger;
  readonly shuttingDown: () => boolean;
  /** True once the shutdown deadline passed and the gateway itself is closing connections. */
  readonly closingConnections: () => boolean;
  /** Called when a request starts, with a promise of its end, for graceful shutdown. */
  readonly track: (done: Promise<void>, res: ServerResponse) => void;
  /** The MCP gateway's long-lived part (upstreams, sessions), when the configuration has `mcp`. */
  readonly mcp?: McpHub | undefined;
}

type Handler = (exchange: Exchange, req: IncomingMessage, res: ServerResponse, logger: Logger) => Promise<void>;
/** A handler of a JSON body: `handle` reads the body (within the size and time limits) first. */
type BodyHandler = (exchange: Exchange, raw: Buffer, res: ServerResponse, logger: Logger) => Promise<void>;
type Method = { readonly handler: Handler } | { readonly bodyHandler: BodyHandler };

interface RouteEntry {
  readonly operation: Operation;
  readonly methods: Readonly<Record<string, Method>>;
  /** Errors are rendered in the shape the path's clients understand. */
  readonly renderError?: (error: GatehouseError, requestId: string) => RenderedError;
}

// The body is parsed as JSON whatever its Content-Type: `curl -d` sends form encoding by default.
const withBody = (bodyHandler: BodyHandler): Method => ({ bodyHandler });

const ROUTES: ReadonlyMap<string, RouteEntry> = new Map<string, RouteEntry>([
  ['/v1/chat/completions', { operation: 'chat', methods: { POST: withBody(generationHandler(CHAT_SURFACE)) } }],
  ['/v1/responses', { operation: 'responses', methods: { POST: withBody(generationHandler(RESPONSES_SURFACE)) } }],
  ['/v1/messages', { operation: 'messages', methods: { POST: withBody(generationHandler(MESSAGES_SURFACE)) }, renderError: renderAnthropicError }],
  ['/v1/messages/count_tokens', { operation: 'count_tokens', methods: { POST: withBody(handleCountTokens) }, renderError: renderAnthropicError }],
  ['/v1/embeddings', { operation: 'embeddings', methods: { POST: withBody(handleEmbeddings) } }],
  ['/v1/models', { operation: 'models', methods: { GET: { handler: (ex, _req, res, logger) => handleModels(ex, undefined, res, logger) } } }],
]);

const MODEL_PATH = '/v1/models/';
const MCP_PATH = '/mcp/';

/** `/mcp/{name}`: the endpoint's virtual MCP server; errors in JSON-RPC shape. */
function mcpEntry(state: DataPlaneState, name: string): RouteEntry {
  const handler: Handler = async (exchange, req, res, logger) => {
    const endpoint = exchange.runtime.mcpEndpoints.get(name);
    if (endpoint === undefined || state.mcp === undefined) throw new GatehouseError('route_not_found', `No MCP endpoint "${name}" is configured.`);
    await handleMcp(state.mcp, endpoint, exchange, req, res, logger);
  };
  const method = { handler };
  return { operation: 'mcp', methods: { POST: method, GET: method, DELETE: method }, renderError: renderMcpError };
}
const MESSAGES_PATH = '/v1/messages';

/** The data-plane request listener: route, build the Exchange, run the handler, render errors, record. */
export function createDataPlaneHandler(state: DataPlaneState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    state.track(handle(state, req, res), res);
  };
}

async function handle(state: DataPlaneState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { logger } = state;
  const runtime = state.runtime();
  runtime.retain();
  const id = requestIdFor(req);
  // Written with the answer's own headers (see GatewayResponse); a plain ServerResponse sets it now.
  if (res instanceof GatewayResponse) res.requestId = id;
  else res.setHeader('x-request-id', id);
  if (state.shuttingDown()) res.setHeader('connection', 'close');

  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  let entry = ROUTES.get(path);
  let modelId: string | undefined;
  if (entry === undefined && path.startsWith(MCP_PATH) && path.length > MCP_PATH.length) {
    entry = mcpEntry(state, safeDecode(path.slice(MCP_PATH.length).replace(/\/$/, '')));
  } else if (entry === undefined && path.startsWith(MODEL_PATH) && path.length > MODEL_PATH.length) {
    modelId = safeDecode(path.slice(MODEL_PATH.length));
    entry = { operation: 'models', methods: { GET: { handler: (ex, _req, r, l) => handleModels(ex, modelId, r, l) } } };
  }
  const exchange = new Exchange(id, entry?.operation ?? 'models', runtime, req.headers);
  // Only TLS sockets (server.tls) carry a certificate; reading it is cached per connection.
  if ('encrypted' in req.socket) exchange.clientCertificate = peerCertificate(req.socket);
  res.on('close', () => {
    if (res.writableFinished) return;
    if (state.closingConnections()) {
      exchange.cancel(new GatehouseError('gateway_shutdown'));
    } else {
      exchange.clientClosed = true;
      exchange.cancel(new GatehouseError('client_closed_request'));
    }
  });
  try {
    if (entry === undefined) throw new GatehouseError('route_not_found', `No route for ${req.method} ${path}.`);
    const method = entry.methods[req.method ?? ''];
    if (method === undefined) {
      res.setHeader('allow', Object.keys(entry.methods).join(', '));
      throw new GatehouseError('method_not_allowed', `${req.method} is not allowed on ${path}.`);
    }
    if ('bodyHandler' in method) {
      const { maxBodyBytes, requestTimeoutMs } = runtime.config.server;
      const raw = await readBody(req, maxBodyBytes, requestTimeoutMs);
      await method.bodyHandler(exchange, raw, res, logger);
    } else {
      await method.handler(exchange, req, res, logger);
    }
  } catch (err) {
    const error = toGatehouseError(err);
    exchange.error = error;
    if (exchange.cancelled === undefined) sendError(exchange, req, res, error, errorRenderer(entry, exchange, path));
  } finally {
    recordExchange(exchange, req.method ?? '', path, logger);
    runtime.release();
  }
}

function sendError(
  exchange: Exchange,
  req: IncomingMessage,
  res: ServerResponse,
  error: GatehouseError,
  render: (error: GatehouseError, requestId: string) => RenderedError,
): void {
  if (res.headersSent) {
    // Mid-stream failures are written in-band by the stream relay; all we can do here is end.
    if (!res.writableEnded) res.end();
    return;
  }
  exchange.status = error.status;
  const rendered = render(error, exchange.id);
  const headers: Record<string, string> = {
    ...rendered.headers,
    'content-length': String(Buffer.byteLength(rendered.body)),
    'x-gatehouse-overhead-ms': exchange.overheadMs().toFixed(3),
  };
  if (error.code === 'body_too_large' || error.code === 'request_timeout' || error.code === 'client_closed_request') {
    // The rest of the body is never read: close the connection instead of parsing it as a next request.
    headers.connection = 'close';
    res.on('finish', () => req.destroy());
  }
  res.writeHead(error.status, headers);
  res.end(rendered.body);
}

function errorRenderer(entry: RouteEntry | undefined, exchange: Exchange, path: string): (error: GatehouseError, requestId: string) => RenderedError {
  if (entry !== undefined && entry.operation !== 'models') return entry.renderError ?? renderOpenAIError;
  // /v1/models and unknown paths serve both families: Anthropic clients get Anthropic-shaped
  // errors on their paths (also unknown ones, such as /v1/messages/batches) and wherever they
  // identify themselves with anthropic-version.
  return path.startsWith(MESSAGES_PATH) || wantsAnthropicShape(exchange) ? renderAnthropicError : renderOpenAIError;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
