import { GatehouseError } from '../errors/gatehouse-error.js';
import { isJsonObject } from '../llm/formats/json-object.js';
import { clientProviderKey } from './provider-key.js';
import type { Exchange } from '../pipeline/exchange.js';
import type { CompiledRoute } from '../config/runtime.js';
import type { UpstreamRequest, UpstreamResponse } from '../llm/providers/types.js';
import { Abort } from '../pipeline/abort.js';
import { Deadline } from '../pipeline/deadline.js';

/** Largest upstream error body read to classify it (the rest is discarded). */
const ERROR_BODY_LIMIT = 64 * 1024;

export type AttemptResult =
  | { readonly kind: 'response'; readonly response: UpstreamResponse }
  /** A 4xx the caller caused (bad parameter...): passed through to the client as the provider sent it. */
  | { readonly kind: 'passthrough'; readonly status: number; readonly body: Buffer };

export interface AttemptInput {
  readonly operation: UpstreamRequest['operation'];
  readonly model: string;
  readonly body: Buffer;
  readonly parsed: Record<string, unknown>;
}

/**
 * An input whose `parsed` is read back from `body` when first asked for, for a forwarder that has
 * let go of its parse (Exchange.releaseBody): the bytes are what was parsed and sent, so the parse
 * is the same; only an in-process provider (the simulator) asks. A class, not an object literal
 * with a getter: each such literal gets a hidden class of its own, which cost ~9 µs of GC per
 * request at one connection.
 */
export class ReparsedInput implements AttemptInput {
  #parsed: Record<string, unknown> | undefined;

  constructor(
    readonly operation: AttemptInput['operation'],
    readonly model: string,
    readonly body: Buffer,
  ) {}

  get parsed(): Record<string, unknown> {
    return (this.#parsed ??= JSON.parse(this.body.toString('utf8')) as Record<string, unknown>);
  }
}

/**
 * Sends one attempt to the route's provider: a headers timeout, an idle timeout between body
 * chunks, the client's abort signal, error classification, and the attempt recorded on the
 * Exchange. Retries and fallback (later) wrap this function; they never reach inside it.
 */
export async function sendAttempt(exchange: Exchange, route: CompiledRoute, input: AttemptInput): Promise<AttemptResult> {
  const provider = route.provider;
  const providerKey = clientProviderKey(exchange, route.clientProviderKey);
  if (provider.unavailableReason !== undefined && providerKey === undefined) {
    throw new GatehouseError('provider_not_configured', `Model "${exchange.requestedModel}" cannot be served: ${provider.unavailableReason}.`);
  }
  // One abort per attempt, triggered by the request's cancellation and by our timeouts.
  const control = new Abort();
  const release = exchange.onCancel(() => control.abort(exchange.cancelled));
  const attempt = { provider: provider.name, model: input.model, startedMs: exchange.elapsedMs(), durationMs: 0 } as Exchange['attempts'][number];
  exchange.attempts.push(attempt);
  const started = performance.now();
  const timer = new Deadline(
    route.timeoutMs,
    () => control.abort(new GatehouseError('upstream_timeout', `Provider "${provider.name}" did not answer within ${route.timeoutMs} ms.`)),
    undefined,
  );
  let response: UpstreamResponse;
  try {
    response = await provider.send(new AttemptRequest(input, exchange, providerKey, control));
  } catch (err) {
    release();
    const error = asUpstreamError(err, provider.name);
    attempt.error = error.code;
    throw error;
  } finally {
    timer.clear();
    const waited = performance.now() - started;
    exchange.upstreamMs += waited;
    attempt.durationMs = waited;
  }
  attempt.status = response.status;
  const guarded = withIdleTimeout(response, exchange, route, control, release, attempt);
  if (response.status < 400) return { kind: 'response', response: guarded };
  // The error body is read under the same idle timeout: a provider that stalls after its error
  // headers must not hold the request. An unreadable body is classified by status alone.
  const body = await readLimited(guarded, ERROR_BODY_LIMIT).catch(() => Buffer.alloc(0));
  release();
  const text = body.toString('utf8');
  const error = provider.classifyError(response.status, response.headers, text);
  if (error === undefined) {
    if (isErrorDocument(text)) return { kind: 'passthrough', status: response.status, body };
    // Not the provider's error format (an HTML 404 from a wrong baseUrl, a proxy's page): the
    // client could not act on it, so it is a provider error, with the status recorded.
    const wrapped = new GatehouseError('upstream_error', `Provider "${provider.name}" answered HTTP ${response.status} with a body that is not an API error.`, { upstreamStatus: response.status });
    attempt.error = wrapped.code;
    throw wrapped;
  }
  attempt.error = error.code;
  throw error;
}

/** What a provider gets for one attempt; a class, so that the lazy `signal` costs no per-request accessor. */
class AttemptRequest implements UpstreamRequest {
  readonly operation: UpstreamRequest['operation'];
  readonly model: string;
  readonly body: Buffer;
  readonly stream: boolean;
  readonly clientHeaders: UpstreamRequest['clientHeaders'];
  readonly requestId: string;
  readonly providerKey: string | undefined;
  readonly #control: Abort;
  readonly #input: AttemptInput;

  constructor(input: AttemptInput, exchange: Exchange, providerKey: string | undefined, control: Abort) {
    this.operation = input.operation;
    this.model = input.model;
    this.body = input.body;
    this.#input = input;
    this.stream = exchange.stream;
    this.clientHeaders = exchange.headers;
    this.requestId = exchange.id;
    this.providerKey = providerKey;
    this.#control = control;
  }

  /** Read from the input when asked: an input may build it only then (see ReparsedInput). */
  get parsed(): Record<string, unknown> {
    return this.#input.parsed;
  }

  get signal(): AbortSignal {
    return this.#control.signal;
  }

  onAbort(listener: (reason: unknown) => void): () => void {
    return this.#control.onAbort(listener);
  }
}

function asUpstreamError(err: unknown, provider: string): GatehouseError {
  if (err instanceof GatehouseError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new GatehouseError('upstream_unreachable', `Provider "${provider}" failed: ${message}`, { cause: err });
}

/**
 * Wraps the body so that silence longer than the route's stream idle timeout aborts the attempt,
 * and so that time spent waiting on the provider counts as upstream time, not gateway overhead.
 * One timer per body (re-armed per read or chunk) and no closure per read: this runs for every
 * chunk of every response.
 */
function withIdleTimeout(
  response: UpstreamResponse,
  exchange: Exchange,
  route: CompiledRoute,
  control: Abort,
  release: () => void,
  attempt: Exchange['attempts'][number],
): UpstreamResponse {
  return new GuardedBody(response, exchange, route, control, release, attempt);
}

const isLastRead = (result: IteratorResult<Uint8Array>): boolean => result.done === true;
const isWhole = (): boolean => true;

function onIdle(body: GuardedBody): void {
  body.idle();
}

/** The guarded response and its body in one object (one allocation per attempt, not four). */
class GuardedBody implements UpstreamResponse, AsyncIterableIterator<Uint8Array> {
  readonly status: number;
  readonly headers: UpstreamResponse['headers'];
  readonly body: AsyncIterableIterator<Uint8Array> = this;
  readonly #response: UpstreamResponse;
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #exchange: Exchange;
  readonly #attempt: Exchange['attempts'][number];
  readonly #control: Abort;
  readonly #release: () => void;
  readonly #provider: string;
  readonly #idleMs: number;
  readonly #timer: Deadline<GuardedBody>;
  #timedOut: GatehouseError | undefined;
  #waiting = false;
  #started = 0;
  #finished = false;

  constructor(response: UpstreamResponse, exchange: Exchange, route: CompiledRoute, control: Abort, release: () => void, attempt: Exchange['attempts'][number]) {
    this.status = response.status;
    this.headers = response.headers;
    this.#response = response;
    this.#source = response.body[Symbol.asyncIterator]();
    this.#exchange = exchange;
    this.#attempt = attempt;
    this.#control = control;
    this.#release = release;
    this.#provider = route.provider.name;
    this.#idleMs = route.streamIdleTimeoutMs;
    this.#timer = new Deadline<GuardedBody>(this.#idleMs, onIdle, this);
  }

  /** The idle timer fired. Only silence while we wait on the provider counts: a slow client is not the provider's fault. */
  idle(): void {
    if (!this.#waiting) return void this.#timer.refresh();
    this.#timedOut = new GatehouseError('upstream_timeout', `Provider "${this.#provider}" sent nothing for ${this.#idleMs} ms.`);
    this.#control.abort(this.#timedOut);
    this.#response.dispose();
  }

  #wait(): void {
    this.#waiting = true;
    this.#started = performance.now();
    this.#timer.refresh();
  }

  #waited(): void {
    this.#waiting = false;
    const ms = performance.now() - this.#started;
    this.#exchange.upstreamMs += ms;
    this.#attempt.durationMs += ms;
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#timer.clear();
    this.#release();
  }

  #failure(err: unknown): GatehouseError {
    return this.#control.aborted ? asUpstreamError(this.#control.reason, this.#provider) : asUpstreamError(err, this.#provider);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#finished) return Promise.resolve({ done: true, value: undefined });
    this.#wait();
    return this.#settle(this.#source.next(), isLastRead);
  }

  /**
   * A read from the provider settled: stops the wait's clock, finishes the body when `ends` says
   * this read was its last (a disposed stream can end quietly: if it was our timeout, say so), and
   * turns a failure into the attempt's error.
   */
  #settle<T>(pending: Promise<T>, ends: (value: T) => boolean): Promise<T> {
    return pending.then(
      (value) => {
        this.#waited();
        if (ends(value)) {
          this.#finish();
          if (this.#timedOut !== undefined) throw this.#timedOut;
        }
        return value;
      },
      (err: unknown) => {
        this.#waited();
        this.#finish();
        throw this.#failure(err);
      },
    );
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    this.#finish();
    await this.#source.return?.();
    return { done: true, value: undefined };
  }

  dispose(): void {
    this.#response.dispose();
  }

  /**
   * The whole body: through the source's collect (the timer re-armed by each chunk), else by
   * reading it. Chained with then rather than awaited: one promise on every plain answer's path.
   */
  collect(limit: number): Promise<Buffer | undefined> {
    if (this.#finished) return Promise.resolve(Buffer.alloc(0));
    if (this.#response.collect === undefined) return this.#collectByReading(limit);
    this.#wait();
    let collecting: Promise<Buffer | undefined>;
    try {
      collecting = this.#response.collect(limit, () => this.#timer.refresh());
    } catch (err) {
      collecting = Promise.reject(err);
    }
    return this.#settle(collecting, isWhole);
  }

  async #collectByReading(limit: number): Promise<Buffer | undefined> {
    const body = await readUpTo(this, limit);
    if (body === undefined) this.#response.dispose();
    return body;
  }
}

/** A body read to its end, or undefined as soon as it passes `limit` bytes (reading stops there). */
async function readUpTo(body: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Reads a body up to `limit` bytes, then disposes of the rest. */
export async function readLimited(response: UpstreamResponse, limit: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) break;
    }
  } finally {
    response.dispose();
  }
  return Buffer.concat(chunks, Math.min(size, limit));
}

/** Reads a whole body; a body larger than `limit` is an invalid response, not something to buffer. */
export function readAll(response: UpstreamResponse, limit: number, provider: string): Promise<Buffer> {
  let collecting: Promise<Buffer | undefined>;
  try {
    collecting = response.collect !== undefined ? response.collect(limit) : readUpTo(response.body, limit);
  } catch (err) {
    collecting = Promise.reject(err);
  }
  return collecting.then(
    (body) => {
      response.dispose();
      if (body === undefined) throw new GatehouseError('upstream_invalid_response', `Provider "${provider}" sent a response larger than ${limit} bytes.`);
      return body;
    },
    (err: unknown) => {
      response.dispose();
      throw err;
    },
  );
}

/**
 * An API error document: a JSON object with an `error` member (OpenAI, Anthropic and most
 * OpenAI-compatible servers) or `{"object":"error","message":...}` (vLLM).
 */
function isErrorDocument(text: string): boolean {
  try {
    const json = JSON.parse(text) as unknown;
    if (!isJsonObject(json)) return false;
    return 'error' in json || (json.object === 'error' && typeof json.message === 'string');
  } catch {
    return false;
  }
}
