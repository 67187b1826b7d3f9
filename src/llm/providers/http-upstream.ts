/**
 * The HTTP side shared by every provider that is reached over the network: one undici Pool per
 * provider (keep-alive), one POST per attempt with the body sent as the bytes it already is, a
 * response whose dispose() frees the connection, and transport failures mapped to the catalogue.
 * A provider module adds only what is its own: paths, auth headers and error classification.
 *
 * The request goes through `Pool.dispatch` with a handler of our own rather than `pool.request`:
 * no AbortSignal (the attempt's own abort hook), no Readable body and no stream iterator (an
 * HttpBody queue). That is most of what a proxied request costs beyond the bytes (bench/).
 */
import { Pool, undiciErrors, type Dispatcher } from './undici-pool.js';
import { z } from 'zod';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { UpstreamRequest, UpstreamResponse } from './types.js';
import { HttpBody } from './http-body.js';

/** Config fields every HTTP provider has, with the same meaning and documentation. */
export const httpProviderFields = {
  headers: z.record(z.string(), z.string()).default({}).describe('Extra headers sent with every request.'),
  connections: z.number().int().min(1).max(1024).default(128).describe('Maximum open connections to this provider.'),
};

export interface HttpUpstream {
  /** POSTs `request.body` to `path` (relative to the base URL's path) with exactly `headers`. */
  post(path: string, headers: Readonly<Record<string, string>>, request: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

/** A pool for `baseUrl`'s origin; paths are appended to `baseUrl`'s own path (e.g. /v1). */
export function createHttpUpstream(provider: string, baseUrl: string, connections: number): HttpUpstream {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, {
    connections,
    keepAliveTimeout: 30_000,
    // Timeouts are applied per attempt by routing/ (so they compose with retries); these are backstops.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  return {
    post(path, headers, request) {
      return new Promise((resolve, reject) => {
        const exchange = new PostExchange(provider, request, resolve, reject);
        // Aborted before it started (the client already left): no connection is taken for it.
        if (exchange.settled) return;
        try {
          pool.dispatch({ method: 'POST', path: basePath + path, headers, body: request.body }, exchange);
        } catch (err) {
          exchange.onResponseError(undefined, err as Error);
        }
      });
    },
    close: () => pool.close(),
  };
}

/** Subscribes to the attempt's abort: its light hook when it has one, else the AbortSignal. */
function onAbort(request: UpstreamRequest, listener: (reason: unknown) => void): () => void {
  if (request.onAbort !== undefined) return request.onAbort(listener);
  const signal = request.signal;
  if (signal.aborted) {
    listener(signal.reason);
    return () => undefined;
  }
  const handler = (): void => listener(signal.reason);
  signal.addEventListener('abort', handler, { once: true });
  return () => signal.removeEventListener('abort', handler);
}

/** One POST: resolves with status and headers, then feeds the body; maps failures to the catalogue. */
class PostExchange implements Dispatcher.DispatchHandler {
  readonly #provider: string;
  readonly #resolve: (response: UpstreamResponse) => void;
  readonly #reject: (err: unknown) => void;
  readonly #unsubscribe: () => void;
  #controller: Dispatcher.DispatchController | undefined;
  #body: HttpBody | undefined;
  /** Why the attempt was aborted (its timeout, the client leaving), once it is. */
  #abortReason: unknown;
  #aborted = false;
  #settled = false;

  constructor(provider: string, request: UpstreamRequest, resolve: (response: UpstreamResponse) => void, reject: (err: unknown) => void) {
    this.#provider = provider;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#unsubscribe = onAbort(request, (reason) => this.#abort(reason));
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
    const error = this.#aborted ? this.#abortReason : transportError(this.#provider, err);
    if (!this.#settled) {
      this.#settled = true;
      this.#reject(error);
    } else {
      this.#body?.fail(error);
    }
  }
}

/** Maps an undici transport failure to the catalogue. */
export function transportError(provider: string, err: unknown): GatehouseError {
  if (err instanceof GatehouseError) return err;
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return new GatehouseError('upstream_timeout', `Provider "${provider}" did not answer in time.`, { cause: err });
  }
  const code = (err as { code?: string }).code ?? 'unknown';
  return new GatehouseError('upstream_unreachable', `Provider "${provider}" could not be reached (${code}).`, { cause: err });
}
