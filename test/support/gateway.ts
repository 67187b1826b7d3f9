import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway } from '../../src/server/gateway.js';
import { Writable } from 'node:stream';
import { pino } from 'pino';

export interface TestGateway extends Gateway {
  readonly configPath: string;
  /** Every log line the gateway wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  /** The `request` record of one request id (the record phase's output). */
  record(requestId: string): Promise<Record<string, unknown>>;
  /** Replaces the configuration file's text (then call reload()). */
  writeConfig(yaml: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the real gateway in-process on port 0 with the given YAML (listener settings forced to port 0). */
export async function startTestGateway(yaml: string, options: { env?: NodeJS.ProcessEnv } = {}): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-test-'));
  const configPath = join(dir, 'gatehouse.yaml');
  await writeFile(configPath, yaml);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const gateway = await startGateway({
    configPath,
    overrides: { host: '127.0.0.1', port: 0, adminPort: 0 },
    logger: pino({ level: 'info' }, sink),
    env: options.env ?? {},
  });
  return Object.assign(Object.create(null) as object, gateway, {
    configPath,
    logs,
    async record(requestId: string) {
      // The record is written right after the response ends; give the event loop a few turns.
      for (let i = 0; i < 1000; i++) {
        const found = logs.find((l) => l.requestId === requestId && l.path !== undefined);
        if (found !== undefined) return found;
        await new Promise((r) => setImmediate(r));
      }
      throw new Error(`no record for request ${requestId}`);
    },
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
