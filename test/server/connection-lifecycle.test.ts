// Keep-alive idle timeout and the shutdown deadline, in-process.
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { test } from 'node:test';
import { startTestGateway, testConfig } from '../support/gateway.js';

test('an idle keep-alive connection is closed after server.keepAliveTimeoutMs', async () => {
  const gw = await startTestGateway(`
server: { keepAliveTimeoutMs: 150 }
providers: { sim: { type: simulated } }
models: [ { name: m, provider: sim } ]
`);
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const started = performance.now();
    const closed = await new Promise<number>((resolve, reject) => {
      const req = request(`${gw.url}/v1/models`, { agent }, (res) => {
        res.resume();
        res.on('end', () => req.socket!.once('close', () => resolve(performance.now() - started)));
      });
      req.on('error', reject);
      req.end();
    });
    agent.destroy();
    // The default (65 s) would hold it far longer than this.
    assert.ok(closed < 3000, `closed after ${closed.toFixed(0)} ms`);
  } finally {
    await gw.stop();
  }
});

test('a stream still running at the shutdown deadline is cut and recorded as gateway_shutdown', async () => {
  const gw = await startTestGateway(
    testConfig({
      providers: '  slow: { type: simulated, tokensPerSecond: 20, outputTokens: 400 }',
      models: '  - { name: slow, provider: slow }',
      extra: 'server: { shutdownTimeoutMs: 200 }',
    }),
  );
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer gk-test', 'x-request-id': 'cut-by-shutdown' },
    body: JSON.stringify({ model: 'slow', stream: true, messages: [{ role: 'user', content: 'a long story' }] }),
  });
  const reader = res.body!.getReader();
  await reader.read();
  const stopping = gw.stop();
  let text = '';
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
  } catch {
    // the connection is closed under the reader: that is the point
  }
  await stopping;
  assert.ok(!text.includes('[DONE]'), 'the stream did not complete');
  const record = await gw.record('cut-by-shutdown');
  assert.equal((record.error as { code: string; fault: string }).code, 'gateway_shutdown');
  assert.equal((record.error as { code: string; fault: string }).fault, 'gateway');
  assert.equal(record.clientClosed, undefined);
  assert.ok((record.usage as { completionTokens: number }).completionTokens > 0, 'what was generated is accounted');
});
