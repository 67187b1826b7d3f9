/**
 * The built-in `simulated` provider: no network, OpenAI wire format as bytes (chat completions as
 * JSON or SSE, embeddings), deterministic output, configurable latency and injectable faults. It is
 * the demo's model and the fault source of the resilience tests.
 */
import { z } from 'zod';
import { GatehouseError } from '../../../errors/gatehouse-error.js';
import { classifyOpenAICompatibleError } from '../openai-compatible-errors.js';
import { warmTokenizer } from '../../tokens.js';
import type { Provider, ProviderModule, UpstreamOperation, UpstreamRequest, UpstreamResponse } from '../types.js';
import { chatCompletion, chatStream, planChat } from './chat.js';
import { embeddingsResponse } from './embeddings.js';
import { faultSchema, parseSimulateHeader, pickConfiguredFault, type FaultPlan } from './faults.js';
import type { Random } from './generate.js';
import { chatRequestSchema, embeddingsRequestSchema, parseRequest } from './request.js';
import { baseHeaders, bytesResponse, errorResponse, generatedResponse, sleep, untilAborted } from './response.js';

export { parseSimulateHeader } from './faults.js';
export type { Fault, FaultPlan } from './faults.js';

/** The request header a client may send to trigger a fault on demand (when `faultHeader` is on). */
export const SIMULATE_HEADER = 'x-gatehouse-simulate';

const ms = (what: string) => z.number().int().min(0).default(0).describe(what);

export const simulatedConfigSchema = z
  .object({
    type: z.literal('simulated').describe('A built-in provider that answers without any network, in the OpenAI format.'),
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

const SIMULATED_OPERATIONS: ReadonlySet<UpstreamOperation> = new Set(['chat', 'embeddings']);

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
    classifyError: (status, headers, body) => classifyOpenAICompatibleError(status, headers, body),
    close: async () => undefined,
  };
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

async function send(config: SimulatedConfig, random: Random, request: UpstreamRequest): Promise<UpstreamResponse> {
  const { signal } = request;
  signal.throwIfAborted();
  const { fault, extraLatencyMs } = chooseFault(config, random, request);
  if (fault?.type === 'hang') return untilAborted(signal);

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
    const message = fault.message ?? `Simulated fault: HTTP ${fault.status}.`;
    return errorResponse(fault.status, message, signal, { retryAfter: fault.retryAfter });
  }
  const corruptJson = fault?.type === 'stream_corrupt' && !request.stream;
  const cut =
    fault?.type === 'stream_cut' || fault?.type === 'stream_corrupt'
      ? { afterChunks: fault.afterChunks, corrupt: fault.type === 'stream_corrupt' }
      : undefined;

  if (request.operation === 'embeddings') {
    const parsed = parseRequest(embeddingsRequestSchema, request.parsed);
    await sleep(headersAfter, signal);
    if (!parsed.ok) return errorResponse(400, parsed.message, signal, { param: parsed.param });
    const body = Buffer.from(JSON.stringify(embeddingsResponse(parsed.value, request.model, config.embeddingDimensions)));
    return bytesResponse(200, corruptJson ? truncated(body) : body, signal);
  }
  if (request.operation !== 'chat') {
    await sleep(headersAfter, signal);
    return errorResponse(400, `The simulated provider does not support the operation "${String(request.operation)}".`, signal);
  }

  const parsed = parseRequest(chatRequestSchema, request.parsed);
  const planned = parsed.ok
    ? planChat(parsed.value, request.parsed, request.model, config)
    : ({ ok: false, message: parsed.message, param: parsed.param } as const);
  if (!planned.ok) {
    await sleep(headersAfter, signal);
    return errorResponse(400, planned.message, signal, { param: planned.param });
  }
  const plan = planned.plan;

  if (!request.stream) {
    // An unstreamed answer arrives when the whole completion would have been generated.
    const generation = config.tokensPerSecond > 0 ? (plan.usage.completion_tokens * 1000) / config.tokensPerSecond : 0;
    await sleep(headersAfter + config.ttftMs + Math.round(generation), signal);
    const body = Buffer.from(JSON.stringify(chatCompletion(plan)));
    return bytesResponse(200, corruptJson ? truncated(body) : body, signal);
  }
  await sleep(headersAfter, signal);
  const headers = { ...baseHeaders('text/event-stream; charset=utf-8'), 'cache-control': 'no-cache' };
  const streamOptions = { ttftMs: config.ttftMs, tokensPerSecond: config.tokensPerSecond, cut };
  return generatedResponse(200, headers, signal, (bodySignal) => chatStream(plan, streamOptions, bodySignal));
}

/** The first half of a JSON body: a 200 whose body cannot be parsed. */
function truncated(body: Buffer): Buffer {
  return body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
}
