/**
 * The HTTP side shared by every provider that is reached over the network: one undici Pool per
 * provider (keep-alive), one POST per attempt with the body sent as the bytes it already is, a
 * response whose dispose() frees the connection, and transport failures mapped to the catalogue.
 * A provider module adds only what is its own: paths, auth headers and error classification.
 */
import { Pool, errors as undiciErrors } from 'undici';
import { z } from 'zod';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { UpstreamRequest, UpstreamResponse } from './types.js';

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
    async post(path, headers, request) {
      try {
        const res = await pool.request({ method: 'POST', path: basePath + path, headers, body: request.body, signal: request.signal });
        const body = res.body;
        return {
          status: res.statusCode,
          headers: res.headers,
          body,
          dispose() {
            // Destroying a body that was read to the end would close the connection instead of
            // returning it to the pool: only an unfinished body is destroyed.
            if (!body.destroyed && !body.readableEnded) body.destroy();
          },
        };
      } catch (err) {
        throw transportError(provider, err, request.signal);
      }
    },
    close: () => pool.close(),
  };
}

/** Maps an undici transport failure to the catalogue. An abort is re-thrown as its reason. */
export function transportError(provider: string, err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason ?? err;
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return new GatehouseError('upstream_timeout', `Provider "${provider}" did not answer in time.`, { cause: err });
  }
  const code = (err as { code?: string }).code ?? 'unknown';
  return new GatehouseError('upstream_unreachable', `Provider "${provider}" could not be reached (${code}).`, { cause: err });
}
