import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatehouseError } from '../../../src/errors/gatehouse-error.js';
import { usageFromAnthropic } from '../../../src/llm/formats/anthropic-messages.js';
import { chatToMessagesResponse, messagesToChatResponse } from '../../../src/llm/translate/messages-chat-response.js';
import { anthropicStop, chatFinishReason } from '../../../src/llm/translate/stop-reasons.js';
import { estimatedUsage, usageFromOpenAI } from '../../../src/llm/usage.js';
import { jsonFixture } from './wire-fixtures.js';

const created = 1761312000;

describe('messagesToChatResponse', () => {
  it('translates a text answer with its usage, keeping id and model', () => {
    assert.deepEqual(messagesToChatResponse(jsonFixture('anthropic/messages-text.json'), { created }), {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      created,
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Paris is the capital of France. It sits on the Seine — about 2.1 million people live within the city proper.', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 24, completion_tokens: 31, total_tokens: 55, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
  });

  it('translates text and two tool_use blocks into content and tool_calls', () => {
    const out = messagesToChatResponse(jsonFixture('anthropic/messages-tool-use.json'), { created });
    const [choice] = out.choices as Record<string, unknown>[];
    assert.equal(choice!.finish_reason, 'tool_calls');
    assert.deepEqual(choice!.message, {
      role: 'assistant',
      content: "I'll check the weather and look for events in Paris.",
      tool_calls: [
        { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } },
        {
          id: 'toolu_01BQ3jV6a5sPr4f8kXmXkd7T',
          type: 'function',
          function: { name: 'find_events', arguments: '{"city":"Paris","filters":{"tags":["music","outdoor"],"query":"\\"free\\" concerts"}}' },
        },
      ],
      refusal: null,
    });
  });

  it('drops thinking blocks', () => {
    const [choice] = messagesToChatResponse(jsonFixture('anthropic/messages-thinking.json'), { created }).choices as Record<string, Record<string, unknown>>[];
    assert.equal(choice!.message!.content, '27 × 453 = **12,231**.');
  });

  it('counts cache reads and writes in prompt_tokens, cache reads as cached_tokens', () => {
    const out = messagesToChatResponse(jsonFixture('anthropic/messages-cache-usage.json'), { created });
    assert.deepEqual(out.usage, {
      prompt_tokens: 21 + 4096 + 188,
      completion_tokens: 57,
      total_tokens: 21 + 4096 + 188 + 57,
      prompt_tokens_details: { cached_tokens: 4096 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    assert.equal((out.choices as Record<string, unknown>[])[0]!.finish_reason, 'stop', 'stop_sequence');
  });

  it('gives null content for an answer without text, and a current created by default', () => {
    const before = Math.floor(Date.now() / 1000);
    const out = messagesToChatResponse({ id: 'msg_1', model: 'claude', content: [], stop_reason: 'max_tokens', usage: { input_tokens: 5, output_tokens: 0 } });
    const [choice] = out.choices as Record<string, Record<string, unknown>>[];
    assert.equal(choice!.message!.content, null);
    assert.equal(choice!.message!.tool_calls, undefined);
    assert.equal(choice!.finish_reason, 'length');
    assert.ok((out.created as number) >= before);
  });
});

describe('chatToMessagesResponse', () => {
  it('translates a text answer with its usage, keeping id and model', () => {
    assert.deepEqual(chatToMessagesResponse(jsonFixture('openai/chat-text.json')), {
      id: 'chatcmpl-CTq1LhYw8tZr0mXk3VbN5aQe7uFpD',
      type: 'message',
      role: 'assistant',
      model: 'gpt-5-mini-2025-08-07',
      content: [{ type: 'text', text: 'Paris is the capital of France. It sits on the Seine — about 2.1 million people live within the city proper.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 1200 - 1024, output_tokens: 156, cache_creation_input_tokens: 0, cache_read_input_tokens: 1024 },
    });
  });

  it('translates parallel tool calls into tool_use blocks with parsed input, and no empty text block', () => {
    const out = chatToMessagesResponse(jsonFixture('openai/chat-parallel-tool-calls.json'));
    assert.deepEqual(out.content, [
      { type: 'tool_use', id: 'call_Ab7Rt2mKq9XwL0zPn4VcYe1s', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_Df3Gh8jNs5TuW1qBx6ZkMa0r', name: 'get_weather', input: { city: 'Tokyo' } },
    ]);
    assert.equal(out.stop_reason, 'tool_use');
    assert.deepEqual(out.usage, { input_tokens: 82, output_tokens: 48, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  });

  it('allows empty content, a refusal as text, and fallback usage', () => {
    const base = { id: 'c1', model: 'm', object: 'chat.completion' };
    const empty = chatToMessagesResponse({ ...base, choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'length' }] });
    assert.deepEqual(empty.content, []);
    assert.equal(empty.stop_reason, 'max_tokens');
    assert.deepEqual(empty.usage, { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    const refusal = chatToMessagesResponse(
      { ...base, choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, finish_reason: 'content_filter' }] },
      { fallbackUsage: estimatedUsage(12, 6) },
    );
    assert.deepEqual(refusal.content, [{ type: 'text', text: 'I cannot help with that.' }]);
    assert.equal(refusal.stop_reason, 'refusal');
    assert.deepEqual(refusal.usage, { input_tokens: 12, output_tokens: 6, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    assert.deepEqual(chatToMessagesResponse({ ...base, choices: [] }).content, []);
  });

  it('names the matched stop string when a vLLM-style server reports it', () => {
    const out = chatToMessagesResponse({ id: 'c', model: 'm', choices: [{ index: 0, message: { content: 'x' }, finish_reason: 'stop', stop_reason: '</answer>' }] });
    assert.equal(out.stop_reason, 'stop_sequence');
    assert.equal(out.stop_sequence, '</answer>');
  });

  it('fails with upstream_invalid_response when tool arguments are not a JSON object', () => {
    for (const args of ['{"city": "Par', '"Paris"']) {
      const json = { id: 'c', model: 'm', choices: [{ message: { tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: args } }] }, finish_reason: 'tool_calls' }] };
      assert.throws(() => chatToMessagesResponse(json), (err: unknown) => err instanceof GatehouseError && err.code === 'upstream_invalid_response');
    }
    const noArgs = { id: 'c', model: 'm', choices: [{ message: { tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '' } }] }, finish_reason: 'tool_calls' }] };
    assert.deepEqual(chatToMessagesResponse(noArgs).content, [{ type: 'tool_use', id: 't', name: 'f', input: {} }]);
  });
});

describe('responses there and back', () => {
  it('an Anthropic answer survives chat and back, except thinking and the cache-write split', () => {
    for (const name of ['messages-text', 'messages-tool-use', 'messages-thinking', 'messages-cache-usage']) {
      const original = jsonFixture(`anthropic/${name}.json`);
      const back = chatToMessagesResponse(messagesToChatResponse(original, { created }));
      assert.equal(back.id, original.id);
      assert.equal(back.model, original.model);
      assert.deepEqual(
        back.content,
        (original.content as Record<string, unknown>[]).filter((b) => b.type !== 'thinking'),
        name,
      );
      const usage = usageFromAnthropic(back.usage)!;
      const originalUsage = usageFromAnthropic(original.usage)!;
      assert.equal(usage.promptTokens, originalUsage.promptTokens, 'all input is still counted');
      assert.equal(usage.cachedPromptTokens, originalUsage.cachedPromptTokens);
      assert.equal(usage.completionTokens, originalUsage.completionTokens);
      assert.equal(usage.cacheWriteTokens, 0, 'chat has no field for cache writes');
    }
  });

  it('a chat answer survives Messages and back', () => {
    for (const name of ['chat-text.json', 'chat-tool-call.json', 'chat-parallel-tool-calls.json']) {
      const original = jsonFixture(`openai/${name}`);
      const back = messagesToChatResponse(chatToMessagesResponse(original), { created });
      const [o] = original.choices as Record<string, Record<string, unknown>>[];
      const [b] = back.choices as Record<string, Record<string, unknown>>[];
      assert.equal(b!.message!.content, o!.message!.content);
      assert.equal(b!.finish_reason, o!.finish_reason);
      const calls = (m: Record<string, unknown>) =>
        ((m.tool_calls as Record<string, Record<string, string>>[] | undefined) ?? []).map((c) => ({ id: c.id, name: c.function!.name, args: JSON.parse(c.function!.arguments!) as unknown }));
      assert.deepEqual(calls(b!.message!), calls(o!.message!));
      const usage = usageFromOpenAI(back.usage)!;
      const originalUsage = usageFromOpenAI(original.usage)!;
      assert.deepEqual([usage.promptTokens, usage.cachedPromptTokens, usage.completionTokens], [originalUsage.promptTokens, originalUsage.cachedPromptTokens, originalUsage.completionTokens]);
    }
  });
});

describe('stop reasons', () => {
  it('maps every Anthropic stop_reason to a finish_reason', () => {
    const expected: Record<string, string> = {
      end_turn: 'stop',
      stop_sequence: 'stop',
      pause_turn: 'stop',
      max_tokens: 'length',
      model_context_window_exceeded: 'length',
      tool_use: 'tool_calls',
      refusal: 'content_filter',
    };
    for (const [reason, finish] of Object.entries(expected)) assert.equal(chatFinishReason(reason), finish, reason);
    assert.equal(chatFinishReason(null), 'stop');
    assert.equal(chatFinishReason('future_reason'), 'stop');
  });

  it('maps every finish_reason to a stop_reason', () => {
    const expected: Record<string, string> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use', function_call: 'tool_use', content_filter: 'refusal' };
    for (const [finish, reason] of Object.entries(expected)) assert.deepEqual(anthropicStop(finish), { stop_reason: reason, stop_sequence: null }, finish);
    assert.deepEqual(anthropicStop(null), { stop_reason: 'end_turn', stop_sequence: null });
    assert.deepEqual(anthropicStop('length', 'END'), { stop_reason: 'max_tokens', stop_sequence: null }, 'a matched stop only counts with stop');
  });
});
