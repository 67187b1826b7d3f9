/**
 * The everything-server fixture with a gateway in front of it (/mcp/everything, the fixture as its
 * only upstream, no api-keys policy: conformance suites carry no credentials). Used by the
 * conformance tests, the front tests and scripts/mcp-conformance-serve.ts.
 */
import { startEverythingServer, type EverythingServer } from '../fixtures/mcp/everything-server.js';
import { startTestGateway, type TestGateway } from './gateway.js';

export interface EverythingGateway {
  readonly fixture: EverythingServer;
  readonly gateway: TestGateway;
  /** http://localhost:<port>/mcp/everything — localhost: the dns-rebinding scenario needs it. */
  readonly url: string;
  stop(): Promise<void>;
}

export async function startEverythingGateway(): Promise<EverythingGateway> {
  const fixture = await startEverythingServer();
  let gateway: TestGateway;
  try {
    gateway = await startTestGateway(`
providers: {}
mcp:
  pins: { store: { type: sqlite, path: ':memory:' } }
  servers:
    everything: { url: "${fixture.url}" }
  endpoints:
    everything:
      servers: [everything]
`);
  } catch (err) {
    await fixture.close();
    throw err;
  }
  return {
    fixture,
    gateway,
    url: `http://localhost:${new URL(gateway.url).port}/mcp/everything`,
    async stop() {
      await gateway.stop();
      await fixture.close();
    },
  };
}
