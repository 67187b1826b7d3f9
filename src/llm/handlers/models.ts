import type { ServerResponse } from 'node:http';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Exchange } from '../../pipeline/exchange.js';
import { runPhases } from '../../pipeline/chain.js';
import type { Logger } from '../../telemetry/logger.js';
import { sendJson } from './respond.js';
import type { CompiledRoute } from '../../config/runtime.js';

function modelObject(route: CompiledRoute, created: number): Record<string, unknown> {
  return { id: route.name, object: 'model', created, owned_by: route.provider.name };
}

/** The Anthropic SDK's model object (it lists models at the same path, with its own shape). */
function anthropicModelObject(route: CompiledRoute, createdAt: string): Record<string, unknown> {
  return { type: 'model', id: route.name, display_name: route.name, created_at: createdAt };
}

/** Anthropic clients always send anthropic-version; they get Anthropic's list and model shapes. */
export function wantsAnthropicShape(exchange: Exchange): boolean {
  return exchange.headers['anthropic-version'] !== undefined;
}

/** GET /v1/models and GET /v1/models/{id}: only the models this caller may use. */
export async function handleModels(exchange: Exchange, id: string | undefined, res: ServerResponse, logger: Logger): Promise<void> {
  await runPhases(exchange.runtime.defaultChain, ['identify'], exchange, logger);
  const created = Math.floor(exchange.runtime.loadedAt.getTime() / 1000);
  const routes = exchange.runtime.listModels(exchange.identity);
  const anthropic = wantsAnthropicShape(exchange);
  const createdAt = exchange.runtime.loadedAt.toISOString();
  if (id === undefined) {
    exchange.status = 200;
    if (!anthropic) return sendJson(res, 200, { object: 'list', data: routes.map((r) => modelObject(r, created)) });
    const data = routes.map((r) => anthropicModelObject(r, createdAt));
    return sendJson(res, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
  }
  exchange.requestedModel = id;
  const route = routes.find((r) => r.name === id);
  if (route === undefined) throw new GatehouseError('model_not_found', `The model "${id}" does not exist on this gateway.`, { param: 'model' });
  exchange.status = 200;
  sendJson(res, 200, anthropic ? anthropicModelObject(route, createdAt) : modelObject(route, created));
}
