import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway } from '../../src/server/gateway.js';
import { createLogger } from '../../src/telemetry/logger.js';

export interface TestGateway extends Gateway {
  readonly configPath: string;
  /** Replaces the configuration file's text (then call reload()). */
  writeConfig(yaml: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the real gateway in-process on port 0 with the given YAML (listener settings forced to port 0). */
export async function startTestGateway(yaml: string, options: { env?: NodeJS.ProcessEnv } = {}): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-test-'));
  const configPath = join(dir, 'gatehouse.yaml');
  await writeFile(configPath, yaml);
  const gateway = await startGateway({
    configPath,
    overrides: { host: '127.0.0.1', port: 0, adminPort: 0 },
    logger: createLogger('silent'),
    env: options.env ?? {},
  });
  return Object.assign(Object.create(null) as object, gateway, {
    configPath,
    writeConfig: (text: string) => writeFile(configPath, text),
    async stop() {
      await gateway.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  }) as TestGateway;
}

/** A config with the given providers/models and one key `gk-test` allowed all models. */
export function testConfig(parts: { providers: string; models: string; extra?: string }): string {
  return `
providers:
${parts.providers}
models:
${parts.models}
policies:
  api-keys:
    keys:
      - name: tester
        key: gk-test
        models: ["*"]
      - name: limited
        key: gk-limited
        models: ["sim-*"]
${parts.extra ?? ''}
`;
}
