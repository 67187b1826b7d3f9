import type { z } from 'zod';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Exchange } from '../../pipeline/exchange.js';
import { runPhases } from '../../pipeline/chain.js';
import { REQUEST_PHASES } from '../../pipeline/phases.js';
import type { Logger } from '../../telemetry/logger.js';
import type { TextView } from '../formats/text-view.js';
import { formatPath } from '../../config/load.js';
import { scanJson } from '../formats/json-scan.js';
import { fastCheck } from '../formats/fast-check.js';

/** Objects and arrays nested deeper than this are refused (400 invalid_request). */
export const MAX_JSON_DEPTH = 128;

/**
 * The common front half of every LLM operation: parse and validate the body, find the route, and
 * run the request phases (identify → approve). The caller is identified before a 404 for an
 * unknown model, so that model names are not disclosed to anyone without a key. Throws what it
 * refuses; returns the phases' promise, or undefined when the route has no request hooks.
 */
export function prepareExchange(
  exchange: Exchange,
  raw: Buffer,
  schema: z.ZodType,
  textView: (body: Record<string, unknown>, onChange: () => void) => TextView,
  logger: Logger,
): Promise<void> | undefined {
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
  // re-serialises the body later; refused here. Nesting needs that many opening brackets, and
  // counting them is native and ~20× cheaper than the structural scan, which runs only past it.
  if (openingBrackets(raw, MAX_JSON_DEPTH) > MAX_JSON_DEPTH && scanJson(raw, MAX_JSON_DEPTH) === undefined) {
    throw new GatehouseError('invalid_request', `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  const body = parsed as Record<string, unknown>;
  // zod only when the allocation-free check is unsure (it then decides, and words the error).
  const check = fastCheck(schema);
  if (check === undefined || !check(body)) {
    const result = schema.safeParse(body);
    if (!result.success) {
      const issue = result.error.issues[0];
      const path = formatPath(issue.path);
      throw new GatehouseError('invalid_request', `Invalid request: ${path === '' ? '' : `${path}: `}${issue.message}`, { param: path || undefined });
    }
  }
  exchange.body = body;
  exchange.stream = body.stream === true;
  exchange.requestedModel = body.model as string;
  exchange.setTextViewFactory((ex) => textView(body, () => (ex.bodyChanged = true)));
  exchange.route = exchange.runtime.resolveRoute(exchange.requestedModel);

  if (exchange.route === undefined) return identifyThenNotFound(exchange, logger);
  // Synchronous (no promise to await) for a route without request hooks: the hot path's common case.
  return exchange.route.chain.requestHooks ? runPhases(exchange.route.chain, REQUEST_PHASES, exchange, logger) : undefined;
}

async function identifyThenNotFound(exchange: Exchange, logger: Logger): Promise<never> {
  await runPhases(exchange.runtime.defaultChain, ['identify'], exchange, logger);
  throw new GatehouseError('model_not_found', `The model "${exchange.requestedModel}" does not exist on this gateway.`, { param: 'model' });
}

/** How many `{` and `[` bytes `json` holds (inside strings too), counting no further than `limit` + 1. */
function openingBrackets(json: Buffer, limit: number): number {
  let n = 0;
  for (let i = json.indexOf(0x7b); i !== -1 && n <= limit; i = json.indexOf(0x7b, i + 1)) n++;
  for (let i = json.indexOf(0x5b); i !== -1 && n <= limit; i = json.indexOf(0x5b, i + 1)) n++;
  return n;
}
