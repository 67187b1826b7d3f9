import { GatehouseError } from '../errors/gatehouse-error.js';
import type { Exchange } from '../pipeline/exchange.js';

/** Where a caller puts its own provider key on a bring-your-own-key route. */
export const PROVIDER_KEY_HEADER = 'x-gatehouse-provider-key';

/**
 * The caller's provider key when its route allows bring-your-own-key. Sent to a route that does
 * not, the header is refused rather than ignored: the caller believes it pays, and must not be
 * billed to the gateway's key without knowing.
 */
export function clientProviderKey(exchange: Exchange, allowed: boolean): string | undefined {
  const value = exchange.headers[PROVIDER_KEY_HEADER];
  const key = typeof value === 'string' ? value.trim() : undefined;
  if (key === undefined || key === '') return undefined;
  if (!allowed) {
    throw new GatehouseError('invalid_request', `Model "${exchange.requestedModel}" does not accept a caller's provider key (${PROVIDER_KEY_HEADER}).`, {
      param: PROVIDER_KEY_HEADER,
    });
  }
  return key;
}
