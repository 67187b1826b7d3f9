import type { GatehouseError } from '../../errors/gatehouse-error.js';

/** OpenAI's error `type` for a status, so OpenAI clients classify our errors as they do OpenAI's. */
function openAIType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

export interface RenderedError {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The one place a GatehouseError becomes an OpenAI-shaped error response. */
export function renderOpenAIError(err: GatehouseError, requestId: string): RenderedError {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (err.retryAfter !== undefined) headers['retry-after'] = String(Math.max(0, Math.ceil(err.retryAfter)));
  // Tell OpenAI SDKs not to retry what a retry cannot fix.
  if (err.code === 'provider_not_configured' || err.code === 'internal_error') headers['x-should-retry'] = 'false';
  return { status: err.status, headers, body: JSON.stringify(openAIErrorObject(err, requestId)) };
}

/** The `{error: {...}}` object, also used for in-band errors inside an SSE stream. */
export function openAIErrorObject(err: GatehouseError, requestId: string): { error: Record<string, unknown> } {
  return {
    error: {
      message: err.message,
      type: openAIType(err.status),
      param: err.param ?? null,
      code: err.code,
      fault: err.fault,
      request_id: requestId,
      ...(err.upstreamStatus !== undefined ? { upstream_status: err.upstreamStatus } : {}),
    },
  };
}
