/**
 * The HTTP side shared by every provider that is reached over the network: one undici Pool per
 * provider (keep-alive), one POST per attempt with the body sent as the bytes it already is
 * (http-dispatch.ts), a response whose dispose() frees the connection, and transport failures
 * mapped to the catalogue. A provider module adds only what is its own: paths, auth headers and
 * error classification.
 */
import { Pool, undiciErrors } from './undici-pool.js';
import { z } from 'zod';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { UpstreamRequest, UpstreamResponse } from './types.js';
import { dispatchHttp, type AbortSource } from './http-dispatch.js';

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
  const failed = (err: Error): GatehouseError => transportError(provider, err);
  return {
    post(path, headers, request) {
      return dispatchHttp(pool, { method: 'POST', path: basePath + path, headers, body: request.body, abort: abortSource(request), transportError: failed });
    },
    close: () => pool.close(),
  };
}

/** The attempt's abort: the request itself when it has the light hook, else its AbortSignal. */
function abortSource(request: UpstreamRequest): AbortSource {
  if (request.onAbort !== undefined) return request as AbortSource;
  return {
    onAbort(listener) {
      const signal = request.signal;
      if (signal.aborted) {
        listener(signal.reason);
        return () => undefined;
      }
      const handler = (): void => listener(signal.reason);
      signal.addEventListener('abort', handler, { once: true });
      return () => signal.removeEventListener('abort', handler);
    },
  };
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
