/**
 * The HTTP exchanges of Streamable HTTP, for both eras: one undici Pool per upstream (keep-alive),
 * a POST per message, and a request's reply read as JSON or as an SSE stream whose notifications
 * and server->client requests are delivered in order before the response. Status codes become
 * UpstreamErrors here and nowhere else — except that a JSON-RPC error carrying the request's id is a
 * response whatever the status (2026-07-28 servers answer -32020/-32021/-32022 with 400 and
 * -32601 with 404).
 */
import { finished, type Readable } from 'node:stream';
import { Pool, poolRequest, type Dispatcher } from '../../llm/providers/undici-pool.js';
import { dispatchHttp } from '../../llm/providers/http-dispatch.js';
import { HttpBody } from '../../llm/providers/http-body.js';
import { isResponse, parseMessage, type JsonRpcId, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../jsonrpc.js';
import type { Logger } from '../../telemetry/logger.js';
import { Deadline, delay } from './deadline.js';
import type { AbortLike } from '../../pipeline/abort.js';
import { SseEventTooLarge, SseReader, type SseMessageEvent } from './sse-messages.js';
import { safeDeliver } from './deliver.js';
import { describeError as describe } from './describe-error.js';
import { UpstreamError, type UpstreamHttpConfig, type UpstreamMessage } from './types.js';
import type { UpstreamResponse } from '../../llm/providers/types.js';

/** The largest JSON body or SSE event accepted from an upstream. */
export const MAX_HTTP_MESSAGE_BYTES = 16 * 1024 * 1024;
/** After the response, how long the rest of its stream may take to end before the connection is dropped. */
const DRAIN_GRACE_MS = 1000;
/** Reconnections of one request's stream (2025-11-25 polling) without an event in between. */
const MAX_RESUMES = 3;
const DEFAULT_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export type ResponseData = Dispatcher.ResponseData;

/**
 * A reply as the channel reads it: a request's POST goes through dispatchHttp (an HttpBody, no
 * Readable: the per-call cost of a tools/call), GET streams through undici's request (a Readable).
 */
interface Reply {
  readonly statusCode: number;
  readonly headers: ResponseData['headers'];
  readonly body: Readable | HttpBody;
}

/** A body read from: a Readable or an HttpBody, both byte iterators. */
type ReplyBody = Reply['body'];

export interface CallContext {
  signal?: AbortLike;
  /** Receives the stream's notifications and server->client requests, in order. */
  deliver: (m: UpstreamMessage) => void;
  /** True when the request carried an Mcp-Session-Id: a 404 then means the session is gone. */
  sessionful: boolean;
  /** Sees the response headers (initialize reads Mcp-Session-Id from them). */
  onHeaders?: (headers: ResponseData['headers']) => void;
  /** Session era: reopens the request's stream after a disconnect (GET with Last-Event-ID). */
  resume?: (lastEventId: string, signal: AbortLike) => Promise<ResponseData>;
}

export class HttpChannel {
  readonly #pool: Pool;
  readonly #path: string;
  readonly #baseHeaders: Record<string, string>;

  constructor(
    private readonly config: UpstreamHttpConfig,
    private readonly logger: Logger,
  ) {
    const url = new URL(config.url);
    this.#path = url.pathname + url.search;
    // Time limits are ours, per request (Deadline); a listen stream may stay open for hours.
    this.#pool = new Pool(url.origin, { keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
    this.#baseHeaders = {};
    for (const [k, v] of Object.entries(config.headers)) this.#baseHeaders[k.toLowerCase()] = v;
  }

  get name(): string {
    return this.config.name;
  }

  get timeoutMs(): number {
    return this.config.timeoutMs;
  }

  /** POSTs a request and reads its reply: the response, or a JSON-RPC error that carries its id. */
  async call(message: JsonRpcRequest, headers: Record<string, string>, ctx: CallContext): Promise<JsonRpcResponse> {
    const deadline = new Deadline(this.config.timeoutMs, ctx.signal);
    let res: Reply | undefined;
    try {
      res = await this.#post(headers, JSON.stringify(message), deadline);
      ctx.onHeaders?.(res.headers);
      return await this.#reply(res, message.id, ctx, deadline);
    } catch (err) {
      // A reply given up on before its end would hold its connection: let it go.
      if (res !== undefined) discard(res.body);
      throw this.#failure(err, deadline);
    } finally {
      deadline.dispose();
    }
  }

  /** POSTs a notification or a response; the upstream answers 202 (any 2xx is accepted). */
  async post(message: JsonRpcNotification | JsonRpcResponse, headers: Record<string, string>, sessionful: boolean): Promise<void> {
    const deadline = new Deadline(this.config.timeoutMs);
    try {
      const res = await this.#send('POST', headers, JSON.stringify(message), deadline);
      const text = await readText(res.body, MAX_HTTP_MESSAGE_BYTES, this.config.name);
      if (res.statusCode === 404 && sessionful) throw this.#expired();
      if (res.statusCode < 200 || res.statusCode >= 300) throw this.#httpError(res.statusCode, text);
    } catch (err) {
      throw this.#failure(err, deadline);
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Opens a GET stream (session era: the standalone stream, or a resumption with Last-Event-ID).
   * The time limit covers the headers only; `signal` ends the stream.
   */
  async get(headers: Record<string, string>, signal: AbortLike | undefined): Promise<ResponseData> {
    const deadline = new Deadline(this.config.timeoutMs, signal);
    try {
      const res = await this.#send('GET', { ...headers, accept: 'text/event-stream' }, undefined, deadline);
      // From here only `signal` ends the stream (the deadline lets go of it, so a long-lived
      // listen loop does not pile up abort listeners).
      if (signal !== undefined) endWith(res, signal);
      return res;
    } catch (err) {
      throw this.#failure(err, deadline);
    } finally {
      deadline.dispose();
    }
  }

  /**
   * POSTs a request whose reply is a long-lived stream (2026-07-28 subscriptions/listen): the time
   * limit covers the headers only; `signal` ends the stream. The caller reads the reply.
   */
  async openStream(message: JsonRpcRequest, headers: Record<string, string>, signal: AbortLike): Promise<ResponseData> {
    const deadline = new Deadline(this.config.timeoutMs, signal);
    try {
      const res = await this.#send('POST', headers, JSON.stringify(message), deadline);
      endWith(res, signal);
      return res;
    } catch (err) {
      throw this.#failure(err, deadline);
    } finally {
      deadline.dispose();
    }
  }

  /** A reply that is not an SSE stream, as the JSON-RPC error carrying `id` it holds, or an UpstreamError. */
  async errorReply(res: ResponseData, id: JsonRpcId): Promise<JsonRpcResponse> {
    const text = await readText(res.body, MAX_HTTP_MESSAGE_BYTES, this.config.name);
    const message = parseReply(text);
    if (message !== undefined && isResponse(message) && message.id === id) return message;
    if (res.statusCode >= 200 && res.statusCode < 300) throw this.#protocol('answered a stream request with a body that is not its JSON-RPC response');
    throw this.#httpError(res.statusCode, text);
  }

  /** DELETE for a session; resolves with the status (405: the server does not let clients end sessions). */
  async delete(headers: Record<string, string>): Promise<number> {
    const deadline = new Deadline(this.config.timeoutMs);
    try {
      const res = await this.#send('DELETE', headers, undefined, deadline);
      await readText(res.body, MAX_HTTP_MESSAGE_BYTES, this.config.name);
      return res.statusCode;
    } catch (err) {
      throw this.#failure(err, deadline);
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Reads an SSE body to its end, handing each JSON-RPC message to `onMessage`. Blank events
   * (comments, priming events) are skipped; an event that is not JSON-RPC is logged and skipped.
   * Returns false if onMessage asked to stop early (the rest is then drained in the background).
   */
  async readEvents(body: ReplyBody, onMessage: (m: JsonRpcMessage) => boolean | void, onEvent?: (ev: SseMessageEvent) => void): Promise<boolean> {
    const reader = new SseReader(MAX_HTTP_MESSAGE_BYTES);
    const iterator: AsyncIterator<Uint8Array> = body[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await iterator.next();
      } catch (err) {
        throw new UpstreamError('unreachable', this.config.name, `The stream from MCP upstream "${this.config.name}" broke: ${describe(err)}.`, { cause: err });
      }
      let events: SseMessageEvent[];
      try {
        if (next.done) {
          const tail = reader.flush();
          events = tail === undefined ? [] : [tail];
        } else events = reader.push(next.value);
      } catch (err) {
        discard(body);
        if (err instanceof SseEventTooLarge) throw new UpstreamError('protocol', this.config.name, err.message, { cause: err });
        throw err;
      }
      for (const ev of events) {
        onEvent?.(ev);
        const message = this.#parseEvent(ev);
        if (message !== undefined && onMessage(message) === true) {
          drain(body, iterator);
          return false;
        }
      }
      if (next.done) return true;
    }
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }

  #parseEvent(ev: SseMessageEvent): JsonRpcMessage | undefined {
    if (ev.data === undefined || ev.data.trim() === '') return undefined;
    try {
      return parseMessage(ev.data);
    } catch (err) {
      this.logger.warn({ upstream: this.config.name, data: ev.data.slice(0, 200), err: describe(err) }, 'MCP upstream sent an SSE event that is not JSON-RPC');
      return undefined;
    }
  }

  async #send(method: 'POST' | 'GET' | 'DELETE', headers: Record<string, string>, body: string | undefined, signal: AbortLike): Promise<ResponseData> {
    const all: Record<string, string> = { ...this.#baseHeaders, ...headers };
    if (method === 'POST') {
      all.accept = 'application/json, text/event-stream';
      all['content-type'] = 'application/json';
    }
    // undici takes any EventTarget-like object as `signal` (its types name only AbortSignal).
    return poolRequest(this.#pool, { method, path: this.#path, headers: all, body, signal: signal as AbortSignal });
  }

  /** A request's POST, through dispatchHttp: failures reject with undici's error, or the deadline's reason. */
  #post(headers: Record<string, string>, body: string, deadline: Deadline): Promise<Reply> {
    const all: Record<string, string> = { ...this.#baseHeaders, ...headers };
    all.accept = 'application/json, text/event-stream';
    all['content-type'] = 'application/json';
    return dispatchHttp(this.#pool, { method: 'POST', path: this.#path, headers: all, body, abort: deadline, transportError: asIs }).then(asReply);
  }

  async #reply(res: Reply, id: JsonRpcId, ctx: CallContext, deadline: Deadline): Promise<JsonRpcResponse> {
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    if (ok && contentType(res.headers) === 'text/event-stream') return this.#readStream(res, id, ctx, deadline);
    const text = await readText(res.body, MAX_HTTP_MESSAGE_BYTES, this.config.name);
    if (ok) {
      if (text.trim() === '') throw this.#protocol(`answered a request with ${res.statusCode} and no body`);
      const message = parseReply(text);
      if (message !== undefined && isResponse(message) && message.id === id) return message;
      throw this.#protocol('answered a request with a body that is not its JSON-RPC response');
    }
    if (res.statusCode === 404 && ctx.sessionful) throw this.#expired();
    const message = parseReply(text);
    if (message !== undefined && isResponse(message) && message.id === id && message.error !== undefined) return message;
    throw this.#httpError(res.statusCode, text);
  }

  /** Reads the request's SSE stream up to its response, resuming it (session era) if it breaks off. */
  async #readStream(first: Reply, id: JsonRpcId, ctx: CallContext, deadline: Deadline): Promise<JsonRpcResponse> {
    let res: Reply = first;
    let lastEventId: string | undefined;
    let retryMs = DEFAULT_RETRY_MS;
    let resumes = 0;
    for (;;) {
      let response: JsonRpcResponse | undefined;
      let broken: unknown;
      try {
        await this.readEvents(
          res.body,
          (m) => {
            if (isResponse(m)) {
              if (m.id === id) response = m;
              else this.logger.debug({ upstream: this.config.name, id: m.id }, 'MCP upstream sent a response for another request; dropped');
              return response !== undefined;
            }
            safeDeliver(ctx.deliver, m, this.logger, this.config.name);
          },
          (ev) => {
            if (ev.id !== undefined && ev.id !== '') {
              lastEventId = ev.id;
              resumes = 0;
            }
            if (ev.retry !== undefined) retryMs = Math.min(ev.retry, MAX_RETRY_MS);
          },
        );
      } catch (err) {
        if (!(err instanceof UpstreamError) || err.kind !== 'unreachable') throw err;
        broken = err;
      }
      if (response !== undefined) return response;
      if (ctx.resume === undefined || lastEventId === undefined || resumes >= MAX_RESUMES || deadline.aborted) {
        throw broken ?? new UpstreamError('unreachable', this.config.name, `The stream from MCP upstream "${this.config.name}" ended before the response.`);
      }
      resumes += 1;
      await delay(retryMs, deadline);
      res = await ctx.resume(lastEventId, deadline);
      if (res.statusCode !== 200 || contentType(res.headers) !== 'text/event-stream') {
        const status = res.statusCode;
        await readText(res.body, MAX_HTTP_MESSAGE_BYTES, this.config.name).catch(() => '');
        if (status === 404 && ctx.sessionful) throw this.#expired();
        throw new UpstreamError('unreachable', this.config.name, `Resuming the stream of MCP upstream "${this.config.name}" failed with HTTP ${status}.`, { status });
      }
    }
  }

  /** Maps anything thrown during an exchange to what the caller sees. */
  #failure(err: unknown, deadline: Deadline): unknown {
    if (deadline.callerAborted) return deadline.abortReason();
    if (deadline.timedOut) {
      return new UpstreamError('timeout', this.config.name, `MCP upstream "${this.config.name}" did not answer within ${this.config.timeoutMs} ms.`, { cause: err });
    }
    if (err instanceof UpstreamError) return err;
    return new UpstreamError('unreachable', this.config.name, `MCP upstream "${this.config.name}" could not be reached (${describe(err)}).`, { cause: err });
  }

  #expired(): UpstreamError {
    return new UpstreamError('session_expired', this.config.name, `MCP upstream "${this.config.name}" no longer knows the session (HTTP 404).`, { status: 404 });
  }

  #protocol(what: string): UpstreamError {
    return new UpstreamError('protocol', this.config.name, `MCP upstream "${this.config.name}" ${what}.`);
  }

  #httpError(status: number, body: string): UpstreamError {
    const snippet = body.trim().slice(0, 200);
    return new UpstreamError('http', this.config.name, `MCP upstream "${this.config.name}" answered HTTP ${status}${snippet === '' ? '' : `: ${snippet}`}.`, { status });
  }
}

/** Ends a streamed body when `signal` aborts. */
function endWith(res: ResponseData, signal: AbortLike): void {
  const onAbort = (): void => void res.body.destroy(signal.reason instanceof Error ? signal.reason : undefined);
  if (signal.aborted) onAbort();
  else {
    signal.addEventListener('abort', onAbort, { once: true });
    res.body.once('close', () => signal.removeEventListener('abort', onAbort));
  }
}

export function contentType(headers: ResponseData['headers']): string {
  const value = headers['content-type'];
  const first = Array.isArray(value) ? value[0] : value;
  return (first ?? '').split(';')[0].trim().toLowerCase();
}

export function headerValue(headers: ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseReply(text: string): JsonRpcMessage | undefined {
  try {
    return parseMessage(text);
  } catch {
    return undefined;
  }
}

/** The whole body as text, failing past `limit` bytes (read with listeners: no async iterator per body). */
export function readText(body: ReplyBody, limit: number, upstream: string): Promise<string> {
  if (body instanceof HttpBody) {
    return body.collect(limit).then((bytes) => {
      if (bytes === undefined) throw tooLarge(upstream, limit);
      return bytes.toString('utf8');
    });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let overLimit = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.byteLength;
      if (size > limit) {
        overLimit = true;
        body.off('data', onData);
        body.destroy();
        reject(tooLarge(upstream, limit));
        return;
      }
      chunks.push(chunk);
    };
    body.on('data', onData);
    // finished() also reports a body that broke or closed early (ERR_STREAM_PREMATURE_CLOSE), and
    // one that had already ended or failed before it was read.
    finished(body, (err) => {
      body.off('data', onData);
      if (overLimit) return;
      if (err !== undefined && err !== null) reject(err);
      else resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    });
  });
}

function tooLarge(upstream: string, limit: number): UpstreamError {
  return new UpstreamError('protocol', upstream, `MCP upstream "${upstream}" sent a body larger than ${limit} bytes.`);
}

/** Stops reading a body and lets its connection go. */
function discard(body: ReplyBody): void {
  if (body instanceof HttpBody) body.close();
  else body.destroy();
}

const asIs = (err: Error): Error => err;

function asReply(res: UpstreamResponse): Reply {
  return { statusCode: res.status, headers: res.headers, body: res.body as HttpBody };
}

/** Lets the rest of a stream end on its own (keeping the connection), or drops it after a grace period. */
function drain(body: ReplyBody, iterator: AsyncIterator<Uint8Array>): void {
  const timer = setTimeout(() => discard(body), DRAIN_GRACE_MS);
  timer.unref();
  void (async () => {
    try {
      while (!(await iterator.next()).done);
    } catch {
      // The stream was dropped: nothing is waiting for it any more.
    } finally {
      clearTimeout(timer);
    }
  })();
}
