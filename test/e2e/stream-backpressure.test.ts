// A client that reads a stream slower than the provider writes it: the gateway must hold a bounded
// amount (it stops reading from the provider, which then waits on its socket) and, once the client
// reads again, relay every event in order, nothing lost or repeated.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestGateway, testConfig, type TestGateway } from '../support/gateway.js';

const EVENTS = 8192;
const CONTENT = 'x'.repeat(8 * 1024 - 16); // ~8 KB per event: 64 MB in all
const contentOf = (i: number): string => `${String(i).padStart(8, '0')} ${CONTENT}`;

/** What the provider has written so far, and whether it is waiting on its socket. */
const provider = { written: 0, blockedSince: 0, finished: false };

function chunk(i: number): string {
  return `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { content: contentOf(i) }, finish_reason: null }] })}\n\n`;
}

let upstream: Server;
let gw: TestGateway;
before(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      // Writes as fast as the socket takes it, waiting for 'drain' when it does not.
      const pump = (): void => {
        provider.blockedSince = 0;
        while (i < EVENTS) {
          const text = chunk(i++);
          provider.written += text.length;
          if (!res.write(text)) {
            provider.blockedSince = performance.now();
            res.once('drain', pump);
            return;
          }
        }
        const last = { id: 'x', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
        const usage = { id: 'x', object: 'chat.completion.chunk', model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: EVENTS, total_tokens: EVENTS + 3 } };
        res.end(`data: ${JSON.stringify(last)}\n\ndata: ${JSON.stringify(usage)}\n\ndata: [DONE]\n\n`);
        provider.finished = true;
      };
      pump();
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  gw = await startTestGateway(
    testConfig({
      providers: `\n  edge: { type: openai-compatible, baseUrl: "http://127.0.0.1:${port}/v1" }`,
      models: `\n  - { name: "firehose", provider: edge, streamIdleTimeoutMs: 60000 }`,
    }),
  );
});
after(async () => {
  await gw.stop();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

/** Resolves once the provider has waited on its socket for `ms` without being drained (it is held back). */
function providerHeldFor(ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (provider.finished) {
        clearInterval(check);
        reject(new Error(`the provider wrote all ${provider.written} bytes while the client read nothing: the gateway buffered them`));
      } else if (provider.blockedSince !== 0 && performance.now() - provider.blockedSince >= ms) {
        clearInterval(check);
        resolve();
      }
    }, 20);
  });
}

test('a slow client holds the provider back, then gets every event in order once it reads', async () => {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer gk-test', 'content-type': 'application/json' } }, resolve);
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'firehose', messages: [{ role: 'user', content: 'hi' }], stream: true }));
  });
  assert.equal(res.statusCode, 200);
  // The client reads nothing: everything between the provider and it is buffers.
  res.pause();
  await providerHeldFor(300);
  const held = provider.written;
  assert.ok(held < (EVENTS * CONTENT.length) / 2, `the provider got ${held} bytes out while the client read nothing`);

  // Now the client reads: every event arrives once, in order, then [DONE].
  res.setEncoding('utf8');
  let text = '';
  let next = 0;
  let done = false;
  for await (const piece of res) {
    text += piece;
    let end: number;
    while ((end = text.indexOf('\n\n')) !== -1) {
      const event = text.slice(0, end);
      text = text.slice(end + 2);
      const data = event.slice('data: '.length);
      if (data === '[DONE]') {
        done = true;
        continue;
      }
      const parsed = JSON.parse(data) as { choices: { delta: { content?: string } }[] };
      const content = parsed.choices[0]?.delta.content;
      if (content === undefined) continue;
      if (content !== contentOf(next)) assert.fail(`event ${next} arrived as ${content.slice(0, 8)}`);
      next++;
    }
  }
  assert.equal(next, EVENTS);
  assert.equal(done, true);
  assert.equal(provider.finished, true);
});
