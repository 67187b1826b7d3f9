import type { ServerResponse } from 'node:http';
import type { Exchange } from '../../pipeline/exchange.js';
import type { Logger } from '../../telemetry/logger.js';
import { readAll, sendAttempt } from '../../routing/attempt.js';
import { countTokensRequestSchema, messagesTextView } from '../formats/anthropic-messages.js';
import { countMessagesPromptTokens } from '../tokens.js';
import { prepareExchange } from './prepare.js';
import { MAX_UPSTREAM_BODY, sendJson, sendPassthrough, sendProviderJson } from './respond.js';
import { parseProviderJson } from './provider-json.js';
import { passthroughBytes } from './passthrough-bytes.js';

/**
 * POST /v1/messages/count_tokens: asked of a provider that has the endpoint (Anthropic), else
 * counted by the gateway with its own tokenizer — an estimate for non-OpenAI models, flagged by
 * the `x-gatehouse-estimated` header. Counting costs nothing, so no usage is accounted.
 */
export async function handleCountTokens(exchange: Exchange, raw: Buffer, res: ServerResponse, logger: Logger): Promise<void> {
  await prepareExchange(exchange, raw, countTokensRequestSchema, messagesTextView, logger);
  exchange.stream = false;
  const route = exchange.route!;
  const body = exchange.body!;
  if (!route.provider.operations.has('count_tokens')) {
    exchange.status = 200;
    sendJson(res, 200, { input_tokens: countMessagesPromptTokens(body) }, { 'x-gatehouse-estimated': 'true' });
    return;
  }
  exchange.upstreamOperation = 'count_tokens';
  const upstreamModel = route.upstreamModel(exchange.requestedModel!);
  const outBody = upstreamModel === exchange.requestedModel ? body : { ...body, model: upstreamModel };
  const bytes = passthroughBytes(exchange, raw, upstreamModel, outBody);
  const result = await sendAttempt(exchange, route, { operation: 'count_tokens', model: upstreamModel, body: bytes, parsed: outBody });
  if (result.kind === 'passthrough') return sendPassthrough(exchange, res, result.status, result.body);
  const buf = await readAll(result.response, MAX_UPSTREAM_BODY, route.provider.name);
  parseProviderJson(buf, route.provider.name);
  sendProviderJson(exchange, res, buf);
}
