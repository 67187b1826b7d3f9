// A streamed call must cost exactly what the same unstreamed call costs, for every pair of client
// format and provider format — passthrough and translation alike.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startMockAnthropic } from '../support/mock-anthropic-upstream.js';
import { startMockOpenAI } from '../support/mock-openai-upstream.js';
import type { MockUpstream } from '../support/mock-server.js';
import { startTestGateway, testConfig, type TestGateway } from '../support/gateway.js';

let anth: MockUpstream;
let oa: MockUpstream;
let gw: TestGateway;
const PRICE = '{ input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 }';

before(async () => {
  anth = await startMockAnthropic();
  oa = await startMockOpenAI();
  gw = await startTestGateway(
    testConfig({
      providers: `
  anth: { type: anthropic, baseUrl: "${anth.url}", apiKey: sk-ant }
  compat: { type: openai-compatible, baseUrl: "${oa.url}", apiKey: sk-oa }
  native: { type: openai, baseUrl: "${oa.url}", apiKey: sk-oa }`,
      models: `
  - { name: anth-text, provider: anth, model: mock-text }
  - { name: anth-cache, provider: anth, model: mock-cache-usage }
  - { name: anth-tools, provider: anth, model: mock-tool-use }
  - { name: compat-text, provider: compat, model: mock-text }
  - { name: compat-tools, provider: compat, model: mock-parallel-tool-calls }
  - { name: native-text, provider: native, model: mock-text }
  - { name: native-tools, provider: native, model: mock-tool-call }`,
      extra: `
prices:
  mock-text: ${PRICE}
  mock-cache-usage: ${PRICE}
  mock-tool-use: ${PRICE}
  mock-parallel-tool-calls: ${PRICE}
  mock-tool-call: ${PRICE}
`,
    }),
  );
});
after(async () => {
  await gw.stop();
  await anth.close();
  await oa.close();
});

const CLIENTS = {
  chat: { path: '/v1/chat/completions', body: (model: string) => ({ model, messages: [{ role: 'user', content: 'Weather in Paris?' }] }) },
  messages: { path: '/v1/messages', body: (model: string) => ({ model, max_tokens: 300, messages: [{ role: 'user', content: 'Weather in Paris?' }] }) },
  responses: { path: '/v1/responses', body: (model: string) => ({ model, input: 'Weather in Paris?' }) },
} as const;

async function call(client: keyof typeof CLIENTS, model: string, stream: boolean): Promise<Record<string, unknown>> {
  const res = await fetch(gw.url + CLIENTS[client].path, {
    method: 'POST',
    headers: { authorization: 'Bearer gk-test', 'content-type': 'application/json' },
    body: JSON.stringify({ ...CLIENTS[client].body(model), ...(stream ? { stream: true } : {}) }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return gw.record(res.headers.get('x-request-id')!);
}

const MODELS = ['anth-text', 'anth-cache', 'anth-tools', 'compat-text', 'compat-tools', 'native-text', 'native-tools'];

for (const client of Object.keys(CLIENTS) as (keyof typeof CLIENTS)[]) {
  for (const model of MODELS) {
    test(`${client} → ${model}: streamed usage and cost equal unstreamed`, async () => {
      const plain = await call(client, model, false);
      const streamed = await call(client, model, true);
      assert.equal(plain.error, undefined);
      assert.equal(streamed.error, undefined);
      assert.equal((plain.usage as { source: string }).source, 'provider');
      assert.deepEqual(streamed.usage, plain.usage);
      assert.equal(typeof plain.costUsd, 'number');
      assert.equal(streamed.costUsd, plain.costUsd);
    });
  }
}
