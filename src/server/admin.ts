import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runtime } from '../config/runtime.js';
import { handleAdminApi, type AdminApiContext } from '../admin/admin-api.js';
import { requestIdFor } from './request-id.js';

export interface AdminState {
  readonly runtime: () => Runtime;
  readonly shuttingDown: () => boolean;
  readonly startedAt: Date;
  /** The admin API (/admin/...); absent in gateways built without it. */
  readonly api?: AdminApiContext | undefined;
}

const ADMIN_API = '/admin/';

/** The admin listener: liveness, readiness and the admin API. */
export function createAdminHandler(state: AdminState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith(ADMIN_API) && state.api !== undefined) {
      const api = state.api;
      const id = requestIdFor(req);
      handleAdminApi(req, res, path, api, id).catch((err: unknown) => {
        api.logger.error({ requestId: id, err: String(err) }, 'admin API failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end();
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return json(res, 405, { error: { code: 'method_not_allowed', message: 'Use GET.' } });
    }
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const runtime = state.runtime();
      if (state.shuttingDown()) return json(res, 503, { status: 'shutting_down' });
      return json(res, 200, {
        status: 'ready',
        configVersion: runtime.version,
        configLoadedAt: runtime.loadedAt.toISOString(),
        startedAt: state.startedAt.toISOString(),
      });
    }
    return json(res, 404, { error: { code: 'route_not_found', message: `No admin route for ${path}.` } });
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store' });
  res.end(body);
}
