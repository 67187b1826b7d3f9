/**
 * undici's Pool and its error classes without the rest of the package. `import 'undici'` also
 * loads fetch, WebSocket, EventSource, the cache and the mock agents: ~3 MB of heap and ~9 MB of
 * RSS the gateway never uses (measured at startup). undici publishes no "exports" map, so these
 * files are reachable paths of the package; a test checks that they are the very classes its index
 * exports, so an upgrade that moves them fails CI instead of production.
 */
import { createRequire } from 'node:module';
import type { Dispatcher as UndiciDispatcher, Pool as UndiciPool, errors as UndiciErrors } from 'undici';

const require = createRequire(import.meta.url);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
export type Pool = UndiciPool;
export const undiciErrors = require('undici/lib/core/errors.js') as typeof UndiciErrors;
export type { Dispatcher } from 'undici';

/**
 * `dispatcher.request(options)` for a Pool from here: undici's index adds `request` to every
 * dispatcher's prototype; this module does not touch shared prototypes, so callers use this.
 */
const api = require('undici/lib/api/index.js') as { request: (this: UndiciDispatcher, options: UndiciDispatcher.RequestOptions) => Promise<UndiciDispatcher.ResponseData> };
export function poolRequest(pool: UndiciPool, options: UndiciDispatcher.RequestOptions): Promise<UndiciDispatcher.ResponseData> {
  return api.request.call(pool, options);
}
