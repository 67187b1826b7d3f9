/**
 * One HTTP request through `Pool.dispatch` with a handler of our own rather than `pool.request`:
 * no AbortSignal (the caller's own abort hook), no Readable body and no stream iterator (an
 * HttpBody queue). That is most of what a proxied request costs beyond the bytes (bench/). Used by
 * the LLM providers (http-upstream.ts) and the MCP upstream channel.
 */
import type { Dispatcher, Pool } from './undici-pool.js';
import type { UpstreamResponse } from './types.js';
import { HttpBody } from './http-body.js';

/** The request's abort (an attempt, an MCP call's deadline): `listener` gets the reason, at once if already aborted. */
export interface AbortSource {
  onAbort(listener: (reason: unknown) => void): () => void;
}

export interface HttpDispatch {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer | undefined;
  readonly abort: AbortSource;
  /** What a transport failure (refused, reset, a parser error) is rejected with. An abort is rejected with its reason. */
  readonly transportError: (err: Error) => unknown;
}

/** Resolves at the response headers, the body then read from the response (or disposed of). */
export function dispatchHttp(pool: Pool, request: HttpDispatch): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const exchange = new HttpExchange(request, resolve, reject);
    // Aborted before it started (the client already left): no connection is taken for it.
    if (exchange.settled) return;
    try {
      pool.dispatch({ method: request.method, path: request.path, headers: request.headers, body: request.body }, exchange);
    } catch (err) {
      exchange.onResponseError(undefined, err as Error);
    }
  });
}

/** One request: resolves with status and headers, then feeds the body; failures go through `transportError`. */
class HttpExchange implements Dispatcher.DispatchHandler {
  readonly #transportError: (err: Error) => unknown;
  readonly #resolve: (response: UpstreamResponse) => void;
  readonly #reject: (err: unknown) => void;
  readonly #unsubscribe: () => void;
  #controller: Dispatcher.DispatchController | undefined;
  #body: HttpBody | undefined;
  /** Why the request was aborted (its timeout, the client leaving), once it is. */
  #abortReason: unknown;
  #aborted = false;
  #settled = false;

  constructor(request: HttpDispatch, resolve: (response: UpstreamResponse) => void, reject: (err: unknown) => void) {
    this.#transportError = request.transportError;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#unsubscribe = request.abort.onAbort((reason) => this.#abort(reason));
  }

  #abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    // A request still queued for a connection has no controller yet: it is aborted when it gets
    // one (onRequestStart); the caller hears now.
    this.#controller?.abort(reason instanceof Error ? reason : new Error(String(reason)));
    if (!this.#settled) {
      this.#settled = true;
      this.#reject(reason);
    } else {
      this.#body?.fail(reason);
    }
  }

  get settled(): boolean {
    return this.#settled;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#aborted) controller.abort(this.#abortReason instanceof Error ? this.#abortReason : new Error('aborted'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (this.#settled) return;
    this.#settled = true;
    const body = new HttpBody({
      pause: () => controller.pause(),
      resume: () => controller.resume(),
      abort: () => {
        this.#unsubscribe();
        if (!controller.aborted) controller.abort(new Error('response body discarded'));
      },
    });
    this.#body = body;
    this.#resolve({
      status: statusCode,
      headers,
      body,
      collect: (limit, onChunk) => body.collect(limit, onChunk),
      // Only an unfinished body is aborted: one read to the end leaves its connection to the pool.
      dispose: () => body.close(),
    });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#body?.push(chunk);
  }

  onResponseEnd(): void {
    this.#unsubscribe();
    this.#body?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.#unsubscribe();
    const error = this.#aborted ? this.#abortReason : this.#transportError(err);
    if (!this.#settled) {
      this.#settled = true;
      this.#reject(error);
    } else {
      this.#body?.fail(error);
    }
  }
}
