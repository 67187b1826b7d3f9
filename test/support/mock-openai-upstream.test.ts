import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { readFixture, sseDataPayloads, startMockOpenAI, type MockUpstream } from './mock-openai-upstream.js';

const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }];

async function withMock(fn: (mock: MockUpstream, client: OpenAI) => Promise<void>, latencyMs?: number): Promise<void> {
  const mock = await startMockOpenAI(latencyMs === undefined ? {} : { latencyMs });
  const client = new OpenAI({ baseURL: mock.url, apiKey: 'x', maxRetries: 0 });
  try {
    await fn(mock, client);
  } finally {
    await mock.close();
  }
}

function completionFixture(name: string): ChatCompletion {
  return JSON.parse(readFixture(name)) as ChatCompletion;
}

function chunksOf(name: string): ChatCompletionChunk[] {
  return sseDataPayloads(readFixture(name))
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data) as ChatCompletionChunk);
}

interface Assembled {
  content: string | null;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finishReason: string | null;
  usage: CompletionUsage | null;
}

/** Rebuilds the message a client would see, keying tool-call fragments by index. */
function assemble(chunks: ChatCompletionChunk[]): Assembled {
  let content: string | null = null;
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  let finishReason: string | null = null;
  let usage: CompletionUsage | null = null;
  for (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      if (typeof choice.delta.content === 'string') content = (content ?? '') + choice.delta.content;
      for (const tc of choice.delta.tool_calls ?? []) {
        const call = calls.get(tc.index) ?? { id: '', name: '', arguments: '' };
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.name += tc.function.name;
        if (tc.function?.arguments) call.arguments += tc.function.arguments;
        calls.set(tc.index, call);
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
  }
  const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  return { content, toolCalls, finishReason, usage };
}

function expectedFrom(completion: ChatCompletion): Assembled {
  const choice = completion.choices[0]!;
  return {
    content: choice.message.content,
    toolCalls: (choice.message.tool_calls ?? []).map((tc) => {
      assert.equal(tc.type, 'function');
      return { id: tc.id, name: tc.function.name, arguments: tc.function.arguments };
    }),
    finishReason: choice.finish_reason,
    usage: completion.usage ?? null,
  };
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

// ---------------------------------------------------------------- fixture consistency

/** Every .sse fixture, the .json it must agree with, and whether the stream is complete. */
const SSE_PAIRS: Record<string, { json: string; complete: boolean; usage: 'final-chunk' | 'last-choice' | 'none' }> = {
  'chat-text.sse': { json: 'chat-text.json', complete: true, usage: 'final-chunk' },
  'chat-text-no-usage.sse': { json: 'chat-text.json', complete: true, usage: 'none' },
  'chat-usage-in-last-choice.sse': { json: 'chat-text.json', complete: true, usage: 'last-choice' },
  'chat-cut.sse': { json: 'chat-text.json', complete: false, usage: 'none' },
  'chat-tool-call.sse': { json: 'chat-tool-call.json', complete: true, usage: 'final-chunk' },
  'chat-parallel-tool-calls.sse': { json: 'chat-parallel-tool-calls.json', complete: true, usage: 'final-chunk' },
  'chat-parallel-tool-calls-interleaved.sse': { json: 'chat-parallel-tool-calls.json', complete: true, usage: 'final-chunk' },
};

test('every chat .sse fixture is paired with a .json fixture', () => {
  // responses-*.sse are checked by test/llm/formats/openai-responses-stream.test.ts.
  const sse = readdirSync(new URL('../fixtures/openai/', import.meta.url)).filter((f) => f.startsWith('chat-') && f.endsWith('.sse'));
  assert.deepEqual(sse.sort(), Object.keys(SSE_PAIRS).sort());
});

for (const [file, pair] of Object.entries(SSE_PAIRS)) {
  test(`fixture ${file} is well-formed and agrees with ${pair.json}`, () => {
    const raw = readFixture(file);
    assert.match(raw, /^(data: [^\n]+\n\n)+$/, 'only `data: ...` events separated by blank lines');
    assert.equal(raw.endsWith('data: [DONE]\n\n'), pair.complete);

    const chunks = chunksOf(file);
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1, 'one id for the whole stream');
    assert.equal(new Set(chunks.map((c) => c.created)).size, 1, 'one created for the whole stream');
    for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');

    const got = assemble(chunks);
    const want = expectedFrom(completionFixture(pair.json));
    if (!pair.complete) {
      assert.equal(got.finishReason, null);
      assert.equal(got.usage, null);
      assert.ok(want.content?.startsWith(got.content ?? '\0'), 'cut content is a prefix of the full answer');
      assert.ok((got.content ?? '').length < (want.content ?? '').length);
      return;
    }
    assert.equal(got.content, want.content);
    assert.deepEqual(
      got.toolCalls.map(({ name, arguments: args }) => ({ name, arguments: args })),
      want.toolCalls.map(({ name, arguments: args }) => ({ name, arguments: args })),
    );
    assert.equal(got.finishReason, want.finishReason);

    const last = chunks.at(-1)!;
    switch (pair.usage) {
      case 'final-chunk':
        assert.deepEqual(last.choices, []);
        assert.deepEqual(last.usage, want.usage);
        for (const c of chunks.slice(0, -1)) assert.equal(c.usage, null, 'include_usage: other chunks carry usage:null');
        break;
      case 'last-choice':
        assert.equal(last.choices[0]?.finish_reason, want.finishReason);
        assert.deepEqual(last.usage, want.usage);
        break;
      case 'none':
        for (const c of chunks) assert.ok(!('usage' in c), 'no usage key without include_usage');
        break;
    }
  });
}

test('chat-text.json carries cached and reasoning token details', () => {
  const usage = completionFixture('chat-text.json').usage!;
  assert.equal(usage.prompt_tokens_details?.cached_tokens, 1024);
  assert.equal(usage.prompt_tokens, 1200);
  assert.ok((usage.completion_tokens_details?.reasoning_tokens ?? 0) > 0);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
});

// ---------------------------------------------------------------- chat via the SDK

test('non-streamed text: content, usage, echoed model, request recorded', async () => {
  await withMock(async (mock, client) => {
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    const want = completionFixture('chat-text.json');
    assert.equal(data.model, 'gpt-4o-mini');
    assert.equal(data.choices[0]!.message.content, want.choices[0]!.message.content);
    assert.equal(data.choices[0]!.finish_reason, 'stop');
    assert.deepEqual(data.usage, want.usage);
    assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/);

    assert.equal(mock.requests.length, 1);
    const [req] = mock.requests;
    assert.equal(req!.method, 'POST');
    assert.equal(req!.path, '/v1/chat/completions');
    assert.equal(req!.headers['authorization'], 'Bearer x');
    assert.deepEqual(JSON.parse(req!.body), req!.json);
    assert.equal((req!.json as { model: string }).model, 'gpt-4o-mini');
  });
});

test('streamed text with include_usage: same content, usage in the final choices:[] chunk', async () => {
  await withMock(async (_mock, client) => {
    const stream = await client.chat.completions.create({ model: 'mock-text', messages, stream: true, stream_options: { include_usage: true } });
    const chunks = await collect(stream);
    const want = expectedFrom(completionFixture('chat-text.json'));
    const got = assemble(chunks);
    assert.equal(got.content, want.content);
    assert.equal(got.finishReason, 'stop');
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, want.usage);
    for (const c of chunks.slice(0, -1)) assert.equal(c.usage, null);
    for (const c of chunks) assert.equal(c.model, 'mock-text');
  });
});

test('streamed text without include_usage: no usage anywhere, same content', async () => {
  await withMock(async (_mock, client) => {
    const chunks = await collect(await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }));
    assert.equal(assemble(chunks).content, completionFixture('chat-text.json').choices[0]!.message.content);
    for (const c of chunks) assert.ok(!('usage' in c));
    assert.ok(chunks.every((c) => c.choices.length === 1));
  });
});

test('include_obfuscation:false drops the obfuscation field', async () => {
  await withMock(async (_mock, client) => {
    const on = await collect(await client.chat.completions.create({ model: 'mock-text', messages, stream: true }));
    assert.ok(on.every((c) => typeof (c as { obfuscation?: unknown }).obfuscation === 'string'));
    const off = await collect(
      await client.chat.completions.create({ model: 'mock-text', messages, stream: true, stream_options: { include_obfuscation: false } }),
    );
    assert.ok(off.every((c) => !('obfuscation' in c)));
  });
});

test('usage-in-last-choice: usage rides on the finish_reason chunk even without include_usage', async () => {
  await withMock(async (_mock, client) => {
    const chunks = await collect(await client.chat.completions.create({ model: 'mock-usage-in-last-choice', messages, stream: true }));
    const last = chunks.at(-1)!;
    assert.equal(last.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(last.usage, completionFixture('chat-text.json').usage);
    assert.equal(assemble(chunks).content, completionFixture('chat-text.json').choices[0]!.message.content);
  });
});

test('tool call: JSON and stream both give get_weather({"city":"Paris"})', async () => {
  await withMock(async (_mock, client) => {
    const json = await client.chat.completions.create({ model: 'mock-tool-call', messages });
    const msg = json.choices[0]!.message;
    assert.equal(msg.content, null);
    assert.equal(json.choices[0]!.finish_reason, 'tool_calls');
    const call = msg.tool_calls![0]!;
    assert.ok(call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });

    const got = assemble(
      await collect(await client.chat.completions.create({ model: 'mock-tool-call', messages, stream: true, stream_options: { include_usage: true } })),
    );
    assert.deepEqual(got.toolCalls, [{ id: call.id, name: 'get_weather', arguments: call.function.arguments }]);
    assert.equal(got.finishReason, 'tool_calls');
    assert.equal(got.content, null);
    assert.deepEqual(got.usage, json.usage);
  });
});

for (const model of ['mock-parallel-tool-calls', 'mock-parallel-tool-calls-interleaved']) {
  test(`${model}: stream reassembles to two calls with the right arguments`, async () => {
    await withMock(async (_mock, client) => {
      const chunks = await collect(await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } }));
      const indices = new Set(chunks.flatMap((c) => c.choices.flatMap((ch) => (ch.delta.tool_calls ?? []).map((tc) => tc.index))));
      assert.deepEqual([...indices].sort(), [0, 1]);
      const got = assemble(chunks);
      assert.deepEqual(
        got.toolCalls.map((tc) => [tc.name, JSON.parse(tc.arguments)]),
        [
          ['get_weather', { city: 'Paris' }],
          ['get_weather', { city: 'Tokyo' }],
        ],
      );
      assert.notEqual(got.toolCalls[0]!.id, got.toolCalls[1]!.id);
      assert.equal(got.finishReason, 'tool_calls');
      assert.deepEqual(got.usage, completionFixture('chat-parallel-tool-calls.json').usage);

      // The SDK's own accumulator agrees with the non-streamed fixture.
      const final = await client.chat.completions
        .stream({ model, messages, stream_options: { include_usage: true } })
        .finalChatCompletion();
      const want = completionFixture('chat-parallel-tool-calls.json').choices[0]!.message.tool_calls!;
      assert.deepEqual(
        final.choices[0]!.message.tool_calls!.map((tc) => (tc.type === 'function' ? [tc.id, tc.function.name, tc.function.arguments] : [])),
        want.map((tc) => (tc.type === 'function' ? [tc.id, tc.function.name, tc.function.arguments] : [])),
      );
    });
  });
}

test('parallel tool calls without include_usage: the usage-only chunk is dropped', async () => {
  await withMock(async (_mock, client) => {
    const chunks = await collect(await client.chat.completions.create({ model: 'mock-parallel-tool-calls', messages, stream: true }));
    assert.ok(chunks.every((c) => c.choices.length === 1 && !('usage' in c)));
    assert.equal(assemble(chunks).toolCalls.length, 2);
  });
});

test('cut stream: the SDK iteration throws "terminated" (socket closed) with no finish_reason seen', async () => {
  await withMock(async (_mock, client) => {
    const stream = await client.chat.completions.create({ model: 'mock-cut', messages, stream: true, stream_options: { include_usage: true } });
    const seen: ChatCompletionChunk[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) seen.push(chunk);
      })(),
      (err: unknown) => {
        assert.ok(err instanceof TypeError);
        assert.equal(err.message, 'terminated');
        assert.equal((err.cause as { code?: string } | undefined)?.code, 'UND_ERR_SOCKET');
        return true;
      },
    );
    const got = assemble(seen);
    assert.equal(got.finishReason, null);
    assert.equal(got.usage, null);
    const full = completionFixture('chat-text.json').choices[0]!.message.content!;
    assert.ok(full.startsWith(got.content ?? ''));
  });
});

test('cut, not streamed: half a body then a reset rejects the request', async () => {
  await withMock(async (_mock, client) => {
    await assert.rejects(client.chat.completions.create({ model: 'mock-cut', messages }), (err: unknown) => err instanceof TypeError);
  });
});

test('invalid-json: a 200 with a non-JSON body makes the SDK throw a SyntaxError', async () => {
  await withMock(async (_mock, client) => {
    await assert.rejects(client.chat.completions.create({ model: 'mock-invalid-json', messages }), SyntaxError);
  });
});

// ---------------------------------------------------------------- errors

test('error-429 surfaces as RateLimitError with code, request id and retry-after', async () => {
  await withMock(async (_mock, client) => {
    await assert.rejects(client.chat.completions.create({ model: 'mock-error-429', messages, stream: true }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.RateLimitError);
      assert.equal(err.status, 429);
      assert.equal(err.code, 'rate_limit_exceeded');
      assert.equal(err.type, 'tokens');
      assert.equal(err.headers.get('retry-after'), '1');
      assert.equal(err.headers.get('content-type'), 'application/json');
      assert.match(err.requestID ?? '', /^req_/);
      return true;
    });
  });
});

test('other error scenarios map to the SDK error classes with the fixture bodies', async () => {
  await withMock(async (_mock, client) => {
    const cases = [
      ['mock-error-400-context', OpenAI.BadRequestError, 'error-400-context.json'],
      ['mock-error-401', OpenAI.AuthenticationError, 'error-401.json'],
      ['mock-error-500', OpenAI.InternalServerError, 'error-500.json'],
    ] as const;
    for (const [model, cls, file] of cases) {
      const body = JSON.parse(readFixture(file)) as { error: { code: string | null; param: string | null; type: string } };
      await assert.rejects(client.chat.completions.create({ model, messages }), (err: unknown) => {
        assert.ok(err instanceof cls, model);
        assert.equal(err.code, body.error.code);
        assert.equal(err.param, body.error.param);
        assert.equal(err.type, body.error.type);
        assert.equal(err.headers.get('retry-after'), null);
        return true;
      });
    }
  });
});

test('unknown mock scenario is a 404 model_not_found; unknown path is a 404 Invalid URL', async () => {
  await withMock(async (mock, client) => {
    await assert.rejects(client.chat.completions.create({ model: 'mock-nope', messages }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.NotFoundError);
      assert.equal(err.code, 'model_not_found');
      return true;
    });
    const res = await fetch(`${mock.url}/nothing-here`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), {
      error: { message: 'Invalid URL (POST /v1/nothing-here)', type: 'invalid_request_error', param: null, code: null },
    });
  });
});

// ---------------------------------------------------------------- timing scenarios

test('slow waits latencyMs before answering', async () => {
  await withMock(async (_mock, client) => {
    const started = performance.now();
    const res = await client.chat.completions.create({ model: 'mock-slow', messages });
    assert.ok(performance.now() - started >= 45);
    assert.equal(res.choices[0]!.message.content, completionFixture('chat-text.json').choices[0]!.message.content);
  }, 50);
});

test('hang never answers, and close() ends the hanging request promptly', async () => {
  const mock = await startMockOpenAI();
  const client = new OpenAI({ baseURL: mock.url, apiKey: 'x', maxRetries: 0 });
  const pending = client.chat.completions.create({ model: 'mock-hang', messages });
  const outcome = pending.then(
    () => 'answered',
    (err: unknown) => err,
  );
  while (mock.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
  await mock.close();
  const err = await outcome;
  assert.ok(err instanceof OpenAI.APIConnectionError, String(err));
});

// ---------------------------------------------------------------- embeddings and models

test('embeddings: SDK default base64 decodes to the fixture vectors (as float32)', async () => {
  await withMock(async (mock, client) => {
    const want = JSON.parse(readFixture('embeddings.json')) as { data: Array<{ embedding: number[] }>; usage: unknown };
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['first input', 'second input'] });
    assert.equal((mock.requests[0]!.json as { encoding_format?: string }).encoding_format, 'base64');
    assert.equal(res.data.length, 2);
    res.data.forEach((item, i) => {
      assert.equal(item.embedding.length, 8);
      assert.deepEqual(item.embedding, want.data[i]!.embedding.map(Math.fround));
    });
    assert.deepEqual(res.usage, want.usage);
    assert.equal(res.model, 'text-embedding-3-small');

    const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['first input', 'second input'], encoding_format: 'float' });
    assert.deepEqual(
      floats.data.map((d) => d.embedding),
      want.data.map((d) => d.embedding),
    );
  });
});

test('models list', async () => {
  await withMock(async (mock, client) => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    const want = JSON.parse(readFixture('models.json')) as { data: Array<{ id: string }> };
    assert.deepEqual(ids, want.data.map((m) => m.id));
    assert.equal(mock.requests[0]!.method, 'GET');
    assert.equal(mock.requests[0]!.path, '/v1/models');
  });
});
