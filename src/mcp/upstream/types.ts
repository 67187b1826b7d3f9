/**
 * The gateway's clients for real MCP servers ("upstreams"), over Streamable HTTP and stdio, in both
 * protocol eras. The front talks to every upstream through these interfaces only; how a session is
 * opened (initialize, server/discover, a probe) and carried (session ids, headers, `_meta`, lines on
 * a pipe) stays in this folder.
 */
import type { Era, Json, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from '../jsonrpc.js';
import type { Logger } from '../../telemetry/logger.js';
import type { AbortLike } from '../../pipeline/abort.js';

export type EraSetting = 'auto' | 'legacy' | 'modern';

export interface UpstreamHttpConfig {
  kind: 'http';
  name: string;
  url: string;
  /** Sent with every request (e.g. the upstream's own Authorization). */
  headers: Record<string, string>;
  era: EraSetting;
  timeoutMs: number;
}

export interface UpstreamStdioConfig {
  kind: 'stdio';
  name: string;
  command: string;
  args: string[];
  /** The child's whole environment, plus PATH from the gateway's. Nothing else is inherited. */
  env: Record<string, string>;
  cwd: string | undefined;
  era: EraSetting;
  timeoutMs: number;
}

export type UpstreamConfig = UpstreamHttpConfig | UpstreamStdioConfig;

export interface UpstreamOptions {
  /** Commands a stdio upstream may run, compared as exact strings with `config.command`. */
  allowCommands: readonly string[];
  logger: Logger;
}

/** What the gateway's client looks like to the upstream (from the downstream agent, minus its credentials). */
export interface ClientIdentity {
  capabilities: Json;
  clientInfo: Json;
  /** The downstream's protocol version, as a hint: a legacy version we speak is offered to a legacy upstream. */
  protocolVersion?: string;
  /**
   * The era to try first with an `era: auto` server that speaks both: a session-era agent is served
   * best by a session with the upstream (logging levels, subscriptions, requests pushed to it).
   * A server that refuses it is asked the other way, once, and remembered.
   */
  prefer?: Era;
}

/** Something the upstream sends that is not the response to a request. */
export type UpstreamMessage = JsonRpcNotification | JsonRpcRequest;

export interface CallOptions {
  /** Cancels the request (an AbortSignal, or the front's Abort). */
  signal?: AbortLike;
  /** Notifications and server->client requests the upstream sends while this request is in flight, in order, before the response. */
  onMessage?: (m: UpstreamMessage) => void;
  /** Per-request client capabilities for modern upstreams (`params._meta`); defaults to the ClientIdentity's. */
  clientCapabilities?: Json;
  /** Per-request log level for modern upstreams (`params._meta`); absent = the upstream sends no log messages. */
  logLevel?: string;
  /**
   * Extra HTTP headers for this request, e.g. the `Mcp-Param-*` headers a 2026-07-28 tool declares
   * (values already encoded, see encodeHeaderValue). Ignored on stdio.
   */
  headers?: Record<string, string>;
}

export interface UpstreamSession {
  readonly era: Era;
  /** Negotiated with the upstream. */
  readonly protocolVersion: string;
  readonly serverCapabilities: Json;
  readonly serverInfo: Json;
  readonly instructions: string | undefined;
  /** HTTP legacy: the upstream Mcp-Session-Id (sealed into our session id so another replica can resume); undefined otherwise. */
  readonly resumeId: string | undefined;
  /**
   * Sends a request; resolves with the upstream's response (result OR error — a JSON-RPC error is not
   * a throw). The response's id is the one this client allocated, not the caller's: the caller puts
   * its own back. Throws UpstreamError for transport failures: unreachable, timeout, HTTP error,
   * invalid response, session gone (404), process exited. An abort through `options.signal` rejects
   * with the signal's reason.
   */
  request(method: string, params: Json | undefined, options?: CallOptions): Promise<JsonRpcResponse>;
  notify(method: string, params?: Json): Promise<void>;
  /** Answers a server->client request the upstream sent (legacy): POST the response (HTTP) / write it (stdio). */
  respond(response: JsonRpcResponse): Promise<void>;
  /**
   * Legacy: messages the upstream sends outside any request (GET stream on HTTP; unsolicited lines on
   * stdio). Returns a stop function. On HTTP the GET stream is open only while someone listens, and
   * SDK servers send most elicitation/sampling requests there: listen for the session's life to get
   * them. Over both transports such a message goes to a request's onMessage instead when it names
   * that request's progressToken, or when exactly one request with onMessage is in flight (neither
   * transport says which request it belongs to). 2026-07-28 sessions: a subscriptions/listen
   * stream for every list_changed the server declares, held open (and reopened) while anyone
   * listens.
   */
  listen(onMessage: (m: UpstreamMessage) => void): () => void;
  /**
   * 2026-07-28: opens `subscriptions/listen` with the upstream for these notification types
   * (`{toolsListChanged?, promptsListChanged?, resourcesListChanged?, resourceSubscriptions?}`) and
   * resolves once the upstream acknowledged it. The notifications that follow the acknowledgement go
   * to `onMessage` as the upstream sent them (tagged with the upstream's subscriptionId). `signal`
   * ends the subscription. Session-era sessions reject (UpstreamError 'protocol'): use listen().
   */
  subscribe(notifications: Json, onMessage: (m: JsonRpcNotification) => void, signal: AbortSignal): Promise<UpstreamSubscription>;
  /** DELETE the HTTP session / end the stdio process. */
  close(): Promise<void>;
}

/** A 2026-07-28 subscriptions/listen held open with an upstream. */
export interface UpstreamSubscription {
  /** What the upstream's acknowledgement says it will send (its `params.notifications`). */
  readonly acknowledged: Json;
  /** Settles (never rejects) when the stream ends: the upstream closed it, it broke, or the signal aborted. */
  readonly ended: Promise<void>;
}

export interface Upstream {
  readonly name: string;
  /**
   * Opens a session: legacy => initialize + notifications/initialized with `client`; modern =>
   * server/discover. era 'auto' probes (modern first over HTTP per the spec's backward-compatibility
   * rules; stdio: server/discover probe, fall back to initialize) and caches the verdict.
   */
  open(client: ClientIdentity): Promise<UpstreamSession>;
  /** HTTP legacy: resume a session another replica opened (no initialize). Others: open(). */
  resume(resumeId: string, client: ClientIdentity, knownEra: Era, protocolVersion: string): Promise<UpstreamSession>;
  /** Closes everything it spawned or pooled. */
  close(): Promise<void>;
}

export type UpstreamErrorKind = 'unreachable' | 'timeout' | 'http' | 'protocol' | 'session_expired' | 'spawn_refused' | 'exited';

/** A transport failure talking to an upstream. A JSON-RPC error the upstream answers with is not one. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  /** The HTTP status, for kind 'http' (and 'session_expired'). */
  readonly status: number | undefined;

  constructor(
    readonly kind: UpstreamErrorKind,
    /** The upstream's configured name. */
    readonly upstream: string,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
  }
}
