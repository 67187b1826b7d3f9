import type { ServerResponse } from 'node:http';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Exchange } from '../../pipeline/exchange.js';
import type { Logger } from '../../telemetry/logger.js';
import { readAll, sendAttempt } from '../../routing/attempt.js';
import { embeddingsRequestSchema, embeddingsTextView } from '../formats/openai-chat.js';
import { countTextTokens } from '../tokens.js';
import { estimatedUsage, usageFromOpenAI } from '../usage.js';
import { account, runResponsePhases } from './account.js';
import { prepareExchange } from './prepare.js';
import { MAX_UPSTREAM_BODY, sendPassthrough, sendProviderJson } from './respond.js';
import { providerUsage } from './provider-json.js';
import { passthroughBytes } from './passthrough-bytes.js';

/** POST /v1/embeddings */
export async function handleEmbeddings(exchange: Exchange, raw: Buffer, res: ServerResponse, logger: Logger): Promise<void> {
  await prepareExchange(exchange, raw, embeddingsRequestSchema, embeddingsTextView, logger);
  exchange.stream = false;
  const route = exchange.route!;
  const body = exchange.body!;
  const requested = exchange.requestedModel!;
  const upstreamModel = route.upstreamModel(requested);
  if (!route.provider.operations.has('embeddings')) {
    throw new GatehouseError('unsupported_feature', `Model "${requested}" is served by provider "${route.provider.name}", which has no embeddings API.`);
  }
  exchange.upstreamOperation = 'embeddings';
  const outBody = upstreamModel === requested ? body : { ...body, model: upstreamModel };
  const bytes = passthroughBytes(exchange, raw, upstreamModel, outBody);

  const result = await sendAttempt(exchange, route, { operation: 'embeddings', model: upstreamModel, body: bytes, parsed: outBody });
  if (result.kind === 'passthrough') return sendPassthrough(exchange, res, result.status, result.body);
  const buf = await readAll(result.response, MAX_UPSTREAM_BODY, route.provider.name);
  // Checked to be a JSON object; only its usage is parsed (the vectors are passed on as received).
  account(exchange, upstreamModel, usageFromOpenAI(providerUsage(buf, route.provider.name)) ?? estimatedUsage(countInputTokens(body.input), 0));
  await runResponsePhases(exchange, logger);
  sendProviderJson(exchange, res, buf);
}

function countInputTokens(input: unknown): number {
  if (typeof input === 'string') return countTextTokens(input);
  if (!Array.isArray(input)) return 0;
  let total = 0;
  for (const item of input) {
    if (typeof item === 'string') total += countTextTokens(item);
    else if (Array.isArray(item)) total += item.length;
    else total += 1; // one token id of a flat token array
  }
  return total;
}
