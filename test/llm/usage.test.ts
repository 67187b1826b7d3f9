import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { estimatedUsage, usageFromOpenAI } from '../../src/llm/usage.js';
import { contentText, countChatPromptTokens, countTextTokens } from '../../src/llm/tokens.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/openai/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

describe('usageFromOpenAI', () => {
  it('reads a chat completion usage with cached and reasoning details', () => {
    // test/fixtures/openai/chat-text.json: 1200 prompt (1024 cached), 128 reasoning.
    const raw = fixture('chat-text.json').usage as Record<string, number>;
    assert.deepEqual(usageFromOpenAI(raw), {
      promptTokens: 1200,
      completionTokens: raw.completion_tokens,
      totalTokens: raw.total_tokens,
      cachedPromptTokens: 1024,
      cacheWriteTokens: 0,
      reasoningTokens: 128,
      source: 'provider',
    });
  });

  it('reads usage without the detail objects as 0 cached and 0 reasoning', () => {
    assert.deepEqual(usageFromOpenAI({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }), {
      promptTokens: 10,
      completionTokens: 5,
      totalTokens: 15,
      cachedPromptTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      source: 'provider',
    });
  });

  it('reads null detail objects (some OpenAI-compatible servers send them) as 0', () => {
    const usage = usageFromOpenAI({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: null, completion_tokens_details: null });
    assert.equal(usage?.cachedPromptTokens, 0);
    assert.equal(usage?.reasoningTokens, 0);
  });

  it('reads an embeddings usage (no completion tokens)', () => {
    const usage = usageFromOpenAI(fixture('embeddings.json').usage);
    assert.ok(usage !== undefined);
    assert.equal(usage.completionTokens, 0);
    assert.equal(usage.totalTokens, usage.promptTokens);
    assert.ok(usage.promptTokens > 0);
  });

  it('computes a missing total from prompt + completion', () => {
    assert.equal(usageFromOpenAI({ prompt_tokens: 7, completion_tokens: 3 })?.totalTokens, 10);
  });

  it('returns undefined when there is no usage, so the caller counts tokens instead', () => {
    for (const raw of [undefined, null, 'usage', 42, [], {}, { completion_tokens: 5 }, { prompt_tokens: '10', total_tokens: '12' }]) {
      assert.equal(usageFromOpenAI(raw), undefined, JSON.stringify(raw));
    }
  });

  it('reads garbage counts as 0, never NaN or negative', () => {
    const usage = usageFromOpenAI({
      prompt_tokens: 12,
      completion_tokens: -3,
      total_tokens: Number.NaN,
      prompt_tokens_details: { cached_tokens: 'lots' },
      completion_tokens_details: { reasoning_tokens: Number.POSITIVE_INFINITY },
    });
    assert.deepEqual(usage, {
      promptTokens: 12,
      completionTokens: 0,
      totalTokens: 12,
      cachedPromptTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      source: 'provider',
    });
    const fromTotalOnly = usageFromOpenAI({ prompt_tokens: null, completion_tokens: '5', total_tokens: 9 });
    assert.equal(fromTotalOnly?.promptTokens, 0);
    assert.equal(fromTotalOnly?.completionTokens, 0);
    assert.equal(fromTotalOnly?.totalTokens, 9);
  });

  it('reads detail objects of the wrong type as 0', () => {
    const usage = usageFromOpenAI({ prompt_tokens: 3, completion_tokens: 1, prompt_tokens_details: 'x', completion_tokens_details: 5 });
    assert.equal(usage?.cachedPromptTokens, 0);
    assert.equal(usage?.reasoningTokens, 0);
  });
});

describe('estimatedUsage', () => {
  it('is marked estimated and adds up', () => {
    assert.deepEqual(estimatedUsage(20, 7), {
      promptTokens: 20,
      completionTokens: 7,
      totalTokens: 27,
      cachedPromptTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      source: 'estimated',
    });
  });
});

describe('contentText', () => {
  it('returns a string content as it is', () => {
    assert.equal(contentText('Hello!'), 'Hello!');
    assert.equal(contentText(''), '');
  });

  it('joins the text parts of a parts array and skips the others', () => {
    const parts = [
      { type: 'text', text: 'Describe ' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
      { type: 'text', text: 'this image.' },
      null,
      'loose string',
      { type: 'text', text: 42 },
    ];
    assert.equal(contentText(parts), 'Describe this image.');
  });

  it('is empty for null, undefined and other shapes', () => {
    for (const value of [null, undefined, 42, { text: 'not in an array' }]) assert.equal(contentText(value), '');
  });
});

describe('countChatPromptTokens', () => {
  const system = { role: 'system', content: 'You are a helpful assistant.' };
  const user = { role: 'user', content: 'What is the capital of France?' };

  it('counts a known short prompt the same every time', () => {
    // 3 (reply priming) + 3 + 6 ("You are a helpful assistant.") + 3 + 7 ("What is the capital of France?")
    assert.equal(countTextTokens('You are a helpful assistant.'), 6);
    assert.equal(countTextTokens('What is the capital of France?'), 7);
    assert.equal(countChatPromptTokens({ model: 'gpt-4o', messages: [system, user] }), 22);
    assert.equal(countChatPromptTokens({ model: 'gpt-4o', messages: [system, user] }), 22);
  });

  it('counts a parts-array content like the same text as a string', () => {
    const asParts = { role: 'user', content: [{ type: 'text', text: 'What is the capital ' }, { type: 'text', text: 'of France?' }] };
    assert.equal(countChatPromptTokens({ messages: [asParts] }), countChatPromptTokens({ messages: [user] }));
  });

  it('does not count image parts as text', () => {
    const withImage = { role: 'user', content: [{ type: 'text', text: 'What is the capital of France?' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] };
    assert.equal(countChatPromptTokens({ messages: [withImage] }), countChatPromptTokens({ messages: [user] }));
  });

  it('adds a token and the name for a named message', () => {
    const named = { ...user, name: 'alice' };
    assert.equal(countChatPromptTokens({ messages: [named] }), countChatPromptTokens({ messages: [user] }) + 1 + countTextTokens('alice'));
  });

  it('adds the tool calls of an assistant message', () => {
    const toolCalls = [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }];
    const assistant = { role: 'assistant', content: null, tool_calls: toolCalls };
    const without = countChatPromptTokens({ messages: [user, { role: 'assistant', content: null }] });
    const withCalls = countChatPromptTokens({ messages: [user, assistant] });
    assert.equal(withCalls - without, countTextTokens(JSON.stringify(toolCalls)));
    assert.ok(withCalls - without > 10);
  });

  it('adds the tool definitions', () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    const base = countChatPromptTokens({ messages: [user] });
    assert.equal(countChatPromptTokens({ messages: [user], tools }), base + countTextTokens(JSON.stringify(tools)));
    assert.equal(countChatPromptTokens({ messages: [user], tools: [] }), base, 'an empty tools list costs nothing');
  });

  it('counts every message, and more text costs more tokens', () => {
    const one = countChatPromptTokens({ messages: [user] });
    const two = countChatPromptTokens({ messages: [user, user] });
    assert.equal(two - one, one - 3);
    const long = countChatPromptTokens({ messages: [{ role: 'user', content: 'What is the capital of France? '.repeat(50) }] });
    assert.ok(long > one * 20);
  });

  it('survives malformed bodies without throwing', () => {
    assert.equal(countChatPromptTokens({}), 3);
    assert.equal(countChatPromptTokens({ messages: 'nope' }), 3);
    assert.equal(countChatPromptTokens({ messages: [null, 7, { role: 'user' }] }), 3 + 3);
  });
});

describe('countTextTokens', () => {
  it('is 0 for empty text and counts non-ASCII text', () => {
    assert.equal(countTextTokens(''), 0);
    assert.equal(countTextTokens('Hello!'), 2);
    assert.ok(countTextTokens('東京は日本の首都です。') > 0);
  });
});
