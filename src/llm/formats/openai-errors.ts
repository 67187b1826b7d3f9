import type { GatehouseError } from '../../errors/gatehouse-error.js';
import { errorHeaders, type RenderedError } from './error-headers.js';

/** OpenAI's error `type` for a status, so OpenAI clients classify our errors as they do OpenAI's. */
function openAIType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** The one place a GatehouseError becomes an OpenAI-shaped error response. */
export function renderOpenAIError(err: GatehouseError, requestId: string): RenderedError {
  return { status: err.status, headers: errorHeaders(err), body: JSON.stringify(openAIErrorObject(err, requestId)) };
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
