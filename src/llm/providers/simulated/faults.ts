/**
 * Faults the simulated provider can inject: configured ones fire by rate, and (when enabled) a
 * client can ask for one with the `x-gatehouse-simulate` request header.
 */
import { z } from 'zod';
import type { Random } from './generate.js';

const rate = z.number().min(0).max(1).default(1).describe('Probability (0..1) that this fault fires on a request.');
const afterChunks = (what: string) =>
  z.number().int().min(0).default(3).describe(`Number of content chunks sent before the stream ${what}.`);

export const faultSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z
        .literal('status')
        .describe("Answer with an HTTP error status and an error body in the operation's format (OpenAI, or Anthropic for messages)."),
      rate,
      status: z.number().int().min(400).max(599).describe('The HTTP status to answer with (400-599).'),
      retryAfter: z.number().min(0).optional().describe('Seconds sent in a Retry-After header, if set.'),
      message: z.string().optional().describe('The error message in the body.'),
    })
    .strict(),
  z
    .object({
      type: z.literal('hang').describe('Never answer; the request ends only when it is aborted (timeout, client gone).'),
      rate,
    })
    .strict(),
  z
    .object({
      type: z.literal('drop').describe('Fail as if the connection was reset before any response headers.'),
      rate,
    })
    .strict(),
  z
    .object({
      type: z
        .literal('stream_cut')
        .describe(
          'Stop a streamed response before its end (OpenAI: no finish_reason, usage or [DONE]; Anthropic: no message_delta or ' +
            'message_stop). Non-streamed requests are dropped.',
        ),
      rate,
      afterChunks: afterChunks('stops'),
    })
    .strict(),
  z
    .object({
      type: z
        .literal('stream_corrupt')
        .describe('Send a data line that is not valid JSON, then end. Non-streamed requests get a truncated JSON body.'),
      rate,
      afterChunks: afterChunks('is corrupted'),
    })
    .strict(),
  z
    .object({
      type: z.literal('slow').describe('Add latency before the response headers.'),
      rate,
      latencyMs: z.number().int().min(0).describe('Extra milliseconds before the response headers.'),
    })
    .strict(),
]);

export type Fault = z.output<typeof faultSchema>;

/** The fault chosen for one request, and extra latency before the headers. */
export interface FaultPlan {
  readonly fault: Fault | undefined;
  readonly extraLatencyMs: number;
}

const NO_FAULT: FaultPlan = { fault: undefined, extraLatencyMs: 0 };

/** The first configured fault whose draw `random() < rate` succeeds; one draw per fault, in order. */
export function pickConfiguredFault(faults: readonly Fault[], random: Random): FaultPlan {
  for (const fault of faults) {
    if (random() < fault.rate) {
      return fault.type === 'slow' ? { fault, extraLatencyMs: fault.latencyMs } : { fault, extraLatencyMs: 0 };
    }
  }
  return NO_FAULT;
}

const FLAG_TYPES = ['hang', 'drop', 'stream_cut', 'stream_corrupt'] as const;

/**
 * Parses `x-gatehouse-simulate`. Segments are separated by `;`, each `key` or `key=value`; keys are
 * case-insensitive and `-`/`_` are interchangeable; order does not matter. One fault per header:
 *   status=429; retry-after=2; message=Slow down   → status fault
 *   hang | drop                                    → hang / drop
 *   stream_cut; after=2 | stream_corrupt; after=0  → stream faults (after defaults to 3)
 *   latency=200                                    → slow (alone) or extra latency with any fault above
 * Returns undefined (the header is ignored) when the value is empty, names no fault or two faults,
 * or has a malformed number. Unknown keys are ignored.
 */
export function parseSimulateHeader(value: string | readonly string[] | undefined): FaultPlan | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const params = new Map<string, string | undefined>();
  for (const segment of raw.split(';')) {
    const trimmed = segment.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    const key = (eq === -1 ? trimmed : trimmed.slice(0, eq)).trim().toLowerCase().replaceAll('-', '_');
    const val = eq === -1 ? undefined : trimmed.slice(eq + 1).trim();
    if (params.has(key)) return undefined;
    params.set(key, val);
  }

  const latency = params.has('latency') ? wholeNumber(params.get('latency')) : 0;
  if (latency === undefined) return undefined;
  const named = FLAG_TYPES.filter((t) => params.has(t));
  const types = params.has('status') ? [...named, 'status' as const] : named;
  if (types.length > 1) return undefined;
  if (types.length === 0) {
    return params.has('latency') ? { fault: { type: 'slow', rate: 1, latencyMs: latency }, extraLatencyMs: latency } : undefined;
  }

  const type = types[0];
  if (type === 'status') {
    const status = wholeNumber(params.get('status'));
    if (status === undefined || status < 400 || status > 599) return undefined;
    let retryAfter: number | undefined;
    if (params.has('retry_after')) {
      retryAfter = wholeNumber(params.get('retry_after'));
      if (retryAfter === undefined) return undefined;
    }
    const message = params.get('message');
    return { fault: { type, rate: 1, status, retryAfter, message: message || undefined }, extraLatencyMs: latency };
  }
  if (type === 'stream_cut' || type === 'stream_corrupt') {
    if (params.get(type) !== undefined) return undefined;
    const after = params.has('after') ? wholeNumber(params.get('after')) : 3;
    if (after === undefined) return undefined;
    return { fault: { type, rate: 1, afterChunks: after }, extraLatencyMs: latency };
  }
  if (params.get(type) !== undefined) return undefined;
  return { fault: { type, rate: 1 }, extraLatencyMs: latency };
}

function wholeNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}
