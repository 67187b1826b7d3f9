import type { GatehouseConfig } from '../config/schema.js';
import { ConfigError } from '../config/load.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import type { Logger } from '../telemetry/logger.js';
import { openToolPinStore } from '../state/open-tool-pin-store.js';
import { McpHub } from './hub.js';
import { ToolPins } from './pins/tool-pins.js';

/**
 * The MCP hub of a starting gateway. With an `mcp` section, the tool-pin store is opened and
 * migrated first (its location is restart-only); a store that cannot be opened fails the start.
 */
export async function openMcpHub(config: GatehouseConfig, configPath: string, logger: Logger): Promise<{ hub: McpHub; close(): Promise<void> }> {
  if (config.mcp === undefined) {
    const hub = new McpHub(undefined, configPath, logger, undefined);
    return { hub, close: () => hub.close() };
  }
  const store = openToolPinStore(config.mcp.pins.store, configPath);
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof GatehouseError || err instanceof Error) throw new ConfigError(configPath, [{ path: 'mcp.pins.store', message }]);
    throw err;
  }
  const hub = new McpHub(config.mcp, configPath, logger, new ToolPins(store, config.mcp.pins.mode, logger, { cacheMs: config.mcp.pins.cacheSeconds * 1000 }));
  return {
    hub,
    close: async () => {
      await hub.close();
      await store.close();
    },
  };
}
