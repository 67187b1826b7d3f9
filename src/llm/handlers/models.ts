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

/** GET /v1/models and GET /v1/models/{id}: only the models this caller may use. */
export async function handleModels(exchange: Exchange, id: string | undefined, res: ServerResponse, logger: Logger): Promise<void> {
  await runPhases(exchange.runtime.defaultChain, ['identify'], exchange, logger);
  const created = Math.floor(exchange.runtime.loadedAt.getTime() / 1000);
  const routes = exchange.runtime.listModels(exchange.identity);
  exchange.status = 200;
  if (id === undefined) {
    sendJson(res, 200, { object: 'list', data: routes.map((r) => modelObject(r, created)) });
    return;
  }
  exchange.requestedModel = id;
  const route = routes.find((r) => r.name === id);
  if (route === undefined) throw new GatehouseError('model_not_found', `The model "${id}" does not exist on this gateway.`, { param: 'model' });
  sendJson(res, 200, modelObject(route, created));
}
