// The demo MCP server over stdio, as the README tour uses it: a 2025-era client (SDK 1.x) and a
// 2026-07-28 client (SDK 2.x pinned to the modern era) each list the tools and call every one.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as LegacyStdioTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Client as ModernClient } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdioTransport } from '@modelcontextprotocol/client/stdio';

const SERVER = fileURLToPath(new URL('../../src/mcp/demo/server.ts', import.meta.url));
const SPAWN = { command: process.execPath, args: ['--import', 'tsx', SERVER], stderr: 'pipe' as const };
const TOOL_NAMES = ['get_weather', 'lookup_order', 'search_docs', 'send_email'];

interface ToolResult {
  content?: unknown;
  isError?: boolean;
}
/** The one text block every demo tool answers with. */
function textOf(result: ToolResult): string {
  const content = result.content as Array<{ type: string; text?: string }>;
  assert.equal(content.length, 1);
  assert.equal(content[0].type, 'text');
  return content[0].text ?? '';
}

/** What both eras must see; `call` is the era's callTool. */
async function exerciseTools(call: (name: string, args: Record<string, unknown>) => Promise<ToolResult>): Promise<void> {
  const docs = textOf(await call('search_docs', { query: 'tool approval' }));
  assert.match(docs, /## Tool approval \(tool-approval\)/);

  const weather = JSON.parse(textOf(await call('get_weather', { city: 'Lisbon', days: 2 })));
  assert.equal(weather.city, 'Lisbon');
  assert.equal(weather.days.length, 2);
  const again = JSON.parse(textOf(await call('get_weather', { city: 'Lisbon', days: 2 })));
  assert.deepEqual(again, weather, 'the forecast is deterministic');

  const order = JSON.parse(textOf(await call('lookup_order', { order_id: 'ORD-1002' })));
  assert.equal(order.customer, 'Grace Hopper');
  assert.equal(order.total, 2 * 289 + 3 * 12);
  assert.match(order.notes, /ignore previous instructions/, 'the tour needs an injection to catch');
  assert.match(order.notes, /grace\.hopper@example\.com/);

  const missing = await call('lookup_order', { order_id: 'ORD-9999' });
  assert.equal(missing.isError, true);
  assert.match(textOf(missing), /No order with id ORD-9999/);

  const invalid = await call('lookup_order', { order_id: 'DROP TABLE' });
  assert.equal(invalid.isError, true, 'input outside the schema is refused');

  const sent = JSON.parse(textOf(await call('send_email', { to: 'ada@example.com', subject: 'Hi', body: 'Your order shipped.' })));
  assert.equal(sent.status, 'queued');
  assert.match(sent.id, /^msg-\d{4}$/);
}

function assertToolList(tools: Array<{ name: string; inputSchema: unknown; annotations?: Record<string, unknown>; description?: string }>): void {
  assert.deepEqual(tools.map((t) => t.name).sort(), TOOL_NAMES);
  for (const tool of tools) {
    assert.ok(tool.description && tool.description.length > 40, `${tool.name} has a real description`);
    assert.equal(typeof tool.annotations?.readOnlyHint, 'boolean', `${tool.name} says whether it is read-only`);
  }
  const send = tools.find((t) => t.name === 'send_email');
  assert.equal(send?.annotations?.readOnlyHint, false);
  const lookup = tools.find((t) => t.name === 'lookup_order');
  assert.equal(lookup?.annotations?.readOnlyHint, true);
  assert.deepEqual((lookup?.inputSchema as { required?: string[] }).required, ['order_id']);
}

describe('demo MCP server, legacy era (SDK 1.x over stdio)', () => {
  let client: LegacyClient;
  before(async () => {
    client = new LegacyClient({ name: 'demo-test-legacy', version: '1.0.0' });
    await client.connect(new LegacyStdioTransport(SPAWN));
  });
  after(async () => client.close());

  test('initialize reports the demo server', () => {
    assert.equal(client.getServerVersion()?.name, 'gatehouse-demo');
  });

  test('lists the four tools with schemas and annotations', async () => {
    assertToolList((await client.listTools()).tools);
  });

  test('calls every tool', async () => {
    await exerciseTools((name, args) => client.callTool({ name, arguments: args }) as Promise<ToolResult>);
  });

  test('serves the handbook resource and the summarize_order prompt', async () => {
    const resources = await client.listResources();
    assert.deepEqual(resources.resources.map((r) => r.uri), ['demo://handbook']);
    const read = await client.readResource({ uri: 'demo://handbook' });
    assert.match(String((read.contents[0] as { text?: string }).text), /Gatehouse demo handbook/);
    const prompt = await client.getPrompt({ name: 'summarize_order', arguments: { order_id: 'ORD-1001' } });
    assert.match(String((prompt.messages[0].content as { text?: string }).text), /ORD-1001/);
  });
});

describe('demo MCP server, modern era (SDK 2.x pinned to 2026-07-28 over stdio)', () => {
  let client: ModernClient;
  before(async () => {
    client = new ModernClient({ name: 'demo-test-modern', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new ModernStdioTransport(SPAWN));
  });
  after(async () => client.close());

  test('negotiates the modern era', () => {
    assert.equal(client.getProtocolEra(), 'modern');
    assert.equal(client.getServerVersion()?.name, 'gatehouse-demo');
  });

  test('lists the four tools with schemas and annotations', async () => {
    assertToolList((await client.listTools()).tools);
  });

  test('calls every tool', async () => {
    await exerciseTools((name, args) => client.callTool({ name, arguments: args }) as Promise<ToolResult>);
  });

  test('serves the handbook resource and the summarize_order prompt', async () => {
    const read = await client.readResource({ uri: 'demo://handbook' });
    assert.match(String((read.contents[0] as { text?: string }).text), /Gatehouse demo handbook/);
    const prompt = await client.getPrompt({ name: 'summarize_order', arguments: { order_id: 'ORD-1003' } });
    assert.match(String((prompt.messages[0].content as { text?: string }).text), /ORD-1003/);
  });
});
