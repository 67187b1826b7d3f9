/**
 * Byte-level responses of the simulated provider: JSON bodies, OpenAI- and Anthropic-shaped
 * errors, and bodies produced by an async generator that stops (and clears its timers) on abort
 * or dispose().
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { anthropicErrorType } from '../../formats/anthropic-errors.js';
import type { UpstreamResponse } from '../types.js';

/** Waits `ms` (0: not at all); rejects with the signal's reason when it aborts. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (ms <= 0) return;
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw err;
  }
}

/** Never settles until `signal` aborts, then rejects with its reason. Holds no timer. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export function baseHeaders(contentType: string): Record<string, string> {
  return { 'content-type': contentType, 'x-request-id': `req_sim_${randomBytes(12).toString('hex')}` };
}

/**
 * A response whose body is `produce(signal)`. `signal` aborts when the request's signal does or
 * when dispose() is called; the body then ends quietly (no error) and its timers are cleared.
 */
export function generatedResponse(
  status: number,
  headers: Record<string, string>,
  requestSignal: AbortSignal,
  produce: (signal: AbortSignal) => AsyncGenerator<Uint8Array>,
): UpstreamResponse {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(requestSignal.reason);
  if (requestSignal.aborted) controller.abort(requestSignal.reason);
  else requestSignal.addEventListener('abort', onAbort, { once: true });
  const detach = (): void => requestSignal.removeEventListener('abort', onAbort);

  async function* body(): AsyncGenerator<Uint8Array> {
    try {
      if (controller.signal.aborted) return;
      for await (const chunk of produce(controller.signal)) {
        if (controller.signal.aborted) return;
        yield chunk;
      }
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    } finally {
      detach();
    }
  }
  const iterator = body();
  return {
    status,
    headers,
    body: iterator,
    dispose() {
      controller.abort();
      detach();
      iterator.return(undefined).catch(() => undefined);
    },
  };
}

export function jsonResponse(status: number, value: unknown, requestSignal: AbortSignal, extraHeaders: Record<string, string> = {}): UpstreamResponse {
  const bytes = Buffer.from(JSON.stringify(value));
  return bytesResponse(status, bytes, requestSignal, extraHeaders);
}

/** A JSON response whose body bytes are given as they are (also used for deliberately broken JSON). */
export function bytesResponse(status: number, bytes: Buffer, requestSignal: AbortSignal, extraHeaders: Record<string, string> = {}): UpstreamResponse {
  const headers = { ...baseHeaders('application/json'), 'content-length': String(bytes.length), ...extraHeaders };
  return generatedResponse(status, headers, requestSignal, async function* () {
    yield bytes;
  });
}

/** OpenAI's error `type` and `code` for a status, so clients and SDKs recognise the error. */
function errorKind(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 403) return { type: 'invalid_request_error', code: 'permission_denied' };
  if (status === 404) return { type: 'invalid_request_error', code: 'model_not_found' };
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  if (status >= 500) return { type: 'server_error', code: null };
  return { type: 'invalid_request_error', code: null };
}

/** An OpenAI-shaped error answer: `{error:{message,type,param,code}}`. */
export function errorResponse(
  status: number,
  message: string,
  requestSignal: AbortSignal,
  options: { param?: string | null; retryAfter?: number | undefined } = {},
): UpstreamResponse {
  const kind = errorKind(status);
  const body = { error: { message, type: kind.type, param: options.param ?? null, code: kind.code } };
  const extra: Record<string, string> = options.retryAfter === undefined ? {} : { 'retry-after': String(options.retryAfter) };
  return jsonResponse(status, body, requestSignal, extra);
}

/** An Anthropic-shaped error answer: `{type:"error", error:{type,message}, request_id}`. */
export function anthropicErrorResponse(
  status: number,
  message: string,
  requestSignal: AbortSignal,
  options: { retryAfter?: number | undefined } = {},
): UpstreamResponse {
  const requestId = `req_sim_${randomBytes(12).toString('hex')}`;
  const body = { type: 'error', error: { type: anthropicErrorType(status), message }, request_id: requestId };
  // Anthropic names the header request-id; x-request-id is the simulator's own, kept equal.
  const extra: Record<string, string> = { 'request-id': requestId, 'x-request-id': requestId };
  if (options.retryAfter !== undefined) extra['retry-after'] = String(options.retryAfter);
  return jsonResponse(status, body, requestSignal, extra);
}
