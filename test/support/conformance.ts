// Runs the MCP conformance suite (0.1.13, the devDependency) against a server URL and reads every
// scenario's checks back from its output directory. Spawned asynchronously: a server in this
// process (the gateway, the fixture) must keep answering while the suite runs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const CONFORMANCE_BIN = join(dirname(require.resolve('@modelcontextprotocol/conformance/package.json')), 'dist', 'index.js');

/** The 30 scenarios of 0.1.13's default ("active") server suite. */
export const ACTIVE_SCENARIOS = [
  'server-initialize', 'logging-set-level', 'ping', 'completion-complete', 'tools-list',
  'tools-call-simple-text', 'tools-call-image', 'tools-call-audio', 'tools-call-embedded-resource',
  'tools-call-mixed-content', 'tools-call-with-logging', 'tools-call-error', 'tools-call-with-progress',
  'tools-call-sampling', 'tools-call-elicitation', 'elicitation-sep1034-defaults', 'server-sse-multiple-streams',
  'elicitation-sep1330-enums', 'resources-list', 'resources-read-text', 'resources-read-binary',
  'resources-templates-read', 'resources-subscribe', 'resources-unsubscribe', 'prompts-list', 'prompts-get-simple',
  'prompts-get-with-args', 'prompts-get-embedded-resource', 'prompts-get-with-image', 'dns-rebinding-protection',
] as const;

export interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
}

export interface SuiteRun {
  exitCode: number | null;
  output: string;
  /** scenario name -> its checks, read from <out>/server-<scenario>-<timestamp>/checks.json */
  checks: Map<string, Check[]>;
}

/** Which suite runs on which Node: 0.1.13 on ours; the 0.2 line needs Node 22 (npm's `node` package, aliased node22). */
export interface SuiteRunner {
  readonly node: string;
  readonly bin: string;
}
export const SUITE_0_1: SuiteRunner = { node: process.execPath, bin: CONFORMANCE_BIN };
/**
 * The 0.2 line needs Node 22: `npm run conformance:setup` installs npm's `node@22` package and the
 * suite into .cache/conformance-next (outside node_modules, so that its `node` never shadows ours
 * on npm scripts' PATH). .ci/run does it before the tests.
 */
const NEXT_DIR = fileURLToPath(new URL('../../.cache/conformance-next/node_modules/', import.meta.url));
export const SUITE_0_2: SuiteRunner = {
  node: join(NEXT_DIR, 'node', 'bin', 'node'),
  bin: join(NEXT_DIR, '@modelcontextprotocol', 'conformance', 'dist', 'index.js'),
};

/** Why the 0.2 suite cannot run here, or undefined when it can. */
export function suite02Missing(): string | undefined {
  if (existsSync(SUITE_0_2.node) && existsSync(SUITE_0_2.bin)) return undefined;
  return 'the conformance 0.2 suite and Node 22 are not installed: run `npm run conformance:setup`';
}

/** `conformance server --url <url> [...extraArgs]`, e.g. ['--scenario', 'json-schema-2020-12']. */
export async function runSuite(url: string, extraArgs: string[] = [], runner: SuiteRunner = SUITE_0_1): Promise<SuiteRun> {
  const outDir = await mkdtemp(join(tmpdir(), 'gatehouse-conformance-'));
  try {
    const child = spawn(runner.node, [runner.bin, 'server', '--url', url, '-o', outDir, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code));
    });
    const checks = new Map<string, Check[]>();
    for (const entry of await readdir(outDir)) {
      const scenario = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry)?.[1];
      if (!scenario) continue;
      checks.set(scenario, JSON.parse(await readFile(join(outDir, entry, 'checks.json'), 'utf8')) as Check[]);
    }
    return { exitCode, output, checks };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/** Every scenario ran, none has a failed or warning check, each has a passing one, and the exit code is 0. */
export function assertAllPassed(run: SuiteRun, scenarios: readonly string[]): void {
  assert.deepEqual([...run.checks.keys()].sort(), [...scenarios].sort(), 'every scenario ran');
  const problems = [...run.checks].flatMap(([scenario, checks]) =>
    checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING').map((c) => `${scenario}/${c.id}: ${c.status} ${c.errorMessage ?? ''}`),
  );
  assert.deepEqual(problems, [], 'no failed or warning checks');
  for (const [scenario, checks] of run.checks) {
    assert.ok(checks.some((c) => c.status === 'SUCCESS'), `${scenario} has at least one passing check`);
  }
  assert.match(run.output, /Total: \d+ passed, 0 failed|Passed: \d+\/\d+, 0 failed/);
  assert.equal(run.exitCode, 0, run.output.slice(-2000));
}
