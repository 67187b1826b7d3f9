import { ConfigError, loadConfigFile } from '../config/load.js';
import { Runtime } from '../config/runtime.js';

/** `gatehouse config check FILE`: the same loading and compiling as `serve`, and a summary. */
export async function runConfigCheck(file: string): Promise<number> {
  try {
    const config = await loadConfigFile(file);
    const runtime = new Runtime(config);
    await runtime.close();
    const unavailable = [...runtime.providers.values()].filter((p) => p.unavailableReason !== undefined);
    console.log(
      `${file}: valid (version ${runtime.version}): ${Object.keys(config.providers).length} provider(s), ${config.models.length} model route(s), policies: ${Object.keys(config.policies).join(', ') || 'none'}`,
    );
    for (const p of unavailable) console.log(`  note: ${p.unavailableReason}; its models will answer 503 provider_not_configured`);
    return 0;
  } catch (err) {
    console.error(err instanceof ConfigError ? `${err.message}` : `${file}: ${(err as Error).message}`);
    return 1;
  }
}
