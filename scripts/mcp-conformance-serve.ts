// Starts the everything-server fixture and a gateway in front of it (/mcp/everything), prints
// both URLs, and serves until interrupted: for running the MCP conformance suite by hand
// (docs/mcp-conformance.md).
import { startEverythingServer } from '../test/fixtures/mcp/everything-server.js';
import { startTestGateway } from '../test/support/gateway.js';

const fixture = await startEverythingServer();
const gateway = await startTestGateway(`
providers: {}
mcp:
  pins: { store: { type: sqlite, path: ':memory:' } }
  servers:
    everything: { url: "${fixture.url}" }
  endpoints:
    everything:
      servers: [everything]
`);
console.log(`fixture  ${fixture.url}`);
console.log(`gateway  http://localhost:${new URL(gateway.url).port}/mcp/everything`);
const stop = async (): Promise<void> => {
  await gateway.stop();
  await fixture.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
