import type { ServerResponse } from 'node:http';
import type { Exchange } from '../../pipeline/exchange.js';
import { overheadHeader } from './account.js';

/** Largest non-streamed provider response the gateway buffers. */
export const MAX_UPSTREAM_BODY = 64 * 1024 * 1024;

/**
 * A provider's own 4xx for a caller mistake (a bad parameter, a context too long): the client gets
 * it as the provider sent it, so OpenAI clients see exactly the error OpenAI would have given.
 */
export function sendPassthrough(exchange: Exchange, res: ServerResponse, status: number, body: Buffer): void {
  exchange.status = status;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'x-gatehouse-overhead-ms': overheadHeader(exchange),
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}
