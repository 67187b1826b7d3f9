import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatehouseError } from '../../../src/errors/gatehouse-error.js';
import { chatRequestSchema } from '../../../src/llm/formats/openai-chat.js';
import { chatToMessagesRequest } from '../../../src/llm/translate/chat-to-messages-request.js';
import { messagesToChatRequest } from '../../../src/llm/translate/messages-to-chat-request.js';

const user = { role: 'user', content: 'Weather in Paris?' };
const translate = (body: Record<string, unknown>): Record<string, unknown> =>
  messagesToChatRequest({ model: 'claude', max_tokens: 1024, ...body }, { model: 'gpt-4o-2024-08-06' });

function rejects(body: Record<string, unknown>, code: string, param: string): void {
  assert.throws(
    () => translate(body),
    (err: unknown) => {
      assert.ok(err instanceof GatehouseError, String(err));
      assert.equal(err.code, code);
      assert.equal(err.param, param);
      return true;
    },
  );
}

describe('messagesToChatRequest', () => {
  it('translates a minimal request with the provider model; max_tokens becomes max_completion_tokens', () => {
    const out = translate({ messages: [user] });
    assert.deepEqual(out, { model: 'gpt-4o-2024-08-06', messages: [user], max_completion_tokens: 1024 });
    assert.ok(chatRequestSchema.safeParse(out).success);
  });

  it('puts the system prompt first: a string as it is, several blocks as text parts', () => {
    assert.deepEqual(translate({ system: 'Be brief.', messages: [user] }).messages, [{ role: 'system', content: 'Be brief.' }, user]);
    assert.deepEqual(translate({ system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }], messages: [user] }).messages, [
      { role: 'system', content: 'Be brief.' },
      user,
    ]);
    assert.deepEqual(translate({ system: [{ type: 'text', text: 'A.' }, { type: 'text', text: 'B.' }], messages: [user] }).messages, [
      { role: 'system', content: [{ type: 'text', text: 'A.' }, { type: 'text', text: 'B.' }] },
      user,
    ]);
  });

  it('translates user text and images; one text block is a string, more are parts', () => {
    const out = translate({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.', cache_control: { type: 'ephemeral' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
        { role: 'assistant', content: 'Done.' },
        { role: 'user', content: [{ type: 'text', text: 'Only text.' }] },
        { role: 'assistant', content: 'Ok.' },
        { role: 'user', content: [{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.' }] },
      ],
    });
    assert.deepEqual(out.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these.' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
        ],
      },
      { role: 'assistant', content: 'Done.' },
      { role: 'user', content: 'Only text.' },
      { role: 'assistant', content: 'Ok.' },
      { role: 'user', content: [{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.' }] },
    ]);
  });

  it('turns tool_use into tool_calls, drops thinking, and puts tool results first as tool messages', () => {
    const out = translate({
      messages: [
        user,
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Two lookups.', signature: 'sig' },
            { type: 'redacted_thinking', data: 'opaque' },
            { type: 'text', text: 'Checking ' },
            { type: 'text', text: 'both.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Here you go.' },
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18°C' }, { type: 'text', text: 'sunny' }], is_error: false },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: 'timeout', is_error: true },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_3', name: 'get_time', input: { tz: 'CET' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_3' }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Nothing to add.', signature: 'sig' }] },
      ],
    });
    assert.deepEqual(out.messages, [
      user,
      {
        role: 'assistant',
        content: 'Checking both.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '18°C\nsunny' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'timeout' },
      { role: 'user', content: 'Here you go.' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_3', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_3', content: '' },
    ]);
  });

  it('translates custom tools, tool_choice and disable_parallel_tool_use', () => {
    const tools = [
      { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } }, cache_control: { type: 'ephemeral' } },
      { type: 'custom', name: 'now', input_schema: { type: 'object' } },
    ];
    const out = translate({ messages: [user], tools });
    assert.deepEqual(out.tools, [
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
      { type: 'function', function: { name: 'now', parameters: { type: 'object' } } },
    ]);
    const cases: [Record<string, unknown>, unknown, unknown][] = [
      [{ type: 'auto' }, 'auto', undefined],
      [{ type: 'any' }, 'required', undefined],
      [{ type: 'none' }, 'none', undefined],
      [{ type: 'tool', name: 'now' }, { type: 'function', function: { name: 'now' } }, undefined],
      [{ type: 'auto', disable_parallel_tool_use: true }, 'auto', false],
      [{ type: 'tool', name: 'now', disable_parallel_tool_use: true }, { type: 'function', function: { name: 'now' } }, false],
      [{ type: 'any', disable_parallel_tool_use: false }, 'required', undefined],
    ];
    for (const [choice, expected, parallel] of cases) {
      const translated = translate({ messages: [user], tools, tool_choice: choice });
      assert.deepEqual(translated.tool_choice, expected, JSON.stringify(choice));
      assert.equal(translated.parallel_tool_calls, parallel, JSON.stringify(choice));
    }
    const noTools = translate({ messages: [user], tool_choice: { type: 'auto', disable_parallel_tool_use: true } });
    assert.equal(noTools.tool_choice, undefined, 'OpenAI rejects tool_choice without tools');
    assert.equal(noTools.parallel_tool_calls, undefined);
  });

  it('maps stop_sequences, sampling, user and stream (asking for usage), and drops top_k and thinking', () => {
    const out = translate({
      messages: [user],
      stop_sequences: ['</answer>'],
      temperature: 0.3,
      top_p: 0.8,
      top_k: 40,
      metadata: { user_id: 'user-42' },
      thinking: { type: 'enabled', budget_tokens: 2048 },
      service_tier: 'auto',
      stream: true,
    });
    assert.deepEqual(out, {
      model: 'gpt-4o-2024-08-06',
      messages: [user],
      max_completion_tokens: 1024,
      stop: ['</answer>'],
      temperature: 0.3,
      top_p: 0.8,
      user: 'user-42',
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.equal(translate({ messages: [user], stream: false }).stream, undefined);
    assert.equal(translate({ messages: [user], stop_sequences: [] }).stop, undefined);
  });

  it('round-trips a chat conversation through Messages and back', () => {
    const chat = {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Be brief.' },
        user,
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
        { role: 'assistant', content: 'It is 18°C.' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_completion_tokens: 100,
      stop: ['END'],
      temperature: 0.5,
      user: 'u1',
    };
    const there = chatToMessagesRequest(chat, { model: 'claude', defaultMaxTokens: 1 });
    const back = messagesToChatRequest(there, { model: 'gpt-4o' });
    assert.deepEqual(back, chat);
  });

  it('refuses what cannot be translated, naming the field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ messages: [user], tools: [{ name: 'f', input_schema: {} }, { type: 'web_search_20250305', name: 'web_search' }] }, 'tools[1]'],
      [{ messages: [user], tools: [{ type: 'bash_20250124', name: 'bash' }] }, 'tools[0]'],
      [{ messages: [user], tools: [{ name: 'f', input_schema: {} }], tool_choice: { type: 'future' } }, 'tool_choice'],
      [{ messages: [user], mcp_servers: [{ type: 'url', url: 'https://mcp.example.com', name: 'x' }] }, 'mcp_servers'],
      [{ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' } }] }] }, 'messages[0].content[0]'],
      [{ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'search_result', source: 's', title: 't', content: [] }] }] }, 'messages[0].content[1]'],
      [{ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }] }] }, 'messages[0].content[0].source'],
      [{ messages: [user, { role: 'assistant', content: [{ type: 'server_tool_use', id: 's', name: 'web_search', input: {} }] }] }, 'messages[1].content[0]'],
      [
        { messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: { type: 'url', url: 'https://x' } }] }] }] },
        'messages[0].content[0].content[0]',
      ],
    ];
    for (const [body, param] of cases) rejects(body, 'unsupported_feature', param);
  });

  it('refuses malformed blocks with invalid_request, naming the field', () => {
    rejects({ messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 'invalid_request', 'messages[0].content[0].text');
    rejects({ messages: [{ role: 'user', content: [{ type: 'tool_result' }] }] }, 'invalid_request', 'messages[0].content[0].tool_use_id');
    rejects({ messages: [user, { role: 'assistant', content: [{ type: 'tool_use', id: 't', input: {} }] }] }, 'invalid_request', 'messages[1].content[0].name');
    rejects({ messages: [{ role: 'user', content: [{ type: 'image' }] }] }, 'invalid_request', 'messages[0].content[0].source');
    rejects({ messages: [user], tools: [{ input_schema: {} }] }, 'invalid_request', 'tools[0].name');
  });
});
