// subscriptions/listen through the gateway (2026-07-28 agents), and list_changed from a 2026-07-28
// upstream reaching a session-era agent's GET stream. Raw HTTP against the everything fixture,
// whose test_trigger_tool_change / test_trigger_prompt_change tools announce list changes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { META, MODERN_VERSION } from '../../src/mcp/jsonrpc.js';
import { startEverythingServer, type EverythingServer } from '../fixtures/mcp/everything-server.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const ENVELOPE = { [META.protocolVersion]: MODERN_VERSION, [META.clientCapabilities]: {}, [META.clientInfo]: { name: 'listen-test', version: '1' } };
type Message = { id?: unknown; method?: string; params?: Record<string, unknown> & { _meta?: Record<string, unknown> }; result?: Record<string, unknown> };

/** The JSON-RPC messages of an SSE body, one at a time. */
class EventReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  readonly #ready: Message[] = [];

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  /** The next message, or undefined when the stream ends. */
  async next(): Promise<Message | undefined> {
    while (this.#ready.length === 0) {
      const { value, done } = await this.#reader.read();
      if (done) return undefined;
      this.#buffer += this.#decoder.decode(value, { stream: true });
      let end: number;
      while ((end = this.#buffer.indexOf('\n\n')) !== -1) {
        const event = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
        if (data !== '') this.#ready.push(JSON.parse(data) as Message);
      }
    }
    return this.#ready.shift();
  }

  /** The next message within `ms`, or undefined. */
  async within(ms: number): Promise<Message | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
    try {
      return await Promise.race([this.next(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function modernHeaders(method: string, name?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN_VERSION,
    'mcp-method': method,
    ...(name === undefined ? {} : { 'mcp-name': name }),
  };
}

async function modernCall(url: string, id: number, method: string, params: Record<string, unknown>): Promise<Message> {
  const res = await fetch(url, { method: 'POST', headers: modernHeaders(method, params.name as string | undefined), body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: ENVELOPE } }) });
  const text = await res.text();
  const json = res.headers.get('content-type')?.includes('text/event-stream') ? text.split('\n').filter((l) => l.startsWith('data:')).at(-1)!.slice(5) : text;
  return JSON.parse(json) as Message;
}

async function openListen(url: string, id: number | string, notifications: Record<string, unknown>, signal: AbortSignal): Promise<{ status: number; events: EventReader }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: modernHeaders('subscriptions/listen'),
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { notifications, _meta: ENVELOPE } }),
    signal,
  });
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  return { status: res.status, events: new EventReader(res.body!) };
}

const trigger = (url: string, tool: 'test_trigger_tool_change' | 'test_trigger_prompt_change') => modernCall(url, 90, 'tools/call', { name: tool, arguments: {} });

function config(fixtureUrl: string): string {
  return `
providers: {}
mcp:
  pins: { store: { type: sqlite, path: ':memory:' } }
  servers:
    everything: { url: "${fixtureUrl}" }
    everything-modern: { url: "${fixtureUrl}", era: modern }
  endpoints:
    everything:
      servers: [everything]
    modern-upstream:
      servers: [everything-modern]
`;
}

describe('subscriptions/listen through the gateway', () => {
  let fixture: EverythingServer;
  let gw: TestGateway;
  let url: string;
  before(async () => {
    fixture = await startEverythingServer();
    gw = await startTestGateway(config(fixture.url));
    url = `${gw.url}/mcp/everything`;
  });
  after(async () => {
    await gw.stop();
    await fixture.close();
  });

  it('server/discover declares the list changes the upstream announces', async () => {
    const discovered = await modernCall(url, 1, 'server/discover', {});
    const capabilities = discovered.result?.capabilities as Record<string, Record<string, unknown>>;
    assert.equal(capabilities.tools?.listChanged, true);
    assert.equal(capabilities.prompts?.listChanged, true);
  });

  it('acknowledges first, then relays the upstream\'s tools/list_changed tagged with the listen request id', async () => {
    const stop = new AbortController();
    try {
      const { status, events } = await openListen(url, 'L1', { toolsListChanged: true }, stop.signal);
      assert.equal(status, 200);
      const ack = await events.next();
      assert.equal(ack?.method, 'notifications/subscriptions/acknowledged');
      assert.deepEqual(ack?.params?.notifications, { toolsListChanged: true });
      assert.equal(ack?.params?._meta?.[META.subscriptionId], 'L1');

      const triggered = await trigger(url, 'test_trigger_tool_change');
      assert.equal(triggered.result?.isError, undefined, JSON.stringify(triggered));
      const changed = await events.next();
      assert.equal(changed?.method, 'notifications/tools/list_changed');
      assert.equal(changed?.params?._meta?.[META.subscriptionId], 'L1');
    } finally {
      stop.abort();
    }
  });

  it('sends only the types asked for: a prompts-only stream gets no tools/list_changed', async () => {
    const stop = new AbortController();
    try {
      const { events } = await openListen(url, 42, { promptsListChanged: true }, stop.signal);
      const ack = await events.next();
      assert.deepEqual(ack?.params?.notifications, { promptsListChanged: true });
      await trigger(url, 'test_trigger_tool_change');
      await trigger(url, 'test_trigger_prompt_change');
      const first = await events.next();
      assert.equal(first?.method, 'notifications/prompts/list_changed', JSON.stringify(first));
      assert.equal(first?.params?._meta?.[META.subscriptionId], 42);
    } finally {
      stop.abort();
    }
  });

  it('a session-era agent gets list_changed from a 2026-07-28 upstream on its GET stream', async () => {
    const endpoint = `${gw.url}/mcp/modern-upstream`;
    const init = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'legacy-agent', version: '1' } } }),
    });
    assert.equal(init.status, 200);
    const session = init.headers.get('mcp-session-id')!;
    await init.text();
    const sessionHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    await fetch(endpoint, { method: 'POST', headers: sessionHeaders, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) }).then((r) => r.text());
    const stop = new AbortController();
    try {
      const stream = await fetch(endpoint, { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' }, signal: stop.signal });
      assert.equal(stream.status, 200);
      const events = new EventReader(stream.body!);
      // The gateway's upstream subscription opens in the background: announce until it is live.
      let seen: Message | undefined;
      for (let attempt = 0; attempt < 20 && seen === undefined; attempt++) {
        await fetch(endpoint, { method: 'POST', headers: sessionHeaders, body: JSON.stringify({ jsonrpc: '2.0', id: 10 + attempt, method: 'tools/call', params: { name: 'test_trigger_tool_change', arguments: {} } }) }).then((r) => r.text());
        seen = await events.within(250);
      }
      assert.equal(seen?.method, 'notifications/tools/list_changed');
      // The tag of the gateway's own upstream subscription means nothing to a session-era agent.
      assert.equal(seen?.params?._meta?.[META.subscriptionId], undefined);
    } finally {
      stop.abort();
    }
  });

  it('shutdown ends an open listen stream with the final result carrying the subscriptionId', async () => {
    const own = await startTestGateway(config(fixture.url));
    const stop = new AbortController();
    try {
      const { events } = await openListen(`${own.url}/mcp/everything`, 'S', { toolsListChanged: true }, stop.signal);
      assert.equal((await events.next())?.method, 'notifications/subscriptions/acknowledged');
      const stopped = own.stop();
      const final = await events.next();
      assert.equal(final?.id, 'S');
      assert.equal(final?.result?.resultType, 'complete');
      assert.equal((final?.result?._meta as Record<string, unknown>)[META.subscriptionId], 'S');
      assert.equal(await events.next(), undefined);
      await stopped;
    } finally {
      stop.abort();
    }
  });
});
