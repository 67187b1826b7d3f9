import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import type { storeSchema } from '../identity/identity-config.js';
import { openPostgresToolPinStore } from './postgres-tool-pin-store.js';
import { openSqliteToolPinStore } from './sqlite-tool-pin-store.js';
import type { ToolPinStore } from './tool-pin-store.js';

/** `mcp.pins.store`: the same shape as `identity.store`. */
export type ToolPinStoreConfig = z.output<typeof storeSchema>;

/**
 * Opens (does not migrate) the tool pin store `mcp.pins.store` names. A relative SQLite path is
 * relative to the configuration file, as the identity store's is — so the default
 * ./data/gatehouse.db is the same file both use.
 */
export function openToolPinStore(config: ToolPinStoreConfig, configPath: string): ToolPinStore {
  if (config.type === 'postgres') return openPostgresToolPinStore({ url: config.url, schema: config.schema, poolSize: config.poolSize });
  const path = config.path === ':memory:' || isAbsolute(config.path) ? config.path : resolve(dirname(configPath), config.path);
  return openSqliteToolPinStore(path);
}
