import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { MODERN_VERSION } from '../../src/mcp/jsonrpc.js';
import { createUpstream, UpstreamError, type Upstream, type UpstreamMessage, type UpstreamStdioConfig } from '../../src/mcp/upstream/index.js';
import { ALLOW_NODE, CLIENT, REPO_ROOT, callTool, capturingLogger, fixtureCommand, silentLogger, text } from '../fixtures/mcp/upstream-harness.js';

const upstreams: Upstream[] = [];
function upstream(file: string, overrides: Partial<UpstreamStdioConfig> = {}, logger = silentLogger): Upstream {
  const u = createUpstream(fixtureCommand(file, overrides), { ...ALLOW_NODE, logger });
  upstreams.push(u);
  return u;
}
after(() => Promise.all(upstreams.map((u) => u.close())));

async function rejectsWith(promise: Promise<unknown>, kind: UpstreamError['kind']): Promise<UpstreamError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof UpstreamError, `expected an UpstreamError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    return err;
  }
  assert.fail(`expected an UpstreamError of kind ${kind}`);
}

const V1 = 'upstream-v1-stdio.ts';
const V2 = 'upstream-v2-stdio.ts';

describe('upstream over stdio, session era (SDK 1.x server)', () => {
  it('opens with initialize; tools/list, tools/call, progress with the caller\'s token, elicitation answered through respond()', async () => {
    const session = await upstream(V1, { era: 'legacy' }).open(CLIENT);
    assert.equal(session.era, 'legacy');
    assert.equal(session.protocolVersion, '2025-11-25');
    assert.equal(session.serverInfo.name, 'upstream-v1');
    assert.equal(session.resumeId, undefined);
    const tools = await session.request('tools/list', {});
    assert.ok((tools.result?.tools as { name: string }[]).some((t) => t.name === 'add'));
    assert.equal(text(await callTool(session, 'add', { a: 2, b: 3 })), '5');

    const seen: string[] = [];
    const slow = await session.request('tools/call', { name: 'slow', arguments: {}, _meta: { progressToken: 'tok-s' } }, {
      onMessage: (m) => seen.push(`${m.method}:${String(m.params?.progressToken)}:${String(m.params?.progress)}`),
    });
    seen.push(`response:${text(slow)}`);
    assert.deepEqual(seen, ['notifications/progress:tok-s:1', 'notifications/progress:tok-s:2', 'notifications/progress:tok-s:3', 'response:slow done']);

    const asked: UpstreamMessage[] = [];
    const named = await callTool(session, 'ask_name', {}, {
      onMessage: (m) => {
        asked.push(m);
        if ('id' in m) void session.respond({ jsonrpc: '2.0', id: m.id, result: { action: 'accept', content: { name: 'Ada' } } });
      },
    });
    assert.deepEqual(asked.map((m) => m.method), ['elicitation/create']);
    assert.equal(text(named), 'Hello Ada');
    await session.close();
  });

  it('listen() receives what the server writes while no request is in flight', async () => {
    const session = await upstream(V1, { era: 'legacy' }).open(CLIENT);
    const got = new Promise<UpstreamMessage>((resolve) => session.listen(resolve));
    assert.equal(text(await callTool(session, 'announce')), 'announced');
    assert.equal((await got).method, 'notifications/tools/list_changed');
    await session.close();
  });

  it('auto picks the session era (discover answered with an error) and caches the verdict', async () => {
    const u = upstream(V1, { era: 'auto' });
    const session = await u.open(CLIENT);
    assert.equal(session.era, 'legacy');
    assert.equal(text(await callTool(session, 'add', { a: 1, b: 2 })), '3');
    const second = await u.open(CLIENT);
    assert.equal(second.era, 'legacy');
    await Promise.all([session.close(), second.close()]);
  });
});

describe('upstream over stdio, 2026-07-28 (SDK 2.x server)', () => {
  it('opens with server/discover; tools/call, progress with the caller\'s token, input_required and its retry', async () => {
    const session = await upstream(V2, { era: 'modern' }).open(CLIENT);
    assert.equal(session.era, 'modern');
    assert.equal(session.protocolVersion, MODERN_VERSION);
    assert.equal(session.serverInfo.name, 'upstream-v2');
    assert.equal(text(await callTool(session, 'echo', { text: 'hi' })), 'echo(modern): hi');

    const seen: string[] = [];
    const slow = await session.request('tools/call', { name: 'slow', arguments: {}, _meta: { progressToken: 9 } }, {
      onMessage: (m) => seen.push(`${m.method}:${String(m.params?.progressToken)}:${String(m.params?.progress)}`),
    });
    seen.push(`response:${text(slow)}`);
    assert.deepEqual(seen, ['notifications/progress:9:1', 'notifications/progress:9:2', 'notifications/progress:9:3', 'response:slow done']);

    const first = await callTool(session, 'ask_name');
    assert.equal(first.result?.resultType, 'input_required');
    assert.equal(first.result?.requestState, 'round-1');
    const retry = await session.request('tools/call', {
      name: 'ask_name',
      arguments: {},
      inputResponses: { name: { action: 'accept', content: { name: 'Ada' } } },
      requestState: first.result?.requestState,
    });
    assert.equal(text(retry), 'Hello Ada (round-1)');
    await session.close();
  });

  it('auto picks 2026-07-28', async () => {
    const session = await upstream(V2, { era: 'auto' }).open(CLIENT);
    assert.equal(session.era, 'modern');
    assert.equal(text(await callTool(session, 'echo', { text: 'x' })), 'echo(modern): x');
    await session.close();
  });

  it('legacy when configured so, on the same dual-era server', async () => {
    const session = await upstream(V2, { era: 'legacy' }).open(CLIENT);
    assert.equal(session.era, 'legacy');
    assert.equal(text(await callTool(session, 'echo', { text: 'x' })), 'echo(legacy): x');
    await session.close();
  });
});

describe('upstream over stdio, process control', () => {
  it('refuses to spawn a command that is not allow-listed, without spawning', async () => {
    const u = createUpstream(fixtureCommand(V1, { command: 'node' }), { allowCommands: ['/usr/bin/node-other'], logger: silentLogger });
    const err = await rejectsWith(u.open(CLIENT), 'spawn_refused');
    assert.match(err.message, /not in the allowed commands/);
    await u.close();
  });

  it('gives the child only its configured environment plus PATH, in the configured cwd', async () => {
    process.env.GATEHOUSE_UPSTREAM_TEST_SECRET = 'must-not-leak';
    try {
      const session = await upstream(V1, { era: 'legacy', env: { VISIBLE: 'yes' } }).open(CLIENT);
      const report = JSON.parse(text(await callTool(session, 'env'))) as { secret: string | null; visible: string | null; keys: string[]; cwd: string };
      assert.equal(report.secret, null);
      assert.equal(report.visible, 'yes');
      assert.deepEqual(report.keys, ['PATH', 'VISIBLE']);
      assert.equal(report.cwd.replace(/\/$/, ''), REPO_ROOT.replace(/\/$/, ''));
      await session.close();
    } finally {
      delete process.env.GATEHOUSE_UPSTREAM_TEST_SECRET;
    }
  });

  it('a process that exits mid-request fails the request with exited; the session is dead; open() spawns anew', async () => {
    const u = upstream(V1, { era: 'legacy' });
    const session = await u.open(CLIENT);
    await rejectsWith(callTool(session, 'crash'), 'exited');
    await rejectsWith(callTool(session, 'add', { a: 1, b: 1 }), 'exited');
    const fresh = await u.open(CLIENT);
    assert.equal(text(await callTool(fresh, 'add', { a: 1, b: 1 })), '2');
    await fresh.close();
  });

  it('times out with kind timeout (and the session stays usable)', async () => {
    const session = await upstream(V1, { era: 'legacy', timeoutMs: 2500 }).open(CLIENT);
    await rejectsWith(callTool(session, 'hang'), 'timeout');
    assert.equal(text(await callTool(session, 'add', { a: 4, b: 4 })), '8');
    await session.close();
  });

  it('an abort rejects with the caller\'s reason', async () => {
    const session = await upstream(V1, { era: 'legacy' }).open(CLIENT);
    const controller = new AbortController();
    const pending = callTool(session, 'hang', {}, { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await assert.rejects(pending, /caller gave up/);
    await session.close();
  });

  it('sends stderr lines to the debug log', async () => {
    const { logger, lines } = capturingLogger();
    const session = await upstream(V1, { era: 'legacy' }, logger).open(CLIENT);
    await callTool(session, 'add', { a: 1, b: 1 });
    await session.close();
    assert.ok(lines.some((l) => l.msg === 'MCP upstream stderr' && l.stderr === 'upstream-v1 stdio ready' && l.level === 20));
  });
});

describe('upstream over stdio, misbehaving servers', () => {
  const misbehave = (mode: string, overrides: Partial<UpstreamStdioConfig> = {}, logger = silentLogger): Upstream =>
    upstream('upstream-misbehave.ts', { args: ['--import', 'tsx', fixtureCommand('upstream-misbehave.ts').args[2], mode], ...overrides }, logger);

  it('skips lines that are not JSON-RPC (and logs them)', async () => {
    const { logger, lines } = capturingLogger();
    const session = await misbehave('junk', { era: 'legacy' }, logger).open(CLIENT);
    const tools = await session.request('tools/list', {});
    assert.deepEqual(tools.result, { tools: [] });
    assert.ok(lines.some((l) => l.msg === 'MCP upstream wrote a line that is not JSON-RPC'));
    await session.close();
  });

  it('kills a process that writes a line over 4 MB; the request fails with protocol', async () => {
    const session = await misbehave('huge', { era: 'legacy' }).open(CLIENT);
    const err = await rejectsWith(callTool(session, 'anything'), 'protocol');
    assert.match(err.message, /longer than/);
    await rejectsWith(session.request('tools/list', {}), 'protocol');
  });

  it('auto: a session-era server that exits on server/discover is respawned and initialized', async () => {
    const session = await misbehave('exit-on-discover', { era: 'auto' }).open(CLIENT);
    assert.equal(session.era, 'legacy');
    assert.equal(session.protocolVersion, '2025-06-18');
    assert.deepEqual((await session.request('tools/list', {})).result, { tools: [] });
    await session.close();
  });

  it('auto: a session-era server that never answers server/discover is taken as session era', async () => {
    const session = await misbehave('silent-discover', { era: 'auto' }).open(CLIENT);
    assert.equal(session.era, 'legacy');
    await session.close();
  });

  it('a command that cannot start fails the open with exited', async () => {
    const u = createUpstream(fixtureCommand(V1, { command: '/nonexistent/mcp-server', era: 'legacy' }), { allowCommands: ['/nonexistent/mcp-server'], logger: silentLogger });
    await rejectsWith(u.open(CLIENT), 'exited');
    await u.close();
  });
});
