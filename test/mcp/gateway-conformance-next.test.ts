// The 0.2 line of the MCP conformance suite (Node 22, from npm's `node` package) THROUGH the
// gateway, for the requirement sets of 2026-07-28 (stateless) and 2025-11-25 (sessions): every
// scored scenario passes; the only failures allowed are the unscored tasks-* extension scenarios,
// which fail directly against the fixture too (docs/mcp-conformance.md).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SUITE_0_2, runSuite, suite02Missing, type SuiteRun } from '../support/conformance.js';
import { startEverythingGateway, type EverythingGateway } from '../support/everything-gateway.js';

function failing(run: SuiteRun): string[] {
  return [...run.checks].filter(([, checks]) => checks.some((c) => c.status === 'FAILURE')).map(([scenario]) => scenario).sort();
}

// Like Redis and PostgreSQL: in CI a missing suite fails; on a laptop it is skipped, saying why.
const missing = suite02Missing();
if (missing !== undefined && process.env.CI === undefined) console.log(`# skipped: ${missing}`);
const options = { skip: missing !== undefined && process.env.CI === undefined ? missing : false };

describe('conformance 0.2 through the gateway', options, () => {
  let everything: EverythingGateway | undefined;
  let url: string;
  before(async () => {
    if (missing !== undefined) throw new Error(missing);
    everything = await startEverythingGateway();
    url = everything.url;
  });
  after(() => everything?.stop());

  test('--requirements 2026-07-28: every scored scenario passes (exit 0); only tasks-* extension scenarios fail', { timeout: 60_000 }, async () => {
    const run = await runSuite(url, ['--requirements', '2026-07-28'], SUITE_0_2);
    assert.equal(run.exitCode, 0, run.output.slice(-3000));
    assert.ok(run.checks.has('server-stateless') && run.checks.has('input-required-result-basic-elicitation'), 'the stateless and input_required scenarios ran');
    assert.deepEqual(failing(run).filter((s) => !s.startsWith('tasks-')), [], run.output.slice(-3000));
  });

  test('--requirements 2025-11-25: every scenario passes', { timeout: 60_000 }, async () => {
    const run = await runSuite(url, ['--requirements', '2025-11-25'], SUITE_0_2);
    assert.equal(run.exitCode, 0, run.output.slice(-3000));
    assert.deepEqual(failing(run), []);
  });
});
