// The MCP conformance suite 0.1.13 THROUGH the gateway: /mcp/everything in front of the
// everything-server fixture must pass every scenario the fixture passes directly
// (test/mcp/fixture-conformance.test.ts). The 0.2 line: gateway-conformance-next.test.ts.
import { after, before, describe, test } from 'node:test';
import { ACTIVE_SCENARIOS, assertAllPassed, runSuite } from '../support/conformance.js';
import { startEverythingGateway, type EverythingGateway } from '../support/everything-gateway.js';

describe('conformance 0.1.13 through the gateway (/mcp/everything in front of the fixture)', () => {
  let everything: EverythingGateway;
  before(async () => {
    everything = await startEverythingGateway();
  });
  after(() => everything.stop());

  test('the whole active server suite passes, scenario for scenario as directly (30 scenarios)', { timeout: 30_000 }, async () => {
    assertAllPassed(await runSuite(everything.url), ACTIVE_SCENARIOS);
  });

  test('the pending json-schema-2020-12 scenario passes ($schema, $defs, additionalProperties kept)', { timeout: 30_000 }, async () => {
    assertAllPassed(await runSuite(everything.url, ['--scenario', 'json-schema-2020-12']), ['json-schema-2020-12']);
  });
});
