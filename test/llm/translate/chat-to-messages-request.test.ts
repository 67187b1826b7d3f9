import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatehouseError } from '../../../src/errors/gatehouse-error.js';
import { messagesRequestSchema } from '../../../src/llm/formats/anthropic-messages.js';
import { chatToMessagesRequest } from '../../../src/llm/translate/chat-to-messages-request.js';

const options = { model: 'claude-sonnet-4-5-20250929', defaultMaxTokens: 4096 };
const user = { role: 'user', content: 'Weather in Paris?' };
const translate = (chat: Record<string, unknown>): Record<string, unknown> => chatToMessagesRequest({ model: 'claude', ...chat }, options);

function rejects(chat: Record<string, unknown>, code: string, param: string): void {
  assert.throws(
    () => translate(chat),
    (err: unknown) => {
      assert.ok(err instanceof GatehouseError, String(err));
      assert.equal(err.code, code);
      assert.equal(err.param, param);
      return true;
    },
  );
}

describe('chatToMessagesRequest', () => {
  it('translates a minimal request with the provider model and the default max_tokens', () => {
    const out = translate({ messages: [user] });
    assert.deepEqual(out, { model: 'claude-sonnet-4-5-20250929', messages: [user], max_tokens: 4096 });
    assert.ok(messagesRequestSchema.safeParse(out).success);
  });

  it('takes max_completion_tokens over max_tokens over the default', () => {
    assert.equal(translate({ messages: [user], max_tokens: 300, max_completion_tokens: 200 }).max_tokens, 200);
    assert.equal(translate({ messages: [user], max_tokens: 300 }).max_tokens, 300);
    assert.equal(translate({ messages: [user], max_tokens: null, max_completion_tokens: null }).max_tokens, 4096);
  });

  it('hoists system and developer messages, in order, into top-level text blocks', () => {
    const out = translate({
      messages: [
        { role: 'system', content: 'You are terse.' },
        user,
        { role: 'assistant', content: 'Sunny.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.', cache_control: { type: 'ephemeral' } }] },
        { role: 'user', content: 'And tomorrow?' },
      ],
    });
    assert.deepEqual(out.system, [
      { type: 'text', text: 'You are terse.' },
      { type: 'text', text: 'Answer in French.', cache_control: { type: 'ephemeral' } },
    ]);
    assert.deepEqual(out.messages, [user, { role: 'assistant', content: 'Sunny.' }, { role: 'user', content: 'And tomorrow?' }]);
  });

  it('translates text and image parts, carrying cache_control', () => {
    const out = translate({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.', cache_control: { type: 'ephemeral', ttl: '1h' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' }, cache_control: { type: 'ephemeral' } },
            { type: 'text', text: '' },
          ],
        },
      ],
    });
    assert.deepEqual(out.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these.', cache_control: { type: 'ephemeral', ttl: '1h' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' }, cache_control: { type: 'ephemeral' } },
        ],
      },
    ]);
  });

  it('turns assistant tool calls into tool_use blocks and tool messages into one user turn of tool_result blocks', () => {
    const out = translate({
      messages: [
        user,
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '14:02' }] },
        { role: 'user', content: 'Thanks. Umbrella?' },
      ],
    });
    assert.deepEqual(out.messages, [
      user,
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '14:02' }] },
          { type: 'text', text: 'Thanks. Umbrella?' },
        ],
      },
    ]);
  });

  it('keeps user and assistant turns alternating by merging neighbours of the same role', () => {
    const out = translate({
      messages: [
        { role: 'user', content: 'One.' },
        { role: 'user', content: 'Two.' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'assistant', content: 'More.' },
        { role: 'tool', tool_call_id: 'c', content: '' },
      ],
    });
    assert.deepEqual(out.messages, [
      { role: 'user', content: [{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'c', name: 'f', input: {} }, { type: 'text', text: 'More.' }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c' }] },
    ]);
  });

  it('translates tools, tool_choice and parallel_tool_calls', () => {
    const tools = [
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } },
      { type: 'function', function: { name: 'now' } },
    ];
    const out = translate({ messages: [user], tools });
    assert.deepEqual(out.tools, [
      { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ]);
    assert.equal(out.tool_choice, undefined);
    const cases: [unknown, unknown, unknown][] = [
      ['auto', undefined, { type: 'auto' }],
      ['required', undefined, { type: 'any' }],
      ['none', undefined, { type: 'none' }],
      [{ type: 'function', function: { name: 'now' } }, undefined, { type: 'tool', name: 'now' }],
      [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
      ['required', false, { type: 'any', disable_parallel_tool_use: true }],
      [{ type: 'function', function: { name: 'now' } }, false, { type: 'tool', name: 'now', disable_parallel_tool_use: true }],
      ['none', false, { type: 'none' }],
      ['auto', true, { type: 'auto' }],
    ];
    for (const [choice, parallel, expected] of cases) {
      assert.deepEqual(translate({ messages: [user], tools, tool_choice: choice, parallel_tool_calls: parallel }).tool_choice, expected, JSON.stringify([choice, parallel]));
    }
    assert.equal(translate({ messages: [user], parallel_tool_calls: false }).tool_choice, undefined, 'no tools, nothing to restrict');
  });

  it('maps stop, sampling, user and stream, and leaves out what Anthropic lacks', () => {
    const out = translate({
      messages: [user],
      stop: 'END',
      temperature: 0.2,
      top_p: 0.9,
      user: 'user-42',
      stream: true,
      stream_options: { include_usage: true },
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: 0.5,
      logit_bias: { '50256': -100 },
      store: true,
      metadata: { team: 'x' },
      service_tier: 'flex',
      reasoning_effort: 'high',
      logprobs: false,
      n: 1,
      response_format: { type: 'text' },
    });
    assert.deepEqual(out, {
      model: options.model,
      messages: [user],
      max_tokens: 4096,
      stop_sequences: ['END'],
      temperature: 0.2,
      top_p: 0.9,
      metadata: { user_id: 'user-42' },
      stream: true,
    });
    assert.deepEqual(translate({ messages: [user], stop: ['a', 'b'], safety_identifier: 'sid', user: 'u' }).stop_sequences, ['a', 'b']);
    assert.deepEqual(translate({ messages: [user], safety_identifier: 'sid', user: 'u' }).metadata, { user_id: 'sid' });
    assert.equal(translate({ messages: [user], stream: false }).stream, undefined);
  });

  it('refuses what cannot be translated, naming the field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ messages: [user], n: 2 }, 'n'],
      [{ messages: [user], response_format: { type: 'json_object' } }, 'response_format'],
      [{ messages: [user], response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } }, 'response_format'],
      [{ messages: [user], logprobs: true }, 'logprobs'],
      [{ messages: [user], top_logprobs: 3 }, 'top_logprobs'],
      [{ messages: [user], audio: { voice: 'alloy', format: 'mp3' } }, 'audio'],
      [{ messages: [user], modalities: ['text', 'audio'] }, 'modalities'],
      [{ messages: [user], web_search_options: {} }, 'web_search_options'],
      [{ messages: [user], functions: [{ name: 'f' }] }, 'functions'],
      [{ messages: [user], function_call: 'auto' }, 'function_call'],
      [{ messages: [user], temperature: 1.5 }, 'temperature'],
      [{ messages: [user], tools: [{ type: 'function', function: { name: 'f' } }, { type: 'custom', custom: { name: 'g' } }] }, 'tools[1]'],
      [{ messages: [user], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'allowed_tools', allowed_tools: {} } }, 'tool_choice'],
      [{ messages: [user, { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA==', format: 'wav' } }] }] }, 'messages[1].content[0]'],
      [{ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'file', file: { file_id: 'file-1' } }] }] }, 'messages[0].content[1]'],
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png,rawbytes' } }] }] }, 'messages[0].content[0].image_url.url'],
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] }, 'messages[0].content[0].image_url.url'],
      [{ messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x' } }] }, user] }, 'messages[0].content[0]'],
      [{ messages: [user, { role: 'function', name: 'f', content: 'x' }] }, 'messages[1].role'],
      [{ messages: [user, { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } }] }, 'messages[1].function_call'],
      [{ messages: [user, { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'custom', custom: { name: 'g', input: 'x' } }] }] }, 'messages[1].tool_calls[0]'],
      [{ messages: [user, { role: 'tool', tool_call_id: 'c', content: [{ type: 'image_url', image_url: { url: 'https://x' } }] }] }, 'messages[1].content[0]'],
    ];
    for (const [chat, param] of cases) rejects(chat, 'unsupported_feature', param);
  });

  it('refuses malformed input with invalid_request, naming the field', () => {
    const call = (args: unknown) => ({ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: args } }] });
    rejects({ messages: [user, call('{"city": "Par')] }, 'invalid_request', 'messages[1].tool_calls[0].function.arguments');
    rejects({ messages: [user, call('[1, 2]')] }, 'invalid_request', 'messages[1].tool_calls[0].function.arguments');
    rejects({ messages: [user, call({ city: 'Paris' })] }, 'invalid_request', 'messages[1].tool_calls[0].function.arguments');
    rejects({ messages: [user, { role: 'tool', content: 'x' }] }, 'invalid_request', 'messages[1].tool_call_id');
    rejects({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, 'invalid_request', 'messages[0].content[0].image_url.url');
    rejects({ messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 'invalid_request', 'messages[0].content[0].text');
    rejects({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64' } }] }] }, 'invalid_request', 'messages[0].content[0].image_url.url');
  });
});
