/**
 * Error classification shared by every provider that speaks OpenAI's error conventions (OpenAI,
 * OpenAI-compatible servers, the simulator): `{error:{message,type,code}}` bodies, 429 with
 * Retry-After / retry-after-ms, 401/403 for bad credentials.
 */
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { UpstreamResponse } from './types.js';

type Headers = UpstreamResponse['headers'];

/**
 * Maps a non-2xx upstream answer to a GatehouseError, or undefined for a 4xx that is the caller's
 * fault (bad parameter, context too long) and is passed through to the client as it is.
 */
export function classifyOpenAICompatibleError(
  status: number,
  headers: Headers,
  body: string,
  now: number = Date.now(),
): GatehouseError | undefined {
  const upstream = upstreamMessage(body);
  const describe = (what: string): string =>
    upstream === undefined ? `${what} (HTTP ${status}).` : `${what} (HTTP ${status}): ${upstream}`;
  if (status === 429) {
    return new GatehouseError('upstream_rate_limited', describe('The provider is rate limiting this gateway'), {
      retryAfter: parseRetryAfter(headers, now),
      upstreamStatus: status,
    });
  }
  if (status === 401 || status === 403) {
    return new GatehouseError('upstream_auth_failed', describe("The provider rejected the gateway's credentials"), {
      upstreamStatus: status,
    });
  }
  if (status >= 500 && status <= 599) {
    return new GatehouseError('upstream_error', describe('The provider answered with an error'), {
      retryAfter: parseRetryAfter(headers, now),
      upstreamStatus: status,
    });
  }
  return undefined;
}

/**
 * Seconds to wait, from `retry-after-ms` (preferred, OpenAI sends it) or `retry-after` (seconds or
 * an HTTP-date). Rounded up to whole seconds, never negative; undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headerValue(headers, 'retry-after-ms');
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.ceil(Number(ms) / 1000);
  const value = headerValue(headers, 'retry-after');
  if (value === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.ceil(Number(value));
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function headerValue(headers: Headers, name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : headers[key];
  }
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The upstream's own error message: `error.message` of a JSON body, else the body text, shortened.
 * Anthropic's `{type:"error",error:{type,message}}` bodies are read the same way.
 */
export function upstreamMessage(body: string): string | undefined {
  const text = body.trim();
  if (text.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') {
      const error = (parsed as { error?: unknown }).error;
      if (typeof error === 'string') return shorten(error);
      if (error !== null && typeof error === 'object') {
        const message = (error as { message?: unknown }).message;
        if (typeof message === 'string' && message.length > 0) return shorten(message);
      }
      const message = (parsed as { message?: unknown }).message;
      if (typeof message === 'string' && message.length > 0) return shorten(message);
    }
  } catch {
    // Not JSON: an HTML error page from a proxy, plain text; use the text itself.
  }
  return shorten(text);
}

function shorten(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
