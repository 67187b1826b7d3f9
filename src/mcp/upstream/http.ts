/**
 * An MCP server reached over Streamable HTTP, in either era.
 *
 * Session era (2025-xx): initialize + notifications/initialized, then every POST carries
 * Mcp-Session-Id (and MCP-Protocol-Version from 2025-06-18). The session id is the resumeId: any
 * replica holding it can carry on with the session (resume()). listen() opens the GET stream, which
 * is where SDK servers send most server->client requests (elicitation, sampling): a caller that
 * wants them must listen() for the session's life (see #routeUnsolicited for who receives them).
 *
 * 2026-07-28: no session; every request carries the client's identity in `params._meta` and the
 * headers MCP-Protocol-Version, Mcp-Method and Mcp-Name. subscribe() holds a subscriptions/listen
 * stream open (its first message, the acknowledgement, says it is live); listen() keeps one open
 * for every list_changed the server declares, the 2026 stand-in for the GET stream.
 *
 * era 'auto': server/discover first; a DiscoverResult (or a 2026-only error: -32020/-32021/-32022)
 * means 2026-07-28, any other answer a session-era server. The verdict is kept per Upstream.
 */
import { randomInt } from 'node:crypto';
import { LEGACY_VERSIONS, META, isRequest, isResponse, errorResponse, ERR, type Era, type Json, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../jsonrpc.js';
import type { Logger } from '../../telemetry/logger.js';
import { delay } from './deadline.js';
import { modernHeaders, withModernMeta, withoutModernMeta } from './envelope.js';
import { DISCOVER, describeDiscover, initializeParams, isModernError, parseInitializeResponse, requireDiscover, type ServerDescription } from './handshake.js';
import { safeDeliver } from './deliver.js';
import { ACKNOWLEDGED, LISTEN, holdSubscription, listChangedFilter, untagged } from './subscription.js';
import { describeError as describe } from './describe-error.js';
import { HttpChannel, contentType, headerValue, readText, MAX_HTTP_MESSAGE_BYTES } from './http-channel.js';
import {
  UpstreamError,
  type CallOptions,
  type ClientIdentity,
  type Upstream,
  type UpstreamHttpConfig,
  type UpstreamMessage,
  type UpstreamOptions,
  type UpstreamSession,
  type UpstreamSubscription,
} from './types.js';

const LISTEN_BACKOFF_MS = 500;
const LISTEN_MAX_BACKOFF_MS = 30_000;
/** Mcp-Session-Id is visible ASCII (0x21-0x7E). */
const SESSION_ID = /^[\x21-\x7e]+$/;

export class HttpUpstream implements Upstream {
  readonly #channel: HttpChannel;
  readonly #sessions = new Set<HttpSession>();
  /** What an 'auto' probe found; kept for the life of this Upstream. */
  #verdict: Era | undefined;
  /** An 'auto' server that refused initialize when a session-era agent preferred it. */
  #legacyRefused = false;
  /**
   * Request ids: monotonic, from a random start, so two replicas sharing one upstream session
   * (resume) are unlikely to have the same id in flight.
   */
  #nextId = randomInt(1, 2 ** 30);

  constructor(
    private readonly config: UpstreamHttpConfig,
    private readonly options: UpstreamOptions,
  ) {
    this.#channel = new HttpChannel(config, options.logger);
  }

  get name(): string {
    return this.config.name;
  }

  async open(client: ClientIdentity): Promise<UpstreamSession> {
    const era = this.config.era === 'auto' ? this.#verdict : this.config.era;
    if (this.config.era === 'auto' && client.prefer === 'legacy' && !this.#legacyRefused) {
      try {
        return await this.#openLegacy(client);
      } catch (err) {
        // A 2026-only server refuses initialize: ask it the modern way from now on.
        if (!(err instanceof UpstreamError) || (err.kind !== 'http' && err.kind !== 'protocol')) throw err;
        this.#legacyRefused = true;
      }
    }
    if (era === 'legacy') return this.#openLegacy(client);
    if (era === 'modern') return this.#session(requireDiscover(this.name, await this.#discover(client)), undefined, client);
    return this.#probe(client);
  }

  async resume(resumeId: string, client: ClientIdentity, knownEra: Era, protocolVersion: string): Promise<UpstreamSession> {
    if (knownEra !== 'legacy') return this.open(client);
    if (!(LEGACY_VERSIONS as readonly string[]).includes(protocolVersion)) {
      throw new UpstreamError('protocol', this.name, `Cannot resume a session at protocol version ${JSON.stringify(protocolVersion)}.`);
    }
    if (!SESSION_ID.test(resumeId)) throw new UpstreamError('protocol', this.name, 'The session id to resume is not a valid Mcp-Session-Id.');
    // What initialize told the replica that opened it is not carried over: capabilities and
    // serverInfo are empty on a resumed session.
    const description: ServerDescription = { era: 'legacy', protocolVersion, serverCapabilities: {}, serverInfo: {}, instructions: undefined };
    return this.#session(description, resumeId, client);
  }

  /**
   * Stops every session's streams and drops the pool. Sessions are not DELETEd: another replica
   * may still resume them; UpstreamSession.close() ends one for good.
   */
  async close(): Promise<void> {
    for (const session of [...this.#sessions]) session.detach();
    this.#sessions.clear();
    await this.#channel.close();
  }

  nextId(): number {
    return this.#nextId++;
  }

  forget(session: HttpSession): void {
    this.#sessions.delete(session);
  }

  #session(description: ServerDescription, sessionId: string | undefined, client: ClientIdentity): HttpSession {
    const session = new HttpSession(this, this.#channel, this.options.logger, description, sessionId, client);
    this.#sessions.add(session);
    return session;
  }

  async #discover(client: ClientIdentity): Promise<JsonRpcResponse> {
    const params = withModernMeta(undefined, client);
    const message: JsonRpcRequest = { jsonrpc: '2.0', id: this.nextId(), method: DISCOVER, params };
    return this.#channel.call(message, modernHeaders(DISCOVER, params), { deliver: () => undefined, sessionful: false });
  }

  async #probe(client: ClientIdentity): Promise<UpstreamSession> {
    let response: JsonRpcResponse;
    try {
      response = await this.#discover(client);
    } catch (err) {
      // A 4xx without a 2026 error body is a session-era server refusing an unknown request;
      // 401/403 are about credentials, not the era, and 5xx or no answer at all prove nothing.
      if (err instanceof UpstreamError && err.kind === 'http' && err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 403) {
        return this.#openLegacy(client, true);
      }
      throw err;
    }
    const description = describeDiscover(response);
    if (description !== undefined || isModernError(response)) {
      this.#verdict = 'modern';
      return this.#session(requireDiscover(this.name, response), undefined, client);
    }
    return this.#openLegacy(client, true);
  }

  async #openLegacy(client: ClientIdentity, probed = false): Promise<UpstreamSession> {
    const message: JsonRpcRequest = { jsonrpc: '2.0', id: this.nextId(), method: 'initialize', params: initializeParams(client) };
    let sessionId: string | undefined;
    const response = await this.#channel.call(message, {}, {
      deliver: () => undefined,
      sessionful: false,
      onHeaders: (headers) => (sessionId = headerValue(headers, 'mcp-session-id')),
    });
    if (sessionId !== undefined && !SESSION_ID.test(sessionId)) {
      throw new UpstreamError('protocol', this.name, `MCP upstream "${this.name}" sent an invalid Mcp-Session-Id.`);
    }
    let description: ServerDescription;
    try {
      description = parseInitializeResponse(this.name, response);
    } catch (err) {
      if (sessionId !== undefined) await this.#channel.delete({ 'mcp-session-id': sessionId }).catch(() => undefined);
      throw err;
    }
    const session = this.#session(description, sessionId, client);
    try {
      await session.notify('notifications/initialized');
    } catch (err) {
      await session.close();
      throw err;
    }
    if (probed) this.#verdict = 'legacy';
    return session;
  }
}

interface InFlight {
  readonly progressToken: unknown;
  readonly onMessage: ((m: UpstreamMessage) => void) | undefined;
}

export class HttpSession implements UpstreamSession {
  readonly #listeners = new Set<(m: UpstreamMessage) => void>();
  readonly #inFlight = new Map<number, InFlight>();
  #listening: AbortController | undefined;
  #closed = false;

  constructor(
    private readonly owner: HttpUpstream,
    private readonly channel: HttpChannel,
    private readonly logger: Logger,
    private readonly description: ServerDescription,
    private readonly sessionId: string | undefined,
    private readonly client: ClientIdentity,
  ) {}

  get era(): Era {
    return this.description.era;
  }
  get protocolVersion(): string {
    return this.description.protocolVersion;
  }
  get serverCapabilities(): Json {
    return this.description.serverCapabilities;
  }
  get serverInfo(): Json {
    return this.description.serverInfo;
  }
  get instructions(): string | undefined {
    return this.description.instructions;
  }
  get resumeId(): string | undefined {
    return this.era === 'legacy' ? this.sessionId : undefined;
  }

  async request(method: string, params: Json | undefined, options: CallOptions = {}): Promise<JsonRpcResponse> {
    this.#assertOpen();
    const body = this.era === 'modern' ? withModernMeta(params, this.client, options) : withoutModernMeta(params);
    const id = this.owner.nextId();
    const message: JsonRpcRequest = body === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: body };
    const onMessage = options.onMessage;
    const meta = body?._meta;
    const inFlight: InFlight = { progressToken: typeof meta === 'object' && meta !== null ? (meta as Json).progressToken : undefined, onMessage };
    this.#inFlight.set(id, inFlight);
    try {
      return await this.channel.call(message, { ...this.#headers(method, body), ...options.headers }, {
        signal: options.signal,
        deliver: onMessage === undefined ? (m) => this.#unrouted(m) : onMessage,
        sessionful: this.sessionId !== undefined,
        resume:
          this.era === 'legacy' && this.sessionId !== undefined
            ? (lastEventId, signal) => this.channel.get({ ...this.#headers(), 'last-event-id': lastEventId }, signal)
            : undefined,
      });
    } catch (err) {
      // Session era: a dropped connection is not a cancellation; the server is told explicitly.
      // (2026-07-28 over HTTP: closing the stream is the cancellation.)
      if (options.signal?.aborted === true && this.era === 'legacy') {
        this.notify('notifications/cancelled', { requestId: id, reason: 'The client cancelled the request.' }).catch(() => undefined);
      }
      if (err instanceof UpstreamError && err.kind === 'session_expired') this.#expire();
      throw err;
    } finally {
      this.#inFlight.delete(id);
    }
  }

  async notify(method: string, params?: Json): Promise<void> {
    this.#assertOpen();
    const body = this.era === 'modern' ? params : withoutModernMeta(params);
    const message = body === undefined ? { jsonrpc: '2.0' as const, method } : { jsonrpc: '2.0' as const, method, params: body };
    await this.#post(message, this.#headers(method, body));
  }

  async respond(response: JsonRpcResponse): Promise<void> {
    this.#assertOpen();
    if (this.era === 'modern') throw new UpstreamError('protocol', this.owner.name, '2026-07-28 upstreams send no requests to answer.');
    await this.#post(response, this.#headers());
  }

  listen(onMessage: (m: UpstreamMessage) => void): () => void {
    this.#listeners.add(onMessage);
    const filter = this.era === 'modern' ? listChangedFilter(this.serverCapabilities) : {};
    const streams = this.era === 'legacy' ? this.sessionId !== undefined : Object.keys(filter).length > 0;
    if (streams && this.#listening === undefined && !this.#closed) {
      const controller = new AbortController();
      this.#listening = controller;
      const loop =
        this.era === 'legacy'
          ? this.#listenLoop(controller.signal)
          : holdSubscription(
              (deliver, signal) => this.subscribe(filter, deliver, signal),
              (m) => {
                for (const listener of [...this.#listeners]) safeDeliver(listener, untagged(m), this.logger, this.owner.name);
              },
              controller.signal,
              this.logger,
              this.owner.name,
            );
      void loop.finally(() => {
        if (this.#listening === controller) this.#listening = undefined;
      });
    }
    return () => {
      this.#listeners.delete(onMessage);
      if (this.#listeners.size === 0) this.#stopListening();
    };
  }

  async subscribe(notifications: Json, onMessage: (m: JsonRpcNotification) => void, signal: AbortSignal): Promise<UpstreamSubscription> {
    this.#assertOpen();
    if (this.era !== 'modern') throw new UpstreamError('protocol', this.owner.name, 'subscriptions/listen is a 2026-07-28 method; a session-era upstream streams through listen().');
    const params = withModernMeta({ notifications }, this.client);
    const id = this.owner.nextId();
    const res = await this.channel.openStream({ jsonrpc: '2.0', id, method: LISTEN, params }, modernHeaders(LISTEN, params), signal);
    if (res.statusCode !== 200 || contentType(res.headers) !== 'text/event-stream') {
      const reply = await this.channel.errorReply(res, id);
      throw new UpstreamError('protocol', this.owner.name, `MCP upstream "${this.owner.name}" refused subscriptions/listen: ${reply.error?.message ?? 'no stream'}.`);
    }
    return new Promise<UpstreamSubscription>((resolve, reject) => {
      let acknowledged = false;
      let ended: (() => void) | undefined;
      const endedPromise = new Promise<void>((r) => (ended = r));
      // Only the acknowledgement has a time limit: after it, the stream may stay quiet for hours.
      const timer = setTimeout(() => {
        res.body.destroy();
        reject(new UpstreamError('timeout', this.owner.name, `MCP upstream "${this.owner.name}" did not acknowledge subscriptions/listen within ${this.channel.timeoutMs} ms.`));
      }, this.channel.timeoutMs);
      this.channel
        .readEvents(res.body, (m) => {
          // The final result closes the subscription (the server is done with it).
          if (isResponse(m)) return m.id === id;
          const notification = m as JsonRpcNotification;
          if (!acknowledged && notification.method === ACKNOWLEDGED) {
            acknowledged = true;
            clearTimeout(timer);
            const honored = notification.params?.notifications;
            resolve({ acknowledged: typeof honored === 'object' && honored !== null ? (honored as Json) : {}, ended: endedPromise });
            return;
          }
          if (isRequest(m)) return; // 2026-07-28 servers send no requests; nothing could answer it
          safeDeliver(onMessage, notification, this.logger, this.owner.name);
        })
        .catch((err: unknown) => {
          if (!acknowledged && !signal.aborted) this.logger.debug({ upstream: this.owner.name, err: describe(err) }, 'MCP upstream listen stream failed');
        })
        .finally(() => {
          clearTimeout(timer);
          if (!acknowledged) reject(signal.aborted ? signal.reason : new UpstreamError('protocol', this.owner.name, `The subscriptions/listen stream of MCP upstream "${this.owner.name}" ended before its acknowledgement.`));
          ended!();
        });
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.detach();
    if (this.era !== 'legacy' || this.sessionId === undefined) return;
    try {
      const status = await this.channel.delete(this.#headers());
      if (status >= 400 && status !== 404 && status !== 405) this.logger.debug({ upstream: this.owner.name, status }, 'MCP upstream refused to end the session');
    } catch (err) {
      this.logger.debug({ upstream: this.owner.name, err: describe(err) }, 'could not end the MCP upstream session');
    }
  }

  /** Stops this session's streams without ending it upstream. */
  detach(): void {
    this.#closed = true;
    this.#listeners.clear();
    this.#stopListening();
    this.owner.forget(this);
  }

  #assertOpen(): void {
    if (this.#closed) throw new UpstreamError('session_expired', this.owner.name, 'This upstream session is closed.');
  }

  #expire(): void {
    this.#closed = true;
    this.#stopListening();
    this.owner.forget(this);
  }

  #stopListening(): void {
    this.#listening?.abort();
    this.#listening = undefined;
  }

  #headers(method?: string, params?: Json): Record<string, string> {
    if (this.era === 'modern') return method === undefined ? {} : modernHeaders(method, params);
    const headers: Record<string, string> = {};
    if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
    // The header exists from 2025-06-18 on; ISO dates compare as strings.
    if (this.protocolVersion >= '2025-06-18') headers['mcp-protocol-version'] = this.protocolVersion;
    return headers;
  }

  async #post(message: Parameters<HttpChannel['post']>[0], headers: Record<string, string>): Promise<void> {
    try {
      await this.channel.post(message, headers, this.sessionId !== undefined);
    } catch (err) {
      if (err instanceof UpstreamError && err.kind === 'session_expired') this.#expire();
      throw err;
    }
  }

  /** A message on a request's stream that nobody asked to see: listeners get it, else a request is refused so the server does not wait. */
  #unrouted(m: UpstreamMessage): void {
    if (this.#listeners.size > 0) {
      for (const listener of [...this.#listeners]) safeDeliver(listener, m, this.logger, this.owner.name);
      return;
    }
    if (isRequest(m)) {
      this.respond(errorResponse(m.id, ERR.methodNotFound, `The gateway has no client to answer ${m.method}.`)).catch((err: unknown) => {
        this.logger.debug({ upstream: this.owner.name, err: describe(err) }, 'could not refuse an MCP upstream request');
      });
    }
  }

  /**
   * A message on the GET stream: SDK servers send server->client requests there when the handler
   * did not tie them to its request (e.g. SDK 1.x `server.elicitInput`). Like stdio: a progress
   * notification goes to the request that holds its token, anything else to the only request in
   * flight if exactly one is and it passed onMessage, otherwise to the listeners.
   */
  #routeUnsolicited(m: UpstreamMessage): void {
    const meta = m.params?._meta;
    const tagged = typeof meta === 'object' && meta !== null && META.subscriptionId in meta;
    let target: InFlight | undefined;
    if (!tagged && m.method === 'notifications/progress' && m.params?.progressToken !== undefined) {
      target = [...this.#inFlight.values()].find((f) => f.progressToken === m.params?.progressToken);
    } else if (!tagged && this.#inFlight.size === 1) {
      target = this.#inFlight.values().next().value;
    }
    if (target?.onMessage !== undefined) return safeDeliver(target.onMessage, m, this.logger, this.owner.name);
    for (const listener of [...this.#listeners]) safeDeliver(listener, m, this.logger, this.owner.name);
  }

  /** The session-era GET stream, reopened with backoff while anyone listens. */
  async #listenLoop(signal: AbortSignal): Promise<void> {
    let backoff = LISTEN_BACKOFF_MS;
    let lastEventId: string | undefined;
    while (!signal.aborted) {
      try {
        const headers = lastEventId === undefined ? this.#headers() : { ...this.#headers(), 'last-event-id': lastEventId };
        const res = await this.channel.get(headers, signal);
        if (res.statusCode === 405) {
          await readText(res.body, MAX_HTTP_MESSAGE_BYTES, this.owner.name).catch(() => '');
          this.logger.debug({ upstream: this.owner.name }, 'MCP upstream offers no GET stream');
          return;
        }
        if (res.statusCode === 404) {
          await readText(res.body, MAX_HTTP_MESSAGE_BYTES, this.owner.name).catch(() => '');
          this.logger.info({ upstream: this.owner.name }, 'MCP upstream session expired');
          this.#expire();
          return;
        }
        if (res.statusCode !== 200 || contentType(res.headers) !== 'text/event-stream') {
          await readText(res.body, MAX_HTTP_MESSAGE_BYTES, this.owner.name).catch(() => '');
          throw new Error(`GET answered HTTP ${res.statusCode}`);
        }
        backoff = LISTEN_BACKOFF_MS;
        await this.channel.readEvents(
          res.body,
          (m) => {
            // Responses appear here only when a resumed stream replays them; nobody waits for them.
            if (!('method' in m)) return;
            this.#routeUnsolicited(m as UpstreamMessage);
          },
          (ev) => {
            if (ev.id !== undefined && ev.id !== '') lastEventId = ev.id;
          },
        );
      } catch (err) {
        if (signal.aborted) return;
        this.logger.debug({ upstream: this.owner.name, err: describe(err) }, 'MCP upstream GET stream failed; reconnecting');
      }
      try {
        await delay(backoff, signal);
      } catch {
        return;
      }
      backoff = Math.min(backoff * 2, LISTEN_MAX_BACKOFF_MS);
    }
  }
}
