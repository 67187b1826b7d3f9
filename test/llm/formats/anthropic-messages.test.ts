import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  anthropicUsageObject,
  countTokensRequestSchema,
  messagesRequestSchema,
  messagesResponseText,
  messagesResponseTextView,
  messagesTextView,
  usageFromAnthropic,
} from '../../../src/llm/formats/anthropic-messages.js';
import type { TextView } from '../../../src/llm/formats/text-view.js';
import { assembleMessages, jsonFixture, sseFixture } from '../translate/wire-fixtures.js';

const SCENARIOS = ['messages-text', 'messages-tool-use', 'messages-thinking', 'messages-cache-usage'];
const minimal = { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }] };

describe('messagesRequestSchema', () => {
  it('accepts a minimal request and keeps unknown fields and block types', () => {
    const body = {
      ...minimal,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral' } }, { type: 'future_block', x: 1 }] }],
      system: [{ type: 'text', text: 'Be brief.' }],
      thinking: { type: 'enabled', budget_tokens: 2048 },
      future_field: { anything: true },
    };
    const parsed = messagesRequestSchema.safeParse(body);
    assert.ok(parsed.success);
    assert.deepEqual(parsed.data, body);
  });

  it('requires max_tokens as an integer of at least 1', () => {
    const { max_tokens: _, ...without } = minimal;
    for (const bad of [without, { ...minimal, max_tokens: 0 }, { ...minimal, max_tokens: 1.5 }, { ...minimal, max_tokens: '1024' }]) {
      assert.equal(messagesRequestSchema.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  it('rejects what Anthropic would reject', () => {
    const bad: Record<string, unknown>[] = [
      { ...minimal, model: '' },
      { ...minimal, messages: [] },
      { ...minimal, messages: [{ role: 'system', content: 'x' }] },
      { ...minimal, messages: [{ role: 'user', content: [{ text: 'no type' }] }] },
      { ...minimal, messages: [{ role: 'user', content: 42 }] },
      { ...minimal, system: [{ type: 'image', source: {} }] },
      { ...minimal, stream: 'yes' },
      { ...minimal, tools: [1] },
      { ...minimal, tool_choice: { name: 'x' } },
      { ...minimal, temperature: 'hot' },
      { ...minimal, stop_sequences: 'END' },
    ];
    for (const body of bad) assert.equal(messagesRequestSchema.safeParse(body).success, false, JSON.stringify(body));
  });
});

describe('countTokensRequestSchema', () => {
  it('takes the same body without max_tokens', () => {
    const { max_tokens: _, ...without } = minimal;
    assert.ok(countTokensRequestSchema.safeParse(without).success);
    assert.ok(countTokensRequestSchema.safeParse(minimal).success);
    assert.equal(countTokensRequestSchema.safeParse({ ...without, messages: [] }).success, false);
  });
});

function kinds(view: TextView): string[] {
  return view.slots.map((s) => `${s.kind}@${s.index}:${s.text}`);
}

describe('messagesTextView', () => {
  const request = () => ({
    ...minimal,
    system: [
      { type: 'text', text: 'You are a travel agent.' },
      { type: 'text', text: 'Policy: no refunds.', cache_control: { type: 'ephemeral' } },
    ],
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'secret reasoning', signature: 'sig' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris', opts: { units: ['celsius', 3] } } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'sunny' }, { type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] },
          { type: 'text', text: 'Thanks' },
        ],
      },
    ],
  });

  it('lists every slot with its kind and message index, system at -1, and no thinking', () => {
    assert.deepEqual(kinds(messagesTextView(request(), () => {})), [
      'system@-1:You are a travel agent.',
      'system@-1:Policy: no refunds.',
      'user@0:Weather in Paris?',
      'assistant@1:Checking.',
      'tool_call@1:Paris',
      'tool_call@1:celsius',
      'tool_result@2:18°C',
      'tool_result@2:sunny',
      'user@2:Thanks',
    ]);
  });

  it('reads a string system prompt', () => {
    assert.deepEqual(kinds(messagesTextView({ ...minimal, system: 'Be brief.' }, () => {})), ['system@-1:Be brief.', 'user@0:Hello']);
  });

  it('rewrites each slot kind in place and calls onChange once per write', () => {
    const body = request();
    let changes = 0;
    const view = messagesTextView(body, () => changes++);
    view.slots.forEach((slot, i) => slot.set(`[${i}]`));
    assert.equal(changes, 9);
    assert.deepEqual(body.system, [
      { type: 'text', text: '[0]' },
      { type: 'text', text: '[1]', cache_control: { type: 'ephemeral' } },
    ]);
    assert.equal(body.messages[0]!.content, '[2]');
    const assistant = body.messages[1]!.content as Record<string, unknown>[];
    assert.deepEqual(assistant[0], { type: 'thinking', thinking: 'secret reasoning', signature: 'sig' }, 'thinking untouched');
    assert.equal(assistant[2]!.text, '[3]');
    assert.deepEqual(assistant[3]!.input, { city: '[4]', opts: { units: ['[5]', 3] } });
    const user = body.messages[2]!.content as Record<string, unknown>[];
    assert.equal(user[0]!.content, '[6]');
    assert.deepEqual((user[1]!.content as unknown[])[0], { type: 'text', text: '[7]' });
    assert.equal(user[2]!.text, '[8]');
    assert.equal(view.slots[4]!.text, '[4]', 'a slot reads what was written');

    const stringSystem = { ...minimal, system: 'old' };
    messagesTextView(stringSystem, () => changes++).slots[0]!.set('new');
    assert.equal(stringSystem.system, 'new');
    assert.equal(changes, 10);
  });
});

describe('messagesResponseText and messagesResponseTextView', () => {
  it('counts text, thinking, and each tool name with its JSON input', () => {
    assert.equal(messagesResponseText(jsonFixture('anthropic/messages-text.json')), 'Paris is the capital of France. It sits on the Seine — about 2.1 million people live within the city proper.');
    const tools = jsonFixture('anthropic/messages-tool-use.json');
    const blocks = tools.content as Record<string, unknown>[];
    assert.equal(
      messagesResponseText(tools),
      `I'll check the weather and look for events in Paris.get_weather${JSON.stringify(blocks[1]!.input)}find_events${JSON.stringify(blocks[2]!.input)}`,
    );
    assert.equal(messagesResponseText(jsonFixture('anthropic/messages-thinking.json')), 'The user asks for 27 * 453.\n27 * 400 = 10800, 27 * 53 = 1431.\n10800 + 1431 = 12231.27 × 453 = **12,231**.');
    assert.equal(messagesResponseText({ content: [] }), '');
    assert.equal(messagesResponseText({}), '');
  });

  it('exposes text as output and tool input leaves as tool_call, by block index, and rewrites them', () => {
    const json = jsonFixture('anthropic/messages-tool-use.json');
    let changes = 0;
    const view = messagesResponseTextView(json, () => changes++);
    assert.deepEqual(kinds(view), [
      "output@0:I'll check the weather and look for events in Paris.",
      'tool_call@1:Paris',
      'tool_call@1:celsius',
      'tool_call@2:Paris',
      'tool_call@2:music',
      'tool_call@2:outdoor',
      'tool_call@2:"free" concerts',
    ]);
    view.slots[0]!.set('redacted');
    view.slots[6]!.set('[query]');
    assert.equal(changes, 2);
    const blocks = json.content as Record<string, Record<string, unknown>>[];
    assert.equal(blocks[0]!.text, 'redacted');
    assert.equal((blocks[2]!.input!.filters as Record<string, unknown>).query, '[query]');
  });

  it('does not expose thinking in a response', () => {
    assert.deepEqual(kinds(messagesResponseTextView(jsonFixture('anthropic/messages-thinking.json'), () => {})), ['output@1:27 × 453 = **12,231**.']);
  });
});

describe('usageFromAnthropic', () => {
  it('adds cache reads and writes to the prompt tokens', () => {
    assert.deepEqual(usageFromAnthropic(jsonFixture('anthropic/messages-cache-usage.json').usage), {
      promptTokens: 21 + 4096 + 188,
      completionTokens: 57,
      totalTokens: 21 + 4096 + 188 + 57,
      cachedPromptTokens: 4096,
      cacheWriteTokens: 188,
      reasoningTokens: 0,
      source: 'provider',
    });
  });

  it('reads a usage without cache fields, nulls as 0, and thinking tokens as reasoning', () => {
    assert.deepEqual(usageFromAnthropic({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: null, output_tokens_details: { thinking_tokens: 3 } }), {
      promptTokens: 10,
      completionTokens: 5,
      totalTokens: 15,
      cachedPromptTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 3,
      source: 'provider',
    });
  });

  it('returns undefined when there is no usage, and reads garbage counts as 0', () => {
    for (const raw of [undefined, null, 'usage', 42, [], {}, { input_tokens: '10' }]) assert.equal(usageFromAnthropic(raw), undefined, JSON.stringify(raw));
    assert.deepEqual(usageFromAnthropic({ input_tokens: -4, output_tokens: Number.NaN, cache_read_input_tokens: 'x' }), {
      promptTokens: 0,
      completionTokens: 0,
      totalTokens: 0,
      cachedPromptTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      source: 'provider',
    });
  });
});

describe('anthropicUsageObject', () => {
  it('reports only uncached input as input_tokens, and round-trips with usageFromAnthropic', () => {
    const raw = { input_tokens: 21, output_tokens: 57, cache_creation_input_tokens: 188, cache_read_input_tokens: 4096 };
    assert.deepEqual(anthropicUsageObject(usageFromAnthropic(raw)!), raw);
  });

  it('never reports negative input tokens', () => {
    const usage = { promptTokens: 10, completionTokens: 1, totalTokens: 11, cachedPromptTokens: 8, cacheWriteTokens: 5, reasoningTokens: 0, source: 'estimated' as const };
    assert.equal(anthropicUsageObject(usage).input_tokens, 0);
  });
});

describe('Anthropic fixtures', () => {
  for (const name of SCENARIOS) {
    it(`${name}.sse assembles to ${name}.json`, () => {
      assert.deepEqual(assembleMessages(sseFixture(`anthropic/${name}.sse`)), jsonFixture(`anthropic/${name}.json`));
    });
  }

  it('error bodies have the Anthropic error shape', () => {
    const expected: Record<string, string> = { '400': 'invalid_request_error', '401': 'authentication_error', '429': 'rate_limit_error', '500': 'api_error', '529': 'overloaded_error' };
    for (const [status, type] of Object.entries(expected)) {
      const body = jsonFixture(`anthropic/error-${status}.json`);
      assert.equal(body.type, 'error');
      assert.equal((body.error as Record<string, unknown>).type, type);
      assert.equal(typeof (body.error as Record<string, unknown>).message, 'string');
      assert.match(body.request_id as string, /^req_/);
    }
    assert.deepEqual(jsonFixture('anthropic/count-tokens.json'), { input_tokens: 2095 });
  });
});
