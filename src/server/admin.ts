import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runtime } from '../config/runtime.js';

export interface AdminState {
  readonly runtime: () => Runtime;
  readonly shuttingDown: () => boolean;
  readonly startedAt: Date;
}

/** The admin listener: liveness and readiness now; metrics and the admin API come later. */
export function createAdminHandler(state: AdminState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
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
