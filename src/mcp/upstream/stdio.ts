/**
 * An MCP server run as a child process, in either era. Every session is its own process (the
 * gateway decides who shares a session); a command runs only if it is in the allow-list.
 *
 * Routing what the server writes: responses go to the request with their id. stdio has no
 * per-request stream, so a notification or server->client request goes to
 *   1. the in-flight request whose progressToken it names (notifications/progress), else
 *   2. the only in-flight request, if exactly one is in flight and it passed onMessage, else
 *   3. the listen() subscribers (so does anything tagged with a 2026 subscriptionId);
 * a request nobody receives is refused with -32601 so the server does not wait for ever.
 *
 * era 'auto': server/discover first; a DiscoverResult means 2026-07-28, any error, or silence for
 * STDIO_PROBE_MS once the process has started writing, means the session era (never keyed on one
 * error code). If the probe made the
 * process exit, a new one is spawned for initialize. The verdict is kept per Upstream.
 */
import { ERR, errorResponse, isRequest, isResponse, META, type Era, type Json, type JsonRpcId, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../jsonrpc.js';
import type { Logger } from '../../telemetry/logger.js';
import { safeDeliver } from './deliver.js';
import { describeError } from './describe-error.js';
import { withModernMeta, withoutModernMeta } from './envelope.js';
import { DISCOVER, describeDiscover, initializeParams, parseInitializeResponse, requireDiscover, type ServerDescription } from './handshake.js';
import { StdioProcess } from './stdio-process.js';
import { ACKNOWLEDGED, LISTEN, holdSubscription, listChangedFilter, untagged } from './subscription.js';
import {
  UpstreamError,
  type CallOptions,
  type ClientIdentity,
  type Upstream,
  type UpstreamMessage,
  type UpstreamOptions,
  type UpstreamSession,
  type UpstreamStdioConfig,
  type UpstreamSubscription,
} from './types.js';

/** How long an 'auto' probe waits for server/discover before deciding the server is session-era. */
export const STDIO_PROBE_MS = 1500;

export class StdioUpstream implements Upstream {
  readonly #sessions = new Set<StdioSession>();
  #verdict: Era | undefined;
  /** An 'auto' server that refused initialize when a session-era agent preferred it. */
  #legacyRefused = false;

  constructor(
    private readonly config: UpstreamStdioConfig,
    private readonly options: UpstreamOptions,
  ) {}

  get name(): string {
    return this.config.name;
  }

  async open(client: ClientIdentity): Promise<UpstreamSession> {
    if (!this.options.allowCommands.includes(this.config.command)) {
      throw new UpstreamError('spawn_refused', this.name, `MCP upstream "${this.name}": the command ${JSON.stringify(this.config.command)} is not in the allowed commands.`);
    }
    const era = this.config.era === 'auto' ? this.#verdict : this.config.era;
    if (this.config.era === 'auto' && client.prefer === 'legacy' && !this.#legacyRefused) {
      const first = this.#spawn(client);
      try {
        return await this.#initialize(first, client);
      } catch (err) {
        await first.close();
        // A 2026-only server refuses initialize: ask it the modern way from now on.
        if (!(err instanceof UpstreamError) || err.kind !== 'protocol') throw err;
        this.#legacyRefused = true;
      }
    }
    const session = this.#spawn(client);
    try {
      if (era === 'legacy') return await this.#initialize(session, client);
      if (era === 'modern') {
        session.describe(requireDiscover(this.name, await session.call(DISCOVER, withModernMeta(undefined, client), {}, this.config.timeoutMs)));
        return session;
      }
      return await this.#probe(session, client);
    } catch (err) {
      await session.close();
      throw err;
    }
  }

  /** stdio sessions live and die with their process: there is nothing to resume, so this opens a new one. */
  resume(_resumeId: string, client: ClientIdentity): Promise<UpstreamSession> {
    return this.open(client);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#sessions].map((s) => s.close()));
  }

  forget(session: StdioSession): void {
    this.#sessions.delete(session);
  }

  #spawn(client: ClientIdentity): StdioSession {
    let session: StdioSession;
    try {
      session = new StdioSession(this, this.config, this.options.logger, client);
    } catch (err) {
      throw new UpstreamError('exited', this.name, `MCP upstream "${this.name}" could not be started (${describeError(err)}).`, { cause: err });
    }
    this.#sessions.add(session);
    return session;
  }

  async #probe(first: StdioSession, client: ClientIdentity): Promise<UpstreamSession> {
    let session = first;
    // The probe's clock starts when the process first writes something (a server may take seconds
    // to start, e.g. through npx); until then only the configured time limit applies.
    const quiet = new AbortController();
    const started = first.started.then(() => setTimeout(() => quiet.abort(new UpstreamError('timeout', this.name, 'server/discover went unanswered.')), STDIO_PROBE_MS).unref());
    try {
      const response = await session.call(DISCOVER, withModernMeta(undefined, client), { signal: quiet.signal }, this.config.timeoutMs);
      const description = describeDiscover(response);
      if (description !== undefined) {
        this.#verdict = 'modern';
        session.describe(description);
        return session;
      }
    } catch (err) {
      if (!(err instanceof UpstreamError) || (err.kind !== 'timeout' && err.kind !== 'exited')) throw err;
    } finally {
      void started.then(clearTimeout);
    }
    if (session.gone !== undefined) {
      // A session-era server that could not take an unknown method: start afresh.
      await session.close();
      session = this.#spawn(client);
    }
    try {
      const opened = await this.#initialize(session, client);
      this.#verdict = 'legacy';
      return opened;
    } catch (err) {
      if (session !== first) await session.close();
      throw err;
    }
  }

  async #initialize(session: StdioSession, client: ClientIdentity): Promise<UpstreamSession> {
    const response = await session.call('initialize', initializeParams(client), {}, this.config.timeoutMs);
    session.describe(parseInitializeResponse(this.name, response));
    await session.notify('notifications/initialized');
    return session;
  }
}

interface Pending {
  readonly method: string;
  readonly progressToken: unknown;
  readonly onMessage: ((m: UpstreamMessage) => void) | undefined;
  settle(outcome: { response: JsonRpcResponse } | { error: unknown }): void;
}

export class StdioSession implements UpstreamSession {
  readonly #process: StdioProcess;
  readonly #pending = new Map<JsonRpcId, Pending>();
  readonly #listeners = new Set<(m: UpstreamMessage) => void>();
  /** Open subscriptions/listen requests by their id: what their tagged notifications and end go to. */
  readonly #subscriptions = new Map<JsonRpcId, { deliver: (m: JsonRpcNotification) => void; end: (why?: unknown) => void }>();
  /** listen() on a 2026-07-28 session: the subscription it holds open. */
  #listening: AbortController | undefined;
  #nextId = 1;
  #description: ServerDescription | undefined;
  #closed: UpstreamError | undefined;

  constructor(
    private readonly owner: StdioUpstream,
    private readonly config: UpstreamStdioConfig,
    private readonly logger: Logger,
    private readonly client: ClientIdentity,
  ) {
    this.#process = new StdioProcess(config, logger, {
      onMessage: (m) => this.#onMessage(m),
      onGone: (error) => this.#onGone(error),
    });
  }

  get era(): Era {
    return this.#described().era;
  }
  get protocolVersion(): string {
    return this.#described().protocolVersion;
  }
  get serverCapabilities(): Json {
    return this.#described().serverCapabilities;
  }
  get serverInfo(): Json {
    return this.#described().serverInfo;
  }
  get instructions(): string | undefined {
    return this.#described().instructions;
  }
  get resumeId(): undefined {
    return undefined;
  }

  /** Resolves when the process first writes anything. */
  get started(): Promise<void> {
    return this.#process.firstOutput;
  }

  /** Why the session is dead (process gone or closed); undefined while it lives. */
  get gone(): UpstreamError | undefined {
    return this.#closed ?? this.#process.gone;
  }

  /** Set by the handshake that opened the session. */
  describe(description: ServerDescription): void {
    this.#description = description;
  }

  async request(method: string, params: Json | undefined, options: CallOptions = {}): Promise<JsonRpcResponse> {
    const body = this.era === 'modern' ? withModernMeta(params, this.client, options) : withoutModernMeta(params);
    return this.call(method, body, options, this.config.timeoutMs);
  }

  /** Sends a request as is (no envelope) and waits for its response. */
  call(method: string, params: Json | undefined, options: CallOptions, timeoutMs: number): Promise<JsonRpcResponse> {
    const gone = this.gone;
    if (gone !== undefined) return Promise.reject(gone);
    const id = this.#nextId++;
    const message: JsonRpcRequest = params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
    const meta = params?._meta;
    const progressToken = typeof meta === 'object' && meta !== null ? (meta as Json).progressToken : undefined;
    const signal = options.signal;
    return new Promise<JsonRpcResponse>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        pending.settle({ error: signal?.reason });
        this.#cancel(id, 'The client cancelled the request.');
      };
      const timer = setTimeout(() => {
        pending.settle({ error: new UpstreamError('timeout', this.config.name, `MCP upstream "${this.config.name}" did not answer ${method} within ${timeoutMs} ms.`) });
        this.#cancel(id, 'Timed out.');
      }, timeoutMs);
      const pending: Pending = {
        method,
        progressToken,
        onMessage: options.onMessage,
        settle: (outcome) => {
          if (this.#pending.get(id) !== pending) return;
          this.#pending.delete(id);
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if ('response' in outcome) resolve(outcome.response);
          else reject(outcome.error);
        },
      };
      this.#pending.set(id, pending);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#process.write(message).catch((err: unknown) => pending.settle({ error: err }));
    });
  }

  async notify(method: string, params?: Json): Promise<void> {
    const gone = this.gone;
    if (gone !== undefined) throw gone;
    const body = this.#description?.era === 'modern' ? params : withoutModernMeta(params);
    await this.#process.write(body === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params: body });
  }

  async respond(response: JsonRpcResponse): Promise<void> {
    const gone = this.gone;
    if (gone !== undefined) throw gone;
    if (this.era === 'modern') throw new UpstreamError('protocol', this.config.name, '2026-07-28 upstreams send no requests to answer.');
    await this.#process.write(response);
  }

  /**
   * Every message the routing above does not give to a request. Session era: nothing to open on
   * stdio. 2026-07-28: a subscription for every list_changed the server declares, while anyone listens.
   */
  listen(onMessage: (m: UpstreamMessage) => void): () => void {
    this.#listeners.add(onMessage);
    const filter = this.#description?.era === 'modern' ? listChangedFilter(this.serverCapabilities) : {};
    if (Object.keys(filter).length > 0 && this.#listening === undefined && this.gone === undefined) {
      const controller = new AbortController();
      this.#listening = controller;
      const toListeners = (m: JsonRpcNotification): void => {
        for (const listener of [...this.#listeners]) safeDeliver(listener, untagged(m), this.logger, this.config.name);
      };
      void holdSubscription((deliver, signal) => this.subscribe(filter, deliver, signal), toListeners, controller.signal, this.logger, this.config.name).finally(() => {
        if (this.#listening === controller) this.#listening = undefined;
      });
    }
    return () => {
      this.#listeners.delete(onMessage);
      if (this.#listeners.size === 0) {
        this.#listening?.abort();
        this.#listening = undefined;
      }
    };
  }

  /** subscriptions/listen over stdio: its notifications carry its id as subscriptionId; notifications/cancelled ends it. */
  subscribe(notifications: Json, onMessage: (m: JsonRpcNotification) => void, signal: AbortSignal): Promise<UpstreamSubscription> {
    const gone = this.gone;
    if (gone !== undefined) return Promise.reject(gone);
    if (this.era !== 'modern') return Promise.reject(new UpstreamError('protocol', this.config.name, 'subscriptions/listen is a 2026-07-28 method; a session-era upstream streams through listen().'));
    if (signal.aborted) return Promise.reject(signal.reason);
    const id = this.#nextId++;
    const params = withModernMeta({ notifications }, this.client);
    return new Promise<UpstreamSubscription>((resolve, reject) => {
      let acknowledged = false;
      let endedResolve: () => void = () => undefined;
      const ended = new Promise<void>((r) => (endedResolve = r));
      const timer = setTimeout(() => {
        end(new UpstreamError('timeout', this.config.name, `MCP upstream "${this.config.name}" did not acknowledge subscriptions/listen within ${this.config.timeoutMs} ms.`));
        this.#cancel(id, 'Timed out.');
      }, this.config.timeoutMs);
      const onAbort = (): void => {
        end(signal.reason);
        this.#cancel(id, 'The client ended the subscription.');
      };
      const end = (why?: unknown): void => {
        if (this.#subscriptions.get(id) !== entry) return;
        this.#subscriptions.delete(id);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (!acknowledged) reject(why ?? new UpstreamError('protocol', this.config.name, `MCP upstream "${this.config.name}" ended subscriptions/listen before acknowledging it.`));
        endedResolve();
      };
      const entry = {
        deliver: (m: JsonRpcNotification) => {
          if (!acknowledged && m.method === ACKNOWLEDGED) {
            acknowledged = true;
            clearTimeout(timer);
            const honored = m.params?.notifications;
            resolve({ acknowledged: typeof honored === 'object' && honored !== null ? (honored as Json) : {}, ended });
            return;
          }
          // notifications/cancelled naming the listen request: the server ended the subscription.
          if (m.method === 'notifications/cancelled' && m.params?.requestId === id) return end();
          safeDeliver(onMessage, m, this.logger, this.config.name);
        },
        end,
      };
      this.#subscriptions.set(id, entry);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#process.write({ jsonrpc: '2.0', id, method: LISTEN, params }).catch((err: unknown) => end(err));
    });
  }

  async close(): Promise<void> {
    if (this.#closed === undefined) {
      this.#closed = new UpstreamError('exited', this.config.name, `The session with MCP upstream "${this.config.name}" was closed.`);
      this.#failPending(this.#closed);
      this.#listeners.clear();
      this.#listening?.abort();
    }
    this.owner.forget(this);
    await this.#process.stop();
  }

  #described(): ServerDescription {
    if (this.#description === undefined) throw new UpstreamError('protocol', this.config.name, 'The session is not open yet.');
    return this.#description;
  }

  #cancel(requestId: JsonRpcId, reason: string): void {
    if (this.gone !== undefined) return;
    this.#process.write({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason } }).catch(() => undefined);
  }

  #onGone(error: UpstreamError): void {
    this.#failPending(error);
    if (this.#closed === undefined) this.logger.info({ upstream: this.config.name, err: error.message }, 'MCP upstream process is gone');
  }

  #failPending(error: UpstreamError): void {
    for (const pending of [...this.#pending.values()]) pending.settle({ error });
    for (const subscription of [...this.#subscriptions.values()]) subscription.end(error);
  }

  #onMessage(m: JsonRpcMessage): void {
    if (isResponse(m)) {
      const pending = m.id === null ? undefined : this.#pending.get(m.id);
      const subscription = m.id === null ? undefined : this.#subscriptions.get(m.id);
      if (pending !== undefined) pending.settle({ response: m });
      else if (subscription !== undefined) subscription.end(m.error === undefined ? undefined : new UpstreamError('protocol', this.config.name, `MCP upstream "${this.config.name}" refused subscriptions/listen: ${m.error.message}.`));
      else this.logger.debug({ upstream: this.config.name, id: m.id }, 'MCP upstream answered a request nobody waits for; dropped');
      return;
    }
    const message = m as UpstreamMessage;
    const subscriptionId = (message.params?._meta as Json | undefined)?.[META.subscriptionId];
    const subscription = typeof subscriptionId === 'string' || typeof subscriptionId === 'number' ? this.#subscriptions.get(subscriptionId) : undefined;
    if (subscription !== undefined && !isRequest(message)) return subscription.deliver(message);
    if (message.method === 'notifications/cancelled' && !isRequest(message)) {
      const requestId = message.params?.requestId;
      const ended = typeof requestId === 'string' || typeof requestId === 'number' ? this.#subscriptions.get(requestId) : undefined;
      if (ended !== undefined) return ended.end();
    }
    const target = this.#targetOf(message);
    if (target?.onMessage !== undefined) return safeDeliver(target.onMessage, message, this.logger, this.config.name);
    if (this.#listeners.size > 0) {
      for (const listener of [...this.#listeners]) safeDeliver(listener, message, this.logger, this.config.name);
      return;
    }
    if (isRequest(message)) {
      this.#process.write(errorResponse(message.id, ERR.methodNotFound, `The gateway has no client to answer ${message.method}.`)).catch(() => undefined);
      return;
    }
    this.logger.debug({ upstream: this.config.name, method: message.method }, 'MCP upstream notification with no receiver; dropped');
  }

  #targetOf(m: UpstreamMessage): Pending | undefined {
    const meta = m.params?._meta;
    if (typeof meta === 'object' && meta !== null && META.subscriptionId in meta) return undefined;
    if (m.method === 'notifications/progress' && m.params?.progressToken !== undefined) {
      for (const pending of this.#pending.values()) if (pending.progressToken === m.params.progressToken) return pending;
      return undefined;
    }
    if (this.#pending.size === 1) return this.#pending.values().next().value;
    return undefined;
  }
}

