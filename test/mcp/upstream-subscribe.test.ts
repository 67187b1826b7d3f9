// The upstream clients' subscriptions/listen (2026-07-28): subscribe() resolves on the server's
// acknowledgement and relays what follows; listen() on a 2026 session holds a subscription for the
// list changes the server declares. Over HTTP and stdio, against the everything fixture.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { META, type JsonRpcNotification } from '../../src/mcp/jsonrpc.js';
import { createUpstream, UpstreamError, type Upstream, type UpstreamConfig, type UpstreamMessage, type UpstreamSession } from '../../src/mcp/upstream/index.js';
import { startEverythingServer, type EverythingServer } from '../fixtures/mcp/everything-server.js';
import { ALLOW_NODE, CLIENT, callTool, fixtureCommand, silentLogger } from '../fixtures/mcp/upstream-harness.js';

/** Resolves with the first message `predicate` accepts. */
function firstOf<T extends UpstreamMessage>(predicate: (m: UpstreamMessage) => boolean): { deliver: (m: T) => void; seen: Promise<T> } {
  let resolve!: (m: T) => void;
  const seen = new Promise<T>((r) => (resolve = r));
  return { deliver: (m) => predicate(m) && resolve(m), seen };
}

const upstreams: Upstream[] = [];
let fixture: EverythingServer;
before(async () => {
  fixture = await startEverythingServer();
});
after(async () => {
  await Promise.all(upstreams.map((u) => u.close()));
  await fixture.close();
});

function open(config: UpstreamConfig): Promise<UpstreamSession> {
  const upstream = createUpstream(config, { ...ALLOW_NODE, logger: silentLogger });
  upstreams.push(upstream);
  return upstream.open(CLIENT);
}

const transports: [string, () => UpstreamConfig][] = [
  ['HTTP', () => ({ kind: 'http', name: 'everything', url: fixture.url, headers: {}, era: 'modern', timeoutMs: 10_000 })],
  ['stdio', () => fixtureCommand('everything-server.ts', { era: 'modern', args: [...fixtureCommand('everything-server.ts').args, '--stdio'] })],
];

for (const [transport, config] of transports) {
  describe(`upstream subscriptions/listen over ${transport}`, () => {
    it('subscribe() resolves with the acknowledged filter, then relays the notifications tagged with its subscription', async () => {
      const session = await open(config());
      assert.equal(session.era, 'modern');
      const stop = new AbortController();
      const { deliver, seen } = firstOf<JsonRpcNotification>((m) => m.method === 'notifications/tools/list_changed');
      const subscription = await session.subscribe({ toolsListChanged: true }, deliver, stop.signal);
      assert.deepEqual(subscription.acknowledged, { toolsListChanged: true });
      await callTool(session, 'test_trigger_tool_change');
      const changed = await seen;
      assert.notEqual(changed.params?._meta?.[META.subscriptionId as never], undefined);
      stop.abort();
      await subscription.ended;
      await session.close();
    });

    it('listen() on a 2026 session holds a subscription for the declared list changes (untagged for its listeners)', async () => {
      const session = await open(config());
      const { deliver, seen } = firstOf((m) => m.method === 'notifications/prompts/list_changed');
      const stopListening = session.listen(deliver);
      try {
        // The subscription opens in the background: announce until it is live.
        let changed: UpstreamMessage | undefined;
        for (let attempt = 0; attempt < 20 && changed === undefined; attempt++) {
          await callTool(session, 'test_trigger_prompt_change');
          changed = await Promise.race([seen, new Promise<undefined>((r) => setTimeout(() => r(undefined), 250))]);
        }
        assert.equal(changed?.method, 'notifications/prompts/list_changed');
        assert.equal((changed?.params?._meta as Record<string, unknown> | undefined)?.[META.subscriptionId], undefined);
      } finally {
        stopListening();
        await session.close();
      }
    });
  });
}

describe('upstream subscriptions/listen, session era', () => {
  it('subscribe() on a session-era session is refused (it streams through listen())', async () => {
    const session = await open({ kind: 'http', name: 'everything', url: fixture.url, headers: {}, era: 'legacy', timeoutMs: 10_000 });
    await assert.rejects(session.subscribe({ toolsListChanged: true }, () => undefined, new AbortController().signal), (err: unknown) => err instanceof UpstreamError && err.kind === 'protocol');
    await session.close();
  });
});
