import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messagesToChatResponse } from '../../../src/llm/translate/messages-chat-response.js';
import { MessagesToChatStream } from '../../../src/llm/translate/messages-to-chat-stream.js';
import { assembleChat, jsonFixture, sseFixture, translateAll } from './wire-fixtures.js';

const created = 1761312000;
const SCENARIOS = ['messages-text', 'messages-tool-use', 'messages-thinking', 'messages-cache-usage'];

function translate(name: string, includeUsage = true) {
  return translateAll(new MessagesToChatStream({ includeUsage, created }), sseFixture(`anthropic/${name}.sse`));
}

type Json = Record<string, unknown>;
const choiceOf = (doc: Json): Json => (doc.choices as Json[])[0]!;
const messageOf = (doc: Json): Json => choiceOf(doc).message as Json;
const parsedCalls = (doc: Json) =>
  ((messageOf(doc).tool_calls as Json[] | undefined) ?? []).map((c) => {
    const fn = c.function as Record<string, string>;
    return { id: c.id, type: c.type, name: fn.name, input: JSON.parse(fn.arguments!) as unknown };
  });

describe('MessagesToChatStream', () => {
  it('translates a text stream chunk by chunk', () => {
    const envelope = { id: 'msg_01XFDUDYJgAACzvnptvVoYEL', object: 'chat.completion.chunk', created, model: 'claude-sonnet-4-5-20250929' };
    const chunk = (delta: Json, finish: string | null = null) => ({ data: { ...envelope, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] } });
    assert.deepEqual(translate('messages-text'), [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Paris' }),
      chunk({ content: ' is the capital of France.' }),
      chunk({ content: ' It sits on the Seine' }),
      chunk({ content: ' — about 2.1 million people live' }),
      chunk({ content: ' within the city proper.' }),
      chunk({}, 'stop'),
      {
        data: {
          ...envelope,
          choices: [],
          usage: { prompt_tokens: 24, completion_tokens: 31, total_tokens: 55, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
        },
      },
    ]);
  });

  for (const name of SCENARIOS) {
    it(`${name}: the translated stream assembles to the translated JSON, usage included`, () => {
      const streamed = assembleChat(translate(name));
      const unstreamed = messagesToChatResponse(jsonFixture(`anthropic/${name}.json`), { created });
      assert.equal(streamed.id, unstreamed.id);
      assert.equal(streamed.model, unstreamed.model);
      assert.equal(messageOf(streamed).content, messageOf(unstreamed).content);
      assert.deepEqual(parsedCalls(streamed), parsedCalls(unstreamed));
      assert.equal(choiceOf(streamed).finish_reason, choiceOf(unstreamed).finish_reason);
      assert.deepEqual(streamed.usage, unstreamed.usage);
    });
  }

  it('numbers tool calls from 0 across blocks that also count text', () => {
    const headers = translate('messages-tool-use')
      .flatMap((e) => ((e.data.choices as Json[])[0]?.delta as Json | undefined)?.tool_calls as Json[] | undefined ?? [])
      .filter((call) => call.id !== undefined);
    assert.deepEqual(headers, [
      { index: 0, id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 1, id: 'toolu_01BQ3jV6a5sPr4f8kXmXkd7T', type: 'function', function: { name: 'find_events', arguments: '' } },
    ]);
    const fragments = translate('messages-tool-use').flatMap((e) => ((e.data.choices as Json[])[0]?.delta as Json | undefined)?.tool_calls as Json[] | undefined ?? []);
    assert.ok(fragments.every((f) => (f.function as Json).arguments !== undefined));
    assert.equal(fragments.filter((f) => f.id === undefined && (f.function as Json).arguments === '').length, 0, 'empty input_json_delta fragments are not sent');
    assert.deepEqual(
      fragments.filter((f) => f.index === 1 && f.id === undefined).map((f) => (f.function as Json).arguments),
      ['{"city": "Paris", "fil', 'ters": {"tags": ["mus', 'ic", "outdoor"], "query": "\\', '"free\\" concerts"}}'],
      'argument bytes pass unchanged, split where Anthropic split them',
    );
  });

  it('drops thinking, signatures and pings', () => {
    const chunks = translate('messages-thinking');
    assert.equal(chunks.length, 1 + 2 + 1 + 1, 'start, two text deltas, finish, usage');
    assert.ok(!JSON.stringify(chunks).includes('27 * 453'));
  });

  it('sends no usage chunk unless the client asked for usage', () => {
    const chunks = translate('messages-cache-usage', false);
    assert.ok(chunks.every((c) => c.data.usage === undefined && (c.data.choices as Json[]).length === 1));
    assert.equal(choiceOf(chunks.at(-1)!.data).finish_reason, 'stop');
  });

  it('emits nothing for message_stop, error events and end(): the handler writes [DONE] and in-band errors', () => {
    const translator = new MessagesToChatStream({ includeUsage: true, created });
    const events = sseFixture('anthropic/messages-error-overloaded.sse');
    const chunks = events.flatMap((e) => translator.push(e));
    assert.deepEqual(
      chunks.map((c) => (choiceOf(c.data).delta as Json).content),
      ['', 'Paris', ' is the capital'],
    );
    assert.deepEqual(translator.push({ event: 'message_stop', data: { type: 'message_stop' } }), []);
    assert.deepEqual(translator.end(), []);
  });
});
