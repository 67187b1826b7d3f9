// Starts the everything-server fixture and a gateway in front of it (/mcp/everything), prints
// both URLs, and serves until interrupted: for running the MCP conformance suite by hand
// (docs/mcp-conformance.md).
import { startEverythingGateway } from '../test/support/everything-gateway.js';

const everything = await startEverythingGateway();
console.log(`fixture  ${everything.fixture.url}`);
console.log(`gateway  ${everything.url}`);
const stop = async (): Promise<void> => {
  await everything.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
