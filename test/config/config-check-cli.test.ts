import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `gatehouse config check FILE` from the sources, in the repository root. */
function configCheck(file: string, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'config', 'check', file], {
      cwd: REPO_ROOT,
      // Only what node needs: no GATEHOUSE_* or key variables leak in from the developer's shell.
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('gatehouse config check', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts the demo file: exit 0, a summary on stdout', async () => {
    const { code, stdout, stderr } = await configCheck('gatehouse.yaml');
    assert.equal(stderr, '');
    assert.equal(code, 0);
    assert.match(stdout, /^gatehouse\.yaml: valid \(version [0-9a-f]{12}\): 4 provider\(s\), \d+ model route\(s\), policies: api-keys/);
    assert.match(stdout, /note: .*"openai".*503 provider_not_configured/, 'says which provider has no key');
    assert.match(stdout, /note: .*"anthropic".*503 provider_not_configured/);
  });

  it('rejects a broken file: exit 1, each problem with its path and line on stderr, no stack trace', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'server:\n  port: 80800\n  timeout: 30\nproviders:\n  sim:\n    type: simulated\nmodels:\n  - name: demo\n    provider: simm\n');
    const { code, stdout, stderr } = await configCheck(file);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^invalid configuration \(3 problems\):\n/);
    assert.ok(stderr.includes(`${file}:2:9  server.port: `), stderr);
    assert.ok(stderr.includes(`${file}:3:3  server.timeout: unknown field "timeout"`), stderr);
    assert.ok(stderr.includes(`${file}:9:15  models[0].provider: unknown provider "simm" (configured: sim)`), stderr);
    assert.doesNotMatch(stderr, /^ {4}at /m);
  });

  it('reports an unset environment variable with the field and line', async () => {
    const file = join(dir, 'env.yaml');
    await writeFile(file, 'providers:\n  openai:\n    type: openai\n    apiKey: ${OPENAI_API_KEY}\n');
    const unset = await configCheck(file);
    assert.equal(unset.code, 1);
    assert.ok(unset.stderr.includes(`${file}:4:13  providers.openai.apiKey: environment variable OPENAI_API_KEY is not set`), unset.stderr);
    const set = await configCheck(file, { OPENAI_API_KEY: 'sk-test' });
    assert.equal(set.code, 0, set.stderr);
  });

  it('rejects a YAML syntax error without a stack trace', async () => {
    const file = join(dir, 'syntax.yaml');
    await writeFile(file, 'server:\n  port: [8080\n');
    const { code, stderr } = await configCheck(file);
    assert.equal(code, 1);
    assert.match(stderr, /syntax\.yaml:\d+:\d+  \(file\): YAML syntax: /);
    assert.doesNotMatch(stderr, /^ {4}at /m);
  });

  it('a missing file: exit 1, "file not found"', async () => {
    const { code, stdout, stderr } = await configCheck(join(dir, 'does-not-exist.yaml'));
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /file not found/);
    assert.doesNotMatch(stderr, /^ {4}at /m);
  });
});
