import type { GatehouseError } from '../../errors/gatehouse-error.js';

/** Response headers of an error, whatever shape its body takes. */
export function errorHeaders(err: GatehouseError): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (err.retryAfter !== undefined) headers['retry-after'] = String(Math.max(0, Math.ceil(err.retryAfter)));
  // Tell the OpenAI and Anthropic SDKs not to retry what a retry cannot fix.
  if (err.code === 'provider_not_configured' || err.code === 'internal_error') headers['x-should-retry'] = 'false';
  return headers;
}

export interface RenderedError {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}
