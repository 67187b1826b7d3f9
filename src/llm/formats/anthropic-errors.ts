import type { GatehouseError } from '../../errors/gatehouse-error.js';
import { errorHeaders, type RenderedError } from './error-headers.js';

/** Anthropic's error `type` for a status, so Anthropic clients classify our errors as they do Anthropic's. */
export function anthropicErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 504) return 'timeout_error';
  if (status === 529) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** The one place a GatehouseError becomes an Anthropic-shaped error response. */
export function renderAnthropicError(err: GatehouseError, requestId: string): RenderedError {
  return { status: err.status, headers: errorHeaders(err), body: JSON.stringify(anthropicErrorObject(err, requestId)) };
}

/**
 * `{type:"error", error:{type, message}}` as Anthropic sends it, also used as the in-band `error`
 * event of a stream. Our stable code, fault domain and param ride along in the error object.
 */
export function anthropicErrorObject(err: GatehouseError, requestId: string): Record<string, unknown> {
  return {
    type: 'error',
    error: {
      type: anthropicErrorType(err.status),
      message: err.message,
      code: err.code,
      fault: err.fault,
      ...(err.param !== undefined ? { param: err.param } : {}),
      ...(err.upstreamStatus !== undefined ? { upstream_status: err.upstreamStatus } : {}),
    },
    request_id: requestId,
  };
}
