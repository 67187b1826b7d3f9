import type { z } from 'zod';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Exchange } from '../../pipeline/exchange.js';
import { runPhases } from '../../pipeline/chain.js';
import { REQUEST_PHASES } from '../../pipeline/phases.js';
import type { Logger } from '../../telemetry/logger.js';
import type { TextView } from '../formats/text-view.js';
import { formatPath } from '../../config/load.js';
import { scanJson } from '../formats/json-scan.js';

/** Objects and arrays nested deeper than this are refused (400 invalid_request). */
export const MAX_JSON_DEPTH = 128;

/**
 * The common front half of every LLM operation: parse and validate the body, find the route, and
 * run the request phases (identify → approve). The caller is identified before a 404 for an
 * unknown model, so that model names are not disclosed to anyone without a key.
 */
export async function prepareExchange(
  exchange: Exchange,
  raw: Buffer,
  schema: z.ZodType,
  textView: (body: Record<string, unknown>, onChange: () => void) => TextView,
  logger: Logger,
): Promise<void> {
  exchange.rawBody = raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new GatehouseError('invalid_json', `The request body is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GatehouseError('invalid_request', 'The request body must be a JSON object.');
  }
  // Deeper nesting than any real request would overflow the stack of whatever walks or
  // re-serialises the body later; refused here, where it costs one pass over the bytes.
  const scan = scanJson(raw, MAX_JSON_DEPTH);
  if (scan === undefined) throw new GatehouseError('invalid_request', `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  exchange.bodyScan = scan;
  const body = parsed as Record<string, unknown>;
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = formatPath(issue.path);
    throw new GatehouseError('invalid_request', `Invalid request: ${path === '' ? '' : `${path}: `}${issue.message}`, { param: path || undefined });
  }
  exchange.body = body;
  exchange.stream = body.stream === true;
  exchange.requestedModel = body.model as string;
  exchange.setTextViewFactory((ex) => textView(body, () => (ex.bodyChanged = true)));
  exchange.route = exchange.runtime.resolveRoute(exchange.requestedModel);

  if (exchange.route === undefined) {
    await runPhases(exchange.runtime.defaultChain, ['identify'], exchange, logger);
    throw new GatehouseError('model_not_found', `The model "${exchange.requestedModel}" does not exist on this gateway.`, { param: 'model' });
  }
  await runPhases(exchange.route.chain, REQUEST_PHASES, exchange, logger);
}
