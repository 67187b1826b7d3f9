/**
 * Error classification for providers that speak Anthropic's error conventions: bodies are
 * `{type:"error", error:{type, message}, request_id?}`, and the status says whose fault it is —
 * 401/403 bad credentials, 429 rate limit, 500 api_error, 529 overloaded_error (Anthropic is short
 * of capacity for everyone: retryable, and not a rate limit on this gateway's account).
 */
import { GatehouseError } from '../../errors/gatehouse-error.js';
import { parseRetryAfter, upstreamMessage } from './openai-compatible-errors.js';
import type { UpstreamResponse } from './types.js';

export interface AnthropicErrorContext {
  /** The provider's configured name, quoted in messages. */
  readonly provider?: string;
  /** The clock for HTTP-date Retry-After values. */
  readonly now?: number;
}

/** The parts of an Anthropic error body worth quoting; empty for anything else (HTML from a proxy). */
export function anthropicErrorFields(body: string): { type?: string; requestId?: string } {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed === null || typeof parsed !== 'object') return {};
    const { error, request_id: requestId } = parsed as { error?: unknown; request_id?: unknown };
    const type = error !== null && typeof error === 'object' ? (error as { type?: unknown }).type : undefined;
    return {
      ...(typeof type === 'string' ? { type } : {}),
      ...(typeof requestId === 'string' ? { requestId } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * Maps a non-2xx Anthropic answer to a GatehouseError, or undefined for a caller error
 * (invalid_request_error, not_found_error, request_too_large...) that is passed through as sent.
 */
export function classifyAnthropicError(
  status: number,
  headers: UpstreamResponse['headers'],
  body: string,
  context: AnthropicErrorContext = {},
): GatehouseError | undefined {
  const { type, requestId } = anthropicErrorFields(body);
  const upstream = upstreamMessage(body);
  const who = context.provider === undefined ? 'The provider' : `Provider "${context.provider}"`;
  const describe = (what: string): string => {
    const where = `HTTP ${status}${type === undefined ? '' : ` ${type}`}${requestId === undefined ? '' : `, request_id ${requestId}`}`;
    return upstream === undefined ? `${who} ${what} (${where}).` : `${who} ${what} (${where}): ${upstream}`;
  };
  const now = context.now ?? Date.now();

  if (status === 401 || status === 403) {
    return new GatehouseError('upstream_auth_failed', describe("rejected the gateway's credentials"), { upstreamStatus: status });
  }
  if (status === 402 || type === 'billing_error') {
    // The gateway's Anthropic account cannot pay: the operator's problem, never the caller's.
    return new GatehouseError('upstream_error', describe('refused for billing'), { upstreamStatus: status });
  }
  if (status === 429) {
    return new GatehouseError('upstream_rate_limited', describe('is rate limiting this gateway'), {
      retryAfter: parseRetryAfter(headers, now),
      upstreamStatus: status,
    });
  }
  if (status === 529) {
    // Not upstream_rate_limited: the caller did nothing wrong and another target may have capacity.
    return new GatehouseError('upstream_error', describe('is overloaded'), { retryAfter: parseRetryAfter(headers, now), upstreamStatus: status });
  }
  if (status >= 500 && status <= 599) {
    return new GatehouseError('upstream_error', describe('answered with an error'), {
      retryAfter: parseRetryAfter(headers, now),
      upstreamStatus: status,
    });
  }
  return undefined;
}
