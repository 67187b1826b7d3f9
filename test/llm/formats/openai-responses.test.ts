import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  countResponsesPromptTokens,
  responsesRequestSchema,
  responsesResponseText,
  responsesResponseTextView,
  responsesTextView,
  usageFromResponses,
} from '../../../src/llm/formats/openai-responses.js';
import { countChatPromptTokens, countTextTokens } from '../../../src/llm/tokens.js';

type Item = Record<string, unknown>;

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../fixtures/openai/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

/** A conversation with every kind of text slot a Responses request has. */
function conversation(): Record<string, unknown> {
  return {
    model: 'gpt-4.1',
    instructions: 'Be brief.',
    input: [
      { role: 'developer', content: 'Answer in English.' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }, { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Let me check.', annotations: [] }] },
      { type: 'reasoning', id: 'rs_1', summary: [] },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', call_id: 'call_1', output: '18°C, sunny' },
      { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'part one' }, { type: 'input_image', image_url: 'https://example.com/b.png' }] },
      { role: 'system', content: 'Stay polite.' },
    ],
  };
}

describe('responsesRequestSchema', () => {
  it('accepts a string input, an item list with and without types, and unknown fields', () => {
    assert.ok(responsesRequestSchema.safeParse({ model: 'gpt-4.1', input: 'Hi' }).success);
    assert.ok(responsesRequestSchema.safeParse(conversation()).success);
    const future = { model: 'gpt-4.1', input: 'Hi', some_future_field: { x: 1 }, instructions: null, max_output_tokens: null, temperature: null };
    assert.ok(responsesRequestSchema.safeParse(future).success);
  });

  it('rejects what OpenAI would reject', () => {
    const bad: Record<string, unknown>[] = [
      { input: 'no model' },
      { model: '', input: 'Hi' },
      { model: 'm', input: 42 },
      { model: 'm', input: ['not an object'] },
      { model: 'm', input: [{ content: 'neither type nor role' }] },
      { model: 'm', input: 'Hi', max_output_tokens: 0 },
      { model: 'm', input: 'Hi', max_output_tokens: 1.5 },
      { model: 'm', input: 'Hi', stream: 'yes' },
      { model: 'm', input: 'Hi', tools: [{ name: 'no type' }] },
      { model: 'm', input: 'Hi', tool_choice: 'sometimes' },
      { model: 'm', input: 'Hi', temperature: 'hot' },
      { model: 'm', input: 'Hi', metadata: { n: 1 } },
    ];
    for (const body of bad) assert.equal(responsesRequestSchema.safeParse(body).success, false, JSON.stringify(body));
  });
});

describe('responsesTextView', () => {
  it('lists every text slot with its kind and item index', () => {
    const view = responsesTextView(conversation(), () => {});
    assert.deepEqual(
      view.slots.map((s) => [s.kind, s.index, s.text]),
      [
        ['system', -1, 'Be brief.'],
        ['system', 0, 'Answer in English.'],
        ['user', 1, 'Weather in Paris?'],
        ['assistant', 2, 'Let me check.'],
        ['tool_call', 4, '{"city":"Paris"}'],
        ['tool_result', 5, '18°C, sunny'],
        ['tool_result', 6, 'part one'],
        ['system', 7, 'Stay polite.'],
      ],
    );
  });

  it('writes every slot back into the body and calls onChange each time', () => {
    const body = conversation();
    let changes = 0;
    const view = responsesTextView(body, () => changes++);
    view.slots.forEach((s, i) => s.set(`[${i}]`));
    assert.equal(changes, view.slots.length);
    const input = body.input as Item[];
    const part = (i: number, key: string, j: number): unknown => (input[i][key] as Item[])[j];
    assert.equal(body.instructions, '[0]');
    assert.equal(input[0].content, '[1]');
    assert.deepEqual(part(1, 'content', 0), { type: 'input_text', text: '[2]' });
    assert.deepEqual(part(1, 'content', 1), { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' }, 'images are not text slots');
    assert.deepEqual(part(2, 'content', 0), { type: 'output_text', text: '[3]', annotations: [] });
    assert.equal(input[4].arguments, '[4]');
    assert.equal(input[5].output, '[5]');
    assert.deepEqual(part(6, 'output', 0), { type: 'input_text', text: '[6]' });
    assert.equal(input[7].content, '[7]');
    assert.deepEqual(
      responsesTextView(body, () => {}).slots.map((s) => s.text),
      view.slots.map((_, i) => `[${i}]`),
    );
  });

  it('reads a string input as one user slot', () => {
    const body: Record<string, unknown> = { model: 'm', input: 'Hello' };
    let changed = false;
    const [only, ...rest] = responsesTextView(body, () => (changed = true)).slots;
    assert.deepEqual([only.kind, only.index, only.text, rest.length], ['user', 0, 'Hello', 0]);
    only.set('Bonjour');
    assert.equal(body.input, 'Bonjour');
    assert.ok(changed);
  });

  it('has no slots for a body without text', () => {
    assert.deepEqual(responsesTextView({ model: 'm' }, () => {}).slots, []);
  });
});

describe('responsesResponseTextView and responsesResponseText', () => {
  it('reads and rewrites output_text parts and function-call arguments', () => {
    const json = fixture('responses-text.json');
    let changes = 0;
    const view = responsesResponseTextView(json, () => changes++);
    assert.deepEqual(
      view.slots.map((s) => [s.kind, s.index]),
      [['output', 1]],
      'the reasoning item at index 0 has no text slot',
    );
    view.slots[0].set('REDACTED');
    assert.equal(changes, 1);
    assert.equal(((json.output as Item[])[1].content as Item[])[0].text, 'REDACTED');

    const call = fixture('responses-function-call.json');
    const callView = responsesResponseTextView(call, () => changes++);
    assert.deepEqual(callView.slots.map((s) => [s.kind, s.index, s.text]), [['tool_call', 0, '{"city":"Paris"}']]);
    callView.slots[0].set('{}');
    assert.equal((call.output as Item[])[0].arguments, '{}');
    assert.equal(changes, 2);
  });

  it('gives the generated text for token estimates', () => {
    assert.equal(responsesResponseText(fixture('responses-text.json')), 'Paris is the capital of France. It sits on the Seine — about 2.1 million people live within the city proper.');
    assert.equal(responsesResponseText(fixture('responses-function-call.json')), 'get_weather{"city":"Paris"}');
    const refusal = { output: [{ type: 'message', content: [{ type: 'refusal', refusal: 'No.' }] }] };
    assert.equal(responsesResponseText(refusal), 'No.');
    for (const junk of [{}, { output: 'x' }, { output: [null, 3, { type: 'message', content: [null] }] }]) assert.equal(responsesResponseText(junk), '');
  });
});

describe('usageFromResponses', () => {
  it('reads input (cached included), cached, output, reasoning and total tokens', () => {
    assert.deepEqual(usageFromResponses(fixture('responses-text.json').usage), {
      promptTokens: 1200,
      completionTokens: 156,
      totalTokens: 1356,
      cachedPromptTokens: 1024,
      cacheWriteTokens: 0,
      reasoningTokens: 128,
      source: 'provider',
    });
  });

  it('reads cache writes when reported, and computes a missing total', () => {
    const usage = usageFromResponses({ input_tokens: 10, output_tokens: 4, input_tokens_details: { cached_tokens: 2, cache_write_tokens: 5 } });
    assert.equal(usage?.totalTokens, 14);
    assert.equal(usage?.cacheWriteTokens, 5);
  });

  it('returns undefined without usage and reads garbage counts as 0', () => {
    for (const raw of [undefined, null, 'usage', [], {}, { output_tokens: 3 }]) assert.equal(usageFromResponses(raw), undefined, JSON.stringify(raw));
    const usage = usageFromResponses({ input_tokens: 5, output_tokens: -1, input_tokens_details: null, output_tokens_details: 'x' });
    assert.deepEqual([usage?.completionTokens, usage?.cachedPromptTokens, usage?.reasoningTokens, usage?.totalTokens], [0, 0, 0, 5]);
  });
});

describe('countResponsesPromptTokens', () => {
  it('counts like the same conversation in chat completions', () => {
    const system = 'You are a helpful assistant.';
    const user = 'What is the capital of France?';
    const chat = countChatPromptTokens({ messages: [{ role: 'system', content: system }, { role: 'user', content: user }] });
    assert.equal(countResponsesPromptTokens({ instructions: system, input: user }), chat);
    assert.equal(countResponsesPromptTokens({ instructions: system, input: [{ role: 'user', content: [{ type: 'input_text', text: user }] }] }), chat);
  });

  it('adds tool calls, tool results and tool definitions', () => {
    const base = countResponsesPromptTokens({ input: 'Hi' });
    const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }];
    assert.equal(countResponsesPromptTokens({ input: 'Hi', tools }), base + countTextTokens(JSON.stringify(tools)));
    const full = countResponsesPromptTokens(conversation());
    assert.ok(full > base + 30, String(full));
  });

  it('survives malformed bodies', () => {
    assert.equal(countResponsesPromptTokens({}), 3);
    assert.equal(countResponsesPromptTokens({ input: [null, 1, { type: 'unknown' }] }), 3 + 3);
  });
});
