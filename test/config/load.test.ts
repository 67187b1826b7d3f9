import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatProblems, loadConfigFile, parseConfig, type ConfigProblem } from '../../src/config/load.js';
import { Runtime } from '../../src/config/runtime.js';

const DEMO_FILE = fileURLToPath(new URL('../../gatehouse.yaml', import.meta.url));
const SHA = 'a'.repeat(64);

/** Parses `text` expecting a ConfigError; returns its problems. */
function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): readonly ConfigProblem[] {
  try {
    parseConfig(text, 'test.yaml', env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.file, 'test.yaml');
    assert.ok(err.problems.length > 0);
    return err.problems;
  }
  assert.fail('the configuration was accepted');
}

/** Expects exactly one problem at `path` on `line`, whose message matches. */
function expectProblem(text: string, expected: { path: string; line: number; message: RegExp }, env: NodeJS.ProcessEnv = {}): ConfigProblem {
  const problems = problemsOf(text, env);
  assert.equal(problems.length, 1, `expected one problem, got ${JSON.stringify(problems)}`);
  const [p] = problems as [ConfigProblem];
  assert.equal(p.path, expected.path);
  assert.equal(p.line, expected.line, `line of ${JSON.stringify(p)}`);
  assert.equal(typeof p.column, 'number');
  assert.match(p.message, expected.message);
  return p;
}

const SIM = 'providers:\n  sim:\n    type: simulated\n';

describe('parseConfig: every class of error is a ConfigError with a path and a line', () => {
  it('YAML syntax error', () => {
    const p = expectProblem('server:\n  port: 8080\n  host: [127.0.0.1\n', { path: '', line: 4, message: /^YAML syntax: / });
    assert.doesNotMatch(p.message, /\n/, 'one line only');
  });

  it('duplicate key (a YAML error)', () => {
    expectProblem('server:\n  port: 1\n  port: 2\n', { path: '', line: 3, message: /YAML syntax: .*unique/ });
  });

  it('top level that is not a mapping', () => {
    expectProblem('just a string\n', { path: '', line: 1, message: /must be a YAML mapping/ });
    expectProblem('# a list\n- server\n- models\n', { path: '', line: 2, message: /must be a YAML mapping/ });
  });

  it('unknown top-level field, pointed at by its own key', () => {
    expectProblem('server:\n  port: 8080\nmodel:\n  - name: x\n', { path: 'model', line: 3, message: /^unknown field "model"$/ });
  });

  it('several unknown fields: one problem each, each on its own line', () => {
    const problems = problemsOf('server:\n  port: 8080\nfoo: 1\nbar:\n  baz: 2\n');
    assert.deepEqual(
      problems.map((p) => [p.path, p.line]),
      [
        ['foo', 3],
        ['bar', 4],
      ],
    );
  });

  it('unknown field in server', () => {
    expectProblem('server:\n  host: 127.0.0.1\n  prot: 8080\n', { path: 'server.prot', line: 3, message: /unknown field "prot"/ });
  });

  it('wrong type (port: "abc")', () => {
    expectProblem('server:\n  port: abc\n', { path: 'server.port', line: 2, message: /expected number, received string/ });
  });

  it('port out of range', () => {
    expectProblem('server:\n  port: 70000\n', { path: 'server.port', line: 2, message: /65535/ });
    expectProblem('server:\n  admin:\n    port: -1\n', { path: 'server.admin.port', line: 3, message: /0/ });
  });

  it('unknown provider type', () => {
    expectProblem('providers:\n  x:\n    type: anthropic-ish\n', { path: 'providers.x.type', line: 3, message: /simulated.*openai/ });
  });

  it('provider field that belongs to another type', () => {
    expectProblem(`${SIM}    baseUrl: http://localhost:8000/v1\n`, { path: 'providers.sim.baseUrl', line: 4, message: /unknown field "baseUrl"/ });
  });

  it('a model route naming an unknown provider lists the configured ones', () => {
    const text = `providers:\n  vllm:\n    type: openai-compatible\n    baseUrl: http://localhost:8000/v1\n  sim:\n    type: simulated\nmodels:\n  - name: llama\n    provider: vlm\n`;
    const p = expectProblem(text, { path: 'models[0].provider', line: 9, message: /unknown provider "vlm"/ });
    assert.match(p.message, /configured: vllm, sim/);
    expectProblem('models:\n  - name: x\n    provider: nope\n', { path: 'models[0].provider', line: 3, message: /no providers are configured/ });
  });

  it('a provider name inherited from Object.prototype is not a configured provider', () => {
    for (const name of ['constructor', 'toString', '__proto__']) {
      expectProblem(`${SIM}models:\n  - name: x\n    provider: ${name}\n`, { path: 'models[0].provider', line: 6, message: new RegExp(`unknown provider "${name}"`) });
    }
  });

  it('duplicate model route', () => {
    const text = `${SIM}models:\n  - name: demo\n    provider: sim\n  - name: other\n    provider: sim\n  - name: demo\n    provider: sim\n`;
    expectProblem(text, { path: 'models[2].name', line: 9, message: /duplicate model route "demo"/ });
  });

  it('an API key with both `key` and `sha256`, and with neither', () => {
    const both = `policies:\n  api-keys:\n    keys:\n      - name: a\n        key: k1\n        sha256: ${SHA}\n        models: ["*"]\n`;
    expectProblem(both, { path: 'policies.api-keys.keys[0]', line: 4, message: /exactly one of "key" or "sha256"/ });
    const neither = 'policies:\n  api-keys:\n    keys:\n      - name: a\n        models: ["*"]\n';
    expectProblem(neither, { path: 'policies.api-keys.keys[0]', line: 4, message: /exactly one of "key" or "sha256"/ });
  });

  it('duplicate API key names', () => {
    const text = 'policies:\n  api-keys:\n    keys:\n      - name: a\n        key: k1\n        models: ["*"]\n      - name: a\n        key: k2\n        models: ["*"]\n';
    expectProblem(text, { path: 'policies.api-keys.keys[1].name', line: 7, message: /duplicate key name "a"/ });
  });

  it('errors inside a route-level policy override are located too', () => {
    const text = `${SIM}models:\n  - name: demo\n    provider: sim\n    policies:\n      api-keys:\n        keys:\n          - name: a\n            key: k\n`;
    expectProblem(text, { path: 'models[0].policies.api-keys.keys[0].models', line: 10, message: /expected array/ });
  });

  it('bad byte size', () => {
    expectProblem('server:\n  maxBodyBytes: 10 megabytes\n', { path: 'server.maxBodyBytes', line: 2, message: /512kb or 10mb/ });
    expectProblem('server:\n  maxBodyBytes: 0\n', { path: 'server.maxBodyBytes', line: 2, message: /./ });
  });

  it('missing environment variable', () => {
    const p = expectProblem(`${SIM}  openai:\n    type: openai\n    apiKey: \${OPENAI_API_KEY}\n`, {
      path: 'providers.openai.apiKey',
      line: 6,
      message: /environment variable OPENAI_API_KEY is not set/,
    });
    assert.equal(p.column, 13, 'the column of the value');
  });

  it('missing required field: located at the object that lacks it', () => {
    expectProblem(`${SIM}models:\n  - name: demo\n`, { path: 'models[0].provider', line: 5, message: /expected string/ });
  });

  it('lists every problem at once', () => {
    const problems = problemsOf('server:\n  port: 99999\n  maxBodyBytes: lots\n  extra: 1\n');
    assert.deepEqual(problems.map((p) => p.path).sort(), ['server.extra', 'server.maxBodyBytes', 'server.port']);
  });

  it('formats problems as FILE:LINE:COLUMN  PATH: MESSAGE', () => {
    const err = (() => {
      try {
        parseConfig('server:\n  port: abc\n', 'gatehouse.yaml', {});
      } catch (e) {
        return e as ConfigError;
      }
      return assert.fail('accepted');
    })();
    assert.equal(err.message, formatProblems('gatehouse.yaml', err.problems));
    assert.equal(
      err.message,
      'invalid configuration (1 problem):\n  gatehouse.yaml:2:9  server.port: Invalid input: expected number, received string',
    );
  });

  it('a value from the environment cannot add structure', () => {
    // If EVIL were pasted into the YAML, it would add an unknown top-level field; instead it is the host string.
    const config = parseConfig('server:\n  host: ${EVIL}\n', 'test.yaml', { EVIL: '0.0.0.0\nadmin:\n  port: 1' });
    assert.equal(config.server.host, '0.0.0.0\nadmin:\n  port: 1');
    assert.equal(config.server.admin.port, 8081);
  });

  it('a whole-string reference is typed: numbers for numeric fields, text back for string fields', () => {
    const text =
      'server:\n  port: ${APP_PORT}\n' +
      'providers:\n  v:\n    type: openai-compatible\n    baseUrl: http://localhost:8000/v1\n    apiKey: ${DIGITS}\n    headers:\n      x-tenant: ${DIGITS}\n      x-flag: ${FLAG}\n' +
      'policies:\n  api-keys:\n    enforce: ${FLAG}\n    keys:\n      - name: ${DIGITS}\n        key: ${DIGITS}\n        models: ["*"]\n';
    const config = parseConfig(text, 'test.yaml', { APP_PORT: '9000', DIGITS: '12345', FLAG: 'false' });
    assert.equal(config.server.port, 9000);
    const provider = config.providers.v as { apiKey?: string; headers: Record<string, string> };
    assert.equal(provider.apiKey, '12345');
    assert.deepEqual(provider.headers, { 'x-tenant': '12345', 'x-flag': 'false' });
    const keys = config.policies['api-keys'] as { enforce: boolean; keys: { name: string; key: string }[] };
    assert.equal(keys.enforce, false);
    assert.equal(keys.keys[0]?.name, '12345');
    assert.equal(keys.keys[0]?.key, '12345');
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-load-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a missing file is a ConfigError "file not found"', async () => {
    const file = join(dir, 'nope.yaml');
    await assert.rejects(loadConfigFile(file, {}), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [{ path: '', message: 'file not found' }]);
      assert.equal(err.file, file);
      return true;
    });
  });

  it('an empty file is valid and fully defaulted', async () => {
    const file = join(dir, 'empty.yaml');
    await writeFile(file, '# nothing yet\n');
    const config = await loadConfigFile(file, {});
    assert.deepEqual(config.server, {
      host: '127.0.0.1',
      port: 8080,
      admin: { host: '127.0.0.1', port: 8081 },
      maxBodyBytes: 10 * 1024 * 1024,
      headersTimeoutMs: 30_000,
      requestTimeoutMs: 300_000,
      keepAliveTimeoutMs: 65_000,
      shutdownTimeoutMs: 30_000,
      heapGrowthPercent: 100,
    });
    assert.deepEqual(config.logging, { level: 'info' });
    assert.deepEqual(config.providers, {});
    assert.deepEqual(config.models, []);
    assert.deepEqual(config.prices, {});
    assert.deepEqual(config.policies, {});
  });
});

describe('valid configurations', () => {
  it("the repository's gatehouse.yaml loads with no environment, and compiles", async () => {
    const config = await loadConfigFile(DEMO_FILE, {});
    assert.equal(config.server.maxBodyBytes, 10485760);
    assert.deepEqual(Object.keys(config.providers).sort(), ['anthropic', 'openai', 'sim', 'sim-echo']);
    assert.ok(config.models.some((m) => m.name === 'demo'));
    const keys = config.policies['api-keys'] as { keys: { name: string; key?: string }[] };
    assert.equal(keys.keys[0]?.key, 'gk-demo');
    assert.equal((config.providers.openai as { apiKey?: string }).apiKey, '');
    assert.equal((config.providers.anthropic as { apiKey?: string }).apiKey, '');
    const runtime = new Runtime(config);
    try {
      assert.equal(runtime.resolveRoute('demo')?.provider.name, 'sim');
      assert.equal(runtime.resolveRoute('gpt-4o-mini')?.provider.name, 'openai', 'globs route');
      assert.equal(runtime.resolveRoute('claude-sonnet-4-5')?.provider.name, 'anthropic');
    } finally {
      await runtime.close();
    }
  });

  it('every file in examples/ loads and compiles', async () => {
    const dir = fileURLToPath(new URL('../../examples/', import.meta.url));
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml'))) {
      const runtime = new Runtime(await loadConfigFile(join(dir, file), {}));
      await runtime.close();
    }
  });

  it('GATEHOUSE_DEMO_KEY replaces the demo key', async () => {
    const config = await loadConfigFile(DEMO_FILE, { GATEHOUSE_DEMO_KEY: 'gk-from-env' });
    const keys = config.policies['api-keys'] as { keys: { key?: string }[] };
    assert.equal(keys.keys[0]?.key, 'gk-from-env');
    const runtimes = [new Runtime(config), new Runtime(await loadConfigFile(DEMO_FILE, {}))] as const;
    try {
      assert.notEqual(runtimes[0].version, runtimes[1].version, 'the version follows the key');
    } finally {
      await Promise.all(runtimes.map((r) => r.close()));
    }
  });

  it('the demo file has not drifted into needing an environment variable', async () => {
    const text = await readFile(DEMO_FILE, 'utf8');
    for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-)?/g)) assert.equal(m[2], ':-', `\${${m[1]}} needs a default`);
  });

  it('byte sizes: numbers and units, powers of 1024', () => {
    const size = (value: string): number => parseConfig(`server:\n  maxBodyBytes: ${value}\n`, 't.yaml', {}).server.maxBodyBytes;
    assert.equal(size('10mb'), 10485760);
    assert.equal(size('10MB'), 10485760);
    assert.equal(size('512kb'), 524288);
    assert.equal(size('1gb'), 1073741824);
    assert.equal(size('1.5kb'), 1536);
    assert.equal(size('"100 b"'), 100);
    assert.equal(size('2048'), 2048);
    assert.equal(size('"2048"'), 2048);
  });

  it('fills in defaults inside providers, routes and policies', () => {
    const config = parseConfig(
      `${SIM}  oai:\n    type: openai\nmodels:\n  - name: demo\n    provider: sim\npolicies:\n  api-keys:\n    keys:\n      - name: a\n        sha256: ${SHA}\n        models: [demo]\n`,
      't.yaml',
      {},
    );
    assert.deepEqual(config.providers.sim, {
      type: 'simulated',
      mode: 'generate',
      latencyMs: 0,
      ttftMs: 0,
      tokensPerSecond: 0,
      outputTokens: 24,
      embeddingDimensions: 256,
      faults: [],
      faultHeader: true,
    });
    assert.deepEqual(config.providers.oai, { type: 'openai', baseUrl: 'https://api.openai.com/v1', headers: {}, connections: 128 });
    assert.deepEqual(config.models[0], { name: 'demo', provider: 'sim', timeoutMs: 120_000, streamIdleTimeoutMs: 60_000, clientProviderKey: false });
    assert.deepEqual(config.policies['api-keys'], { enforce: true, keys: [{ name: 'a', sha256: SHA, kind: 'consumer', models: ['demo'] }] });
  });
});
