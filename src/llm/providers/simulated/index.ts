/**
 * The built-in `simulated` provider: no network, OpenAI and Anthropic wire formats as bytes (chat
 * completions and Anthropic Messages as JSON or SSE, embeddings, count_tokens), deterministic
 * output, configurable latency and injectable faults. It is the demo's model and the fault source
 * of the resilience tests.
 */
import { z } from 'zod';
import { GatehouseError } from '../../../errors/gatehouse-error.js';
import { classifyAnthropicError } from '../anthropic-errors.js';
import { classifyOpenAICompatibleError } from '../openai-compatible-errors.js';
import { countMessagesPromptTokens, warmTokenizer } from '../../tokens.js';
import type { Provider, ProviderModule, UpstreamOperation, UpstreamRequest, UpstreamResponse } from '../types.js';
import { chatCompletion, chatStream, planChat } from './chat.js';
import { embeddingsResponse } from './embeddings.js';
import { faultSchema, parseSimulateHeader, pickConfiguredFault, type FaultPlan } from './faults.js';
import type { Random } from './generate.js';
import { messagesResponse, messagesStream, planMessages } from './messages.js';
import type { StreamOptions } from './paced-stream.js';
import { chatRequestSchema, countTokensRequestSchema, embeddingsRequestSchema, messagesRequestSchema, parseRequest } from './request.js';
import {
  anthropicErrorResponse,
  baseHeaders,
  bytesResponse,
  errorResponse,
  generatedResponse,
  sleep,
  untilAborted,
} from './response.js';

export { parseSimulateHeader } from './faults.js';
export type { Fault, FaultPlan } from './faults.js';

/** The request header a client may send to trigger a fault on demand (when `faultHeader` is on). */
export const SIMULATE_HEADER = 'x-gatehouse-simulate';

const ms = (what: string) => z.number().int().min(0).default(0).describe(what);

export const simulatedConfigSchema = z
  .object({
    type: z
      .literal('simulated')
      .describe('A built-in provider that answers without any network, in the OpenAI format (and Anthropic Messages natively).'),
    mode: z
      .enum(['generate', 'echo'])
      .default('generate')
      .describe(
        'generate: deterministic text derived from the request (same request, same text). ' +
          'echo: the answer is the text of the last user message, verbatim.',
      ),
    latencyMs: ms('Milliseconds before the response headers.'),
    ttftMs: ms('Extra milliseconds before the first streamed chunk (time to first token).'),
    tokensPerSecond: z
      .number()
      .min(0)
      .default(0)
      .describe('Pace of generated tokens, streamed or not (0: as fast as possible).'),
    outputTokens: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(24)
      .describe('Approximate length of generated text in tokens; it ends at the sentence end after this many.'),
    embeddingDimensions: z
      .number()
      .int()
      .min(1)
      .max(16_384)
      .default(256)
      .describe('Length of embedding vectors when the request does not set `dimensions`.'),
    faults: z
      .array(faultSchema)
      .default([])
      .describe('Faults to inject. Per request, the first fault whose random draw is below its rate fires.'),
    faultHeader: z
      .boolean()
      .default(true)
      .describe(
        `Let clients trigger a fault with the "${SIMULATE_HEADER}" request header, e.g. "status=429; retry-after=2", ` +
          '"hang", "drop", "stream_cut; after=2", "stream_corrupt", "latency=200". An unparseable value is ignored.',
      ),
  })
  .strict();

const SIMULATED_OPERATIONS: ReadonlySet<UpstreamOperation> = new Set(['chat', 'embeddings', 'messages', 'count_tokens']);

export type SimulatedConfig = z.output<typeof simulatedConfigSchema>;

export interface SimulatedProviderOptions {
  /** Random source for fault selection (tests pass a fixed one). Defaults to Math.random. */
  readonly random?: Random;
}

export function createSimulatedProvider(name: string, config: SimulatedConfig, options: SimulatedProviderOptions = {}): Provider {
  // Every simulated answer counts tokens: load the encoding now rather than on the first request.
  warmTokenizer();
  const random = options.random ?? Math.random;
  return {
    name,
    type: 'simulated',
    format: 'openai',
    operations: SIMULATED_OPERATIONS,
    unavailableReason: undefined,
    send: (request) => send(config, random, request),
    classifyError: (status, headers, body) =>
      isAnthropicErrorBody(body) ? classifyAnthropicError(status, headers, body, { provider: name }) : classifyOpenAICompatibleError(status, headers, body),
    close: async () => undefined,
  };
}

/** Errors of Anthropic's operations are `{type:"error", error:{...}}`; OpenAI's have no top-level type. */
function isAnthropicErrorBody(body: string): boolean {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' && (parsed as { type?: unknown }).type === 'error';
  } catch {
    return false;
  }
}

export const simulatedProvider: ProviderModule<SimulatedConfig> = {
  type: 'simulated',
  configSchema: simulatedConfigSchema,
  create: (name, config) => createSimulatedProvider(name, config),
};

function chooseFault(config: SimulatedConfig, random: Random, request: UpstreamRequest): FaultPlan {
  if (config.faultHeader) {
    const fromHeader = parseSimulateHeader(request.clientHeaders[SIMULATE_HEADER]);
    if (fromHeader !== undefined) return fromHeader;
  }
  return pickConfiguredFault(config.faults, random);
}

/** Anthropic's operations answer errors in Anthropic's shape; the others in OpenAI's. */
function speaksAnthropic(operation: UpstreamOperation): boolean {
  return operation === 'messages' || operation === 'count_tokens';
}

async function send(config: SimulatedConfig, random: Random, request: UpstreamRequest): Promise<UpstreamResponse> {
  const { signal } = request;
  signal.throwIfAborted();
  const { fault, extraLatencyMs } = chooseFault(config, random, request);
  if (fault?.type === 'hang') return untilAborted(signal);

  type ErrorOptions = { param?: string | null; retryAfter?: number | undefined };
  const fail = (status: number, message: string, options: ErrorOptions = {}): UpstreamResponse =>
    speaksAnthropic(request.operation) ? anthropicErrorResponse(status, message, signal, options) : errorResponse(status, message, signal, options);
  const headersAfter = config.latencyMs + extraLatencyMs;
  if (fault?.type === 'drop' || (fault?.type === 'stream_cut' && !request.stream)) {
    await sleep(headersAfter, signal);
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    throw new GatehouseError('upstream_unreachable', `Simulated provider: connection reset before response headers (fault "${fault.type}").`, {
      cause: reset,
    });
  }
  if (fault?.type === 'status') {
    await sleep(headersAfter, signal);
    return fail(fault.status, fault.message ?? `Simulated fault: HTTP ${fault.status}.`, { retryAfter: fault.retryAfter });
  }
  const corruptJson = fault?.type === 'stream_corrupt' && !request.stream;
  const cut =
    fault?.type === 'stream_cut' || fault?.type === 'stream_corrupt'
      ? { afterChunks: fault.afterChunks, corrupt: fault.type === 'stream_corrupt' }
      : undefined;
  const json = (value: unknown): UpstreamResponse => {
    const body = Buffer.from(JSON.stringify(value));
    return bytesResponse(200, corruptJson ? truncated(body) : body, signal);
  };

  if (request.operation === 'embeddings' || request.operation === 'count_tokens') {
    await sleep(headersAfter, signal);
    if (request.operation === 'count_tokens') {
      const parsed = parseRequest(countTokensRequestSchema, request.parsed);
      return parsed.ok ? json({ input_tokens: countMessagesPromptTokens(request.parsed) }) : fail(400, parsed.message);
    }
    const parsed = parseRequest(embeddingsRequestSchema, request.parsed);
    return parsed.ok ? json(embeddingsResponse(parsed.value, request.model, config.embeddingDimensions)) : fail(400, parsed.message, { param: parsed.param });
  }
  if (request.operation !== 'chat' && request.operation !== 'messages') {
    await sleep(headersAfter, signal);
    return fail(400, `The simulated provider does not support the operation "${String(request.operation)}".`);
  }

  const planned = planGeneration(request.operation, request, config);
  if (!planned.ok) {
    await sleep(headersAfter, signal);
    return fail(400, planned.message, { param: planned.param });
  }
  const answer = planned.answer;
  if (!request.stream) {
    // An unstreamed answer arrives when the whole completion would have been generated.
    const generation = config.tokensPerSecond > 0 ? (answer.outputTokens * 1000) / config.tokensPerSecond : 0;
    await sleep(headersAfter + config.ttftMs + Math.round(generation), signal);
    return json(answer.json());
  }
  await sleep(headersAfter, signal);
  const headers = { ...baseHeaders('text/event-stream; charset=utf-8'), 'cache-control': 'no-cache' };
  const streamOptions: StreamOptions = { ttftMs: config.ttftMs, tokensPerSecond: config.tokensPerSecond, cut };
  return generatedResponse(200, headers, signal, (bodySignal) => answer.stream(streamOptions, bodySignal));
}

/** A planned chat completion or message: its length, and its two serialisations. */
interface PlannedGeneration {
  readonly outputTokens: number;
  json(): Record<string, unknown>;
  stream(options: StreamOptions, signal: AbortSignal): AsyncGenerator<Uint8Array>;
}

type Planned = { ok: true; answer: PlannedGeneration } | { ok: false; message: string; param: string | null };

function planGeneration(operation: 'chat' | 'messages', request: UpstreamRequest, config: SimulatedConfig): Planned {
  if (operation === 'chat') {
    const parsed = parseRequest(chatRequestSchema, request.parsed);
    if (!parsed.ok) return parsed;
    const planned = planChat(parsed.value, request.parsed, request.model, config);
    if (!planned.ok) return planned;
    const plan = planned.plan;
    return {
      ok: true,
      answer: { outputTokens: plan.usage.completion_tokens, json: () => chatCompletion(plan), stream: (o, s) => chatStream(plan, o, s) },
    };
  }
  const parsed = parseRequest(messagesRequestSchema, request.parsed);
  if (!parsed.ok) return parsed;
  const planned = planMessages(parsed.value, request.parsed, request.model, config);
  if (!planned.ok) return { ok: false, message: planned.message, param: null };
  const plan = planned.plan;
  return {
    ok: true,
    answer: { outputTokens: plan.usage.output_tokens, json: () => messagesResponse(plan), stream: (o, s) => messagesStream(plan, o, s) },
  };
}

/** The first half of a JSON body: a 200 whose body cannot be parsed. */
function truncated(body: Buffer): Buffer {
  return body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
}
