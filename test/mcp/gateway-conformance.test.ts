// The MCP conformance suite 0.1.13 THROUGH the gateway: /mcp/everything in front of the
// everything-server fixture must pass every scenario the fixture passes directly
// (test/mcp/fixture-conformance.test.ts). The 0.2 line (Node 22) is run by hand: docs/mcp-conformance.md.
import { after, before, describe, test } from 'node:test';
import { startEverythingServer, type EverythingServer } from '../fixtures/mcp/everything-server.js';
import { ACTIVE_SCENARIOS, assertAllPassed, runSuite } from '../support/conformance.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

describe('conformance 0.1.13 through the gateway (/mcp/everything in front of the fixture)', () => {
  let fixture: EverythingServer;
  let gw: TestGateway;
  let url: string;
  before(async () => {
    fixture = await startEverythingServer();
    // No api-keys policy: the suite carries no credentials. localhost, not 127.0.0.1: the
    // dns-rebinding scenario sends a foreign Host and expects localhost to be the accepted one.
    gw = await startTestGateway(`
providers: {}
mcp:
  pins: { store: { type: sqlite, path: ':memory:' } }
  servers:
    everything: { url: "${fixture.url}" }
  endpoints:
    everything:
      servers: [everything]
`);
    url = `http://localhost:${new URL(gw.url).port}/mcp/everything`;
  });
  after(async () => {
    await gw.stop();
    await fixture.close();
  });

  test('the whole active server suite passes, scenario for scenario as directly (30 scenarios)', { timeout: 30_000 }, async () => {
    assertAllPassed(await runSuite(url), ACTIVE_SCENARIOS);
  });

  test('the pending json-schema-2020-12 scenario passes ($schema, $defs, additionalProperties kept)', { timeout: 30_000 }, async () => {
    assertAllPassed(await runSuite(url, ['--scenario', 'json-schema-2020-12']), ['json-schema-2020-12']);
  });
});
