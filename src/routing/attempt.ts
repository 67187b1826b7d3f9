import { GatehouseError } from '../errors/gatehouse-error.js';
import { isJsonObject } from '../llm/formats/json-object.js';
import { clientProviderKey } from './provider-key.js';
import type { Exchange } from '../pipeline/exchange.js';
import type { CompiledRoute } from '../config/runtime.js';
import type { UpstreamRequest, UpstreamResponse } from '../llm/providers/types.js';

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
  // One controller per attempt, aborted by the request's cancellation and by our timeouts.
  const control = new AbortController();
  const release = exchange.onCancel(() => control.abort(exchange.cancelled));
  const signal = control.signal;
  const attempt = { provider: provider.name, model: input.model, startedMs: exchange.elapsedMs(), durationMs: 0 } as Exchange['attempts'][number];
  exchange.attempts.push(attempt);
  const started = performance.now();
  const timer = setTimeout(
    () => control.abort(new GatehouseError('upstream_timeout', `Provider "${provider.name}" did not answer within ${route.timeoutMs} ms.`)),
    route.timeoutMs,
  );
  let response: UpstreamResponse;
  try {
    response = await provider.send({
      operation: input.operation,
      model: input.model,
      body: input.body,
      parsed: input.parsed,
      stream: exchange.stream,
      clientHeaders: exchange.headers,
      requestId: exchange.id,
      providerKey,
      signal,
    });
  } catch (err) {
    release();
    const error = asUpstreamError(err, provider.name);
    attempt.error = error.code;
    throw error;
  } finally {
    clearTimeout(timer);
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

function asUpstreamError(err: unknown, provider: string): GatehouseError {
  if (err instanceof GatehouseError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new GatehouseError('upstream_unreachable', `Provider "${provider}" failed: ${message}`, { cause: err });
}

/**
 * Wraps the body so that silence longer than the route's stream idle timeout aborts the attempt,
 * and so that time spent waiting on the provider counts as upstream time, not gateway overhead.
 * A plain iterator with one timer per body (re-armed per read), not an async generator with a
 * timer per chunk: this runs for every chunk of every response.
 */
function withIdleTimeout(
  response: UpstreamResponse,
  exchange: Exchange,
  route: CompiledRoute,
  control: AbortController,
  release: () => void,
  attempt: Exchange['attempts'][number],
): UpstreamResponse {
  const provider = route.provider.name;
  const idleMs = route.streamIdleTimeoutMs;
  const source = response.body[Symbol.asyncIterator]();
  let timedOut: GatehouseError | undefined;
  let waiting = false;
  let started = 0;
  let finished = false;
  // Only silence while we wait on the provider counts; a slow client is not the provider's fault.
  const timer = setTimeout(function onIdle() {
    if (!waiting) return void timer.refresh();
    timedOut = new GatehouseError('upstream_timeout', `Provider "${provider}" sent nothing for ${idleMs} ms.`);
    control.abort(timedOut);
    response.dispose();
  }, idleMs);
  timer.unref();
  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    release();
  };
  const waited = (): void => {
    waiting = false;
    const ms = performance.now() - started;
    exchange.upstreamMs += ms;
    attempt.durationMs += ms;
  };
  const iterator: AsyncIterableIterator<Uint8Array> = {
    [Symbol.asyncIterator]() {
      return iterator;
    },
    next() {
      if (finished) return Promise.resolve({ done: true, value: undefined });
      waiting = true;
      started = performance.now();
      timer.refresh();
      return source.next().then(
        (result) => {
          waited();
          if (result.done === true) {
            finish();
            // A disposed stream can end quietly; if it was our timeout, say so.
            if (timedOut !== undefined) throw timedOut;
          }
          return result;
        },
        (err: unknown) => {
          waited();
          finish();
          throw control.signal.aborted ? asUpstreamError(control.signal.reason, provider) : asUpstreamError(err, provider);
        },
      );
    },
    async return() {
      finish();
      await source.return?.();
      return { done: true, value: undefined };
    },
  };
  return { status: response.status, headers: response.headers, body: iterator, dispose: () => response.dispose() };
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
export async function readAll(response: UpstreamResponse, limit: number, provider: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > limit) throw new GatehouseError('upstream_invalid_response', `Provider "${provider}" sent a response larger than ${limit} bytes.`);
      chunks.push(chunk);
    }
  } finally {
    response.dispose();
  }
  return Buffer.concat(chunks, size);
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
