// Inspect-out through the official SDKs: pseudonyms restored in JSON and streamed answers (an
// entity split across chunks included), response-side redaction and blocking in streams, with a
// mock provider that echoes the prompt in three-character chunks so that every placeholder and
// every card number arrives in pieces.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startMockServer, writeChunk, type MockUpstream } from '../support/mock-server.js';
import { startTestGateway, testConfig, type TestGateway } from '../support/gateway.js';

type Json = Record<string, unknown>;

/** Echoes the last user message of a chat request; streams it three characters per chunk. */
function startChunkyEcho(): Promise<MockUpstream> {
  return startMockServer(
    () => async (_req, res: ServerResponse, request) => {
      const body = request.json as Json;
      const messages = body.messages as { role: string; content: string }[];
      const text = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
      const meta = { id: 'chatcmpl-echo', object: 'chat.completion.chunk', created: 1, model: body.model };
      const usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };
      if (body.stream !== true) {
        const answer = { ...meta, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (chunk: Json) => writeChunk(res, `data: ${JSON.stringify({ ...meta, ...chunk })}\n\n`);
      await send({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
      for (let i = 0; i < text.length; i += 3) await send({ choices: [{ index: 0, delta: { content: text.slice(i, i + 3) }, finish_reason: null }] });
      await send({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
      await send({ choices: [], usage });
      res.end('data: [DONE]\n\n');
    },
    (res) => {
      res.writeHead(500);
      res.end();
    },
  );
}

let gw: TestGateway;
let mock: MockUpstream;
let openai: OpenAI;
let anthropic: Anthropic;

before(async () => {
  mock = await startChunkyEcho();
  gw = await startTestGateway(
    testConfig({
      providers: `
  echo: { type: simulated, mode: echo }
  chunky: { type: openai-compatible, baseUrl: "${mock.url}" }`,
      models: `
  - name: pseudo
    provider: echo
    policies:
      data-protection: { defaultAction: pseudonymize }
  - name: pseudo-chunky
    provider: chunky
    model: echo
    policies:
      data-protection: { defaultAction: pseudonymize }
  - name: out-redact
    provider: chunky
    model: echo
    policies:
      data-protection: { direction: response, defaultAction: redact }
  - name: out-block
    provider: chunky
    model: echo
    policies:
      data-protection: { direction: response, defaultAction: log_only, actions: { credit_card: block } }`,
    }),
  );
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-test', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'gk-test', maxRetries: 0 });
});
after(async () => {
  await gw.stop();
  await mock.close();
});

const PROMPT = 'Write to ana.lopez@example.com and copy bo@example.org, then call +44 20 7946 0958. Thanks, ana.lopez@example.com';

/** The last request the mock received: its user text. */
const providerSaw = (): string => {
  const body = mock.requests.at(-1)!.json as { messages: { role: string; content: string }[] };
  return body.messages.at(-1)!.content;
};

describe('pseudonymize: placeholders to the model, originals back to the caller', () => {
  test('chat JSON: the provider sees only placeholders, the caller gets its values back', async () => {
    const { data, response } = await openai.chat.completions.create({ model: 'pseudo-chunky', messages: [{ role: 'user', content: PROMPT }] }).withResponse();
    assert.equal(providerSaw(), 'Write to [EMAIL_1] and copy [EMAIL_2], then call [PHONE_1]. Thanks, [EMAIL_1]');
    assert.equal(data.choices[0]!.message.content, PROMPT);
    const record = await gw.record(response.headers.get('x-request-id')!);
    assert.ok(!JSON.stringify(record).includes('ana.lopez'), 'the record never holds a value');
    const decisions = record.decisions as { phase: string; verdict: string; reason: string }[];
    assert.ok(decisions.some((d) => d.phase === 'inspectOut' && d.verdict === 'mutate' && /restored 4 pseudonyms/.test(d.reason)), JSON.stringify(decisions));
  });

  test('chat stream: placeholders split across three-character chunks are still put back', async () => {
    const stream = await openai.chat.completions.create({ model: 'pseudo-chunky', stream: true, messages: [{ role: 'user', content: PROMPT }] });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      chunks++;
    }
    assert.equal(providerSaw(), 'Write to [EMAIL_1] and copy [EMAIL_2], then call [PHONE_1]. Thanks, [EMAIL_1]');
    assert.equal(text, PROMPT);
    assert.ok(chunks > 5, 'the answer still streams in pieces');
  });

  test('the openai SDK stream helper assembles the restored text', async () => {
    const stream = openai.chat.completions.stream({ model: 'pseudo-chunky', messages: [{ role: 'user', content: PROMPT }] });
    const final = await stream.finalChatCompletion();
    assert.equal(final.choices[0]!.message.content, PROMPT);
  });

  test('Anthropic Messages, JSON and streamed, against the simulated provider', async () => {
    const message = await anthropic.messages.create({ model: 'pseudo', max_tokens: 300, messages: [{ role: 'user', content: PROMPT }] });
    assert.equal(message.content[0]!.type === 'text' ? message.content[0]!.text : '', PROMPT);
    const stream = anthropic.messages.stream({ model: 'pseudo', max_tokens: 300, messages: [{ role: 'user', content: PROMPT }] });
    let deltas = '';
    stream.on('text', (t) => {
      deltas += t;
    });
    const final = await stream.finalMessage();
    assert.equal(deltas, PROMPT);
    assert.equal(final.content[0]!.type === 'text' ? final.content[0]!.text : '', PROMPT);
  });

  test('Responses API streamed (translated twice): deltas, done events and the final response agree', async () => {
    const stream = openai.responses.stream({ model: 'pseudo', input: PROMPT });
    let deltas = '';
    let doneText = '';
    const sequence: number[] = [];
    for await (const event of stream) {
      sequence.push(event.sequence_number);
      if (event.type === 'response.output_text.delta') deltas += event.delta;
      if (event.type === 'response.output_text.done') doneText = event.text;
    }
    const final = await stream.finalResponse();
    assert.equal(deltas, PROMPT);
    assert.equal(doneText, PROMPT);
    assert.equal(final.output_text, PROMPT);
    assert.deepEqual(sequence, sequence.map((_, i) => sequence[0]! + i), 'sequence numbers still count up by one');
    const json = await openai.responses.create({ model: 'pseudo', input: PROMPT });
    assert.equal(json.output_text, PROMPT);
  });
});

describe('direction: response', () => {
  test('a card number the model writes, split across chunks, is redacted in the stream; findings say where', async () => {
    const card = 'Your card 4111 1111 1111 1111 expires soon, write to help@example.com today.';
    const { data: stream, response } = await openai.chat.completions.create({ model: 'out-redact', stream: true, messages: [{ role: 'user', content: card }] }).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(providerSaw(), card, 'the request is not inspected');
    assert.equal(text, 'Your card [CREDIT_CARD_1] expires soon, write to [EMAIL_1] today.');
    const record = await gw.record(response.headers.get('x-request-id')!);
    const findings = (record.findings as { type: string; direction?: string; start: number; end: number; action: string }[]).map((f) => [f.type, f.direction, f.start, f.end, f.action]);
    assert.deepEqual(findings, [
      ['credit_card', 'response', 10, 29, 'redact'],
      ['email', 'response', 53, 69, 'redact'],
    ]);
  });

  test('the same answer unstreamed is redacted the same way', async () => {
    const card = 'Your card 4111 1111 1111 1111 expires soon, write to help@example.com today.';
    const data = await openai.chat.completions.create({ model: 'out-redact', messages: [{ role: 'user', content: card }] });
    assert.equal(data.choices[0]!.message.content, 'Your card [CREDIT_CARD_1] expires soon, write to [EMAIL_1] today.');
  });

  test('block in a stream: the text before goes out, the card never does, the stream ends with a typed error', async () => {
    const prompt = 'Here is the number you asked for: 4111 1111 1111 1111, keep it safe. ' + 'More words follow here. '.repeat(4);
    const { data: stream, response } = await openai.chat.completions.create({ model: 'out-block', stream: true, messages: [{ role: 'user', content: prompt }] }).withResponse();
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.APIError, String(err));
        assert.equal((err as { code?: string }).code, 'sensitive_data_blocked');
        assert.match(err.message, /credit_card/);
        return true;
      },
    );
    assert.ok(!/\d{4}/.test(text), `no digits of the card reached the caller: ${JSON.stringify(text)}`);
    assert.ok(prompt.startsWith(text), 'what went out is a prefix of the answer');
    const record = await gw.record(response.headers.get('x-request-id')!);
    assert.equal((record.error as { code: string }).code, 'sensitive_data_blocked');
  });

  test('block in a JSON answer: the caller gets the typed error instead', async () => {
    await assert.rejects(openai.chat.completions.create({ model: 'out-block', messages: [{ role: 'user', content: 'card 4111 1111 1111 1111' }] }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError, String(err));
      assert.equal(err.code, 'sensitive_data_blocked');
      assert.doesNotMatch(err.message, /4111/);
      return true;
    });
  });
});
