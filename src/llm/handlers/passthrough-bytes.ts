import type { Exchange } from '../../pipeline/exchange.js';
import { scanJson, withModel } from '../formats/json-scan.js';

/**
 * The bytes to send a provider that speaks the client's format: the client's own bytes when
 * nothing changed, with the model id spliced in when the route renames it, and a re-serialised
 * body only when a policy rewrote a text slot. `outBody` is the parsed body to send.
 */
export function passthroughBytes(exchange: Exchange, raw: Buffer, upstreamModel: string, outBody: Record<string, unknown>): Buffer {
  if (exchange.bodyChanged) return Buffer.from(JSON.stringify(outBody));
  if (upstreamModel === exchange.requestedModel) return raw;
  // The scan that locates the model runs only for a route that renames it.
  const scan = (exchange.bodyScan ??= scanJson(raw, Number.POSITIVE_INFINITY));
  return (scan !== undefined ? withModel(raw, scan, upstreamModel) : undefined) ?? Buffer.from(JSON.stringify(outBody));
}
