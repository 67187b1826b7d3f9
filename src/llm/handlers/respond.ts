import type { ServerResponse } from 'node:http';
import type { Exchange } from '../../pipeline/exchange.js';
import { costHeader, overheadHeader } from './account.js';

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

/** A provider's successful JSON answer, as received, with the gateway's headers. */
export function sendProviderJson(exchange: Exchange, res: ServerResponse, body: Buffer): void {
  exchange.status = 200;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'x-gatehouse-overhead-ms': overheadHeader(exchange),
  };
  const cost = costHeader(exchange.costUsd);
  if (cost !== undefined) headers['x-gatehouse-cost-usd'] = cost;
  res.writeHead(200, headers);
  res.end(body);
}
