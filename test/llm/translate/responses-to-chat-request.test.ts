import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatehouseError } from '../../../src/errors/gatehouse-error.js';
import { responsesToChatRequest } from '../../../src/llm/translate/responses-to-chat-request.js';

type Body = Record<string, unknown>;

const translate = (body: Body): Body => responsesToChatRequest({ model: 'client-model', ...body }, { model: 'upstream-model' });

function expectError(body: Body, code: 'unsupported_feature' | 'invalid_request', param: string): void {
  assert.throws(
    () => translate(body),
    (err: unknown) => {
      assert.ok(err instanceof GatehouseError, String(err));
      assert.equal(err.code, code);
      assert.equal(err.param, param);
      assert.ok(err.message.includes(param), err.message);
      return true;
    },
  );
}

describe('responsesToChatRequest: messages', () => {
  it('turns instructions into a first system message and a string input into a user message', () => {
    assert.deepEqual(translate({ instructions: 'Be brief.', input: 'Hi' }), {
      model: 'upstream-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    });
    assert.deepEqual(translate({ instructions: null, input: 'Hi' }).messages, [{ role: 'user', content: 'Hi' }]);
  });

  it('maps message roles, with or without type; developer becomes system', () => {
    const input = [
      { role: 'developer', content: 'Dev.' },
      { type: 'message', role: 'system', content: 'Sys.' },
      { role: 'user', content: 'Q?' },
      { type: 'message', role: 'assistant', content: 'A.' },
    ];
    assert.deepEqual(translate({ input }).messages, [
      { role: 'system', content: 'Dev.' },
      { role: 'system', content: 'Sys.' },
      { role: 'user', content: 'Q?' },
      { role: 'assistant', content: 'A.' },
    ]);
  });

  it('maps input_text to text parts and input_image URLs to image_url parts with their detail', () => {
    const input = [
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'What is this?' },
          { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' },
          { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'auto' },
          { type: 'input_image', image_url: 'https://example.com/b.png', detail: 'original' },
          { type: 'input_image', image_url: 'https://example.com/c.png' },
        ],
      },
    ];
    assert.deepEqual(translate({ input }).messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'auto' } },
          { type: 'image_url', image_url: { url: 'https://example.com/b.png', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'https://example.com/c.png' } },
        ],
      },
    ]);
  });

  it('joins assistant output_text parts into the content and keeps a refusal apart', () => {
    const input = [
      { type: 'message', role: 'assistant', id: 'msg_1', status: 'completed', content: [{ type: 'output_text', text: 'Hello ', annotations: [] }, { type: 'output_text', text: 'there.', annotations: [] }] },
      { type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot.' }] },
    ];
    assert.deepEqual(translate({ input }).messages, [
      { role: 'assistant', content: 'Hello there.' },
      { role: 'assistant', content: '', refusal: 'I cannot.' },
    ]);
  });

  it('gathers consecutive function calls into one assistant message, merged into the text before them', () => {
    const input = [
      { role: 'user', content: 'Weather in Paris and Tokyo?' },
      { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAA' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking both.' }] },
      { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' },
      { type: 'function_call', id: 'fc_2', call_id: 'call_2', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
      { type: 'function_call_output', call_id: 'call_1', output: '18°C' },
      { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: '22' }, { type: 'input_text', text: '°C' }] },
      { type: 'function_call', call_id: 'call_3', name: 'get_time', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_3', output: 'noon' },
    ];
    const call = (id: string, name: string, args: string) => ({ id, type: 'function', function: { name, arguments: args } });
    assert.deepEqual(translate({ input }).messages, [
      { role: 'user', content: 'Weather in Paris and Tokyo?' },
      { role: 'assistant', content: 'Checking both.', tool_calls: [call('call_1', 'get_weather', '{"city":"Paris"}'), call('call_2', 'get_weather', '{"city":"Tokyo"}')] },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
      { role: 'tool', tool_call_id: 'call_2', content: '22°C' },
      { role: 'assistant', content: null, tool_calls: [call('call_3', 'get_time', '{}')] },
      { role: 'tool', tool_call_id: 'call_3', content: 'noon' },
    ]);
  });

  it('refuses what chat messages cannot carry, naming the field', () => {
    const user = (part: Body): Body => ({ input: [{ role: 'user', content: [{ type: 'input_text', text: 'x' }, part] }] });
    expectError(user({ type: 'input_image', file_id: 'file-abc', detail: 'auto' }), 'unsupported_feature', 'input[0].content[1]');
    expectError(user({ type: 'input_file', file_id: 'file-abc' }), 'unsupported_feature', 'input[0].content[1]');
    expectError(user({ type: 'input_file', file_data: 'data:application/pdf;base64,AAAA', filename: 'a.pdf' }), 'unsupported_feature', 'input[0].content[1]');
    expectError(user({ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }), 'unsupported_feature', 'input[0].content[1]');
    expectError({ input: [{ role: 'system', content: [{ type: 'input_image', image_url: 'https://example.com/a.png' }] }] }, 'unsupported_feature', 'input[0].content[0]');
    expectError({ input: [{ role: 'assistant', content: [{ type: 'input_image', image_url: 'https://example.com/a.png' }] }] }, 'unsupported_feature', 'input[0].content[0]');
    const imageResult = { type: 'function_call_output', call_id: 'c', output: [{ type: 'input_text', text: 'see' }, { type: 'input_image', image_url: 'https://example.com/a.png' }] };
    expectError({ input: [imageResult] }, 'unsupported_feature', 'input[0].output[1]');
  });

  it('refuses item references and item types chat has no place for', () => {
    expectError({ input: [{ role: 'user', content: 'x' }, { type: 'item_reference', id: 'msg_1' }] }, 'unsupported_feature', 'input[1]');
    for (const type of ['web_search_call', 'file_search_call', 'computer_call', 'computer_call_output', 'image_generation_call', 'code_interpreter_call', 'local_shell_call', 'mcp_call', 'mcp_approval_response', 'custom_tool_call', 'compaction']) {
      expectError({ input: [{ type, id: 'x_1' }] }, 'unsupported_feature', 'input[0]');
    }
  });

  it('refuses malformed items as invalid requests', () => {
    expectError({ input: [{ role: 'tool', content: 'x' }] }, 'invalid_request', 'input[0].role');
    expectError({ input: [{ role: 'user', content: 42 }] }, 'invalid_request', 'input[0].content');
    expectError({ input: [{ role: 'user', content: ['loose'] }] }, 'invalid_request', 'input[0].content[0]');
    expectError({ input: [{ role: 'user', content: [{ type: 'input_text', text: 5 }] }] }, 'invalid_request', 'input[0].content[0].text');
    expectError({ input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }, 'invalid_request', 'input[0].call_id');
    expectError({ input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: { a: 1 } }] }, 'invalid_request', 'input[0].arguments');
    expectError({ input: [{ type: 'function_call_output', call_id: 'c', output: 7 }] }, 'invalid_request', 'input[0].output');
  });
});

describe('responsesToChatRequest: tools and tool_choice', () => {
  const weather = { type: 'function', name: 'get_weather', description: 'Weather for a city.', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true };

  it('turns function tools into chat function tools', () => {
    const minimal = { type: 'function', name: 'now', parameters: null, strict: null };
    assert.deepEqual(translate({ input: 'x', tools: [weather, minimal] }).tools, [
      { type: 'function', function: { name: 'get_weather', description: 'Weather for a city.', parameters: weather.parameters, strict: true } },
      { type: 'function', function: { name: 'now' } },
    ]);
    assert.equal(translate({ input: 'x', tools: [] }).tools, undefined, 'an empty list is not sent');
  });

  it('refuses built-in tools, naming the tool', () => {
    const builtIns = [
      { type: 'web_search' },
      { type: 'web_search_preview' },
      { type: 'file_search', vector_store_ids: ['vs_1'] },
      { type: 'computer_use_preview', display_width: 1024, display_height: 768, environment: 'browser' },
      { type: 'code_interpreter', container: { type: 'auto' } },
      { type: 'mcp', server_label: 'x', server_url: 'https://example.com/mcp' },
      { type: 'image_generation' },
      { type: 'local_shell' },
      { type: 'custom', name: 'grammar' },
    ];
    for (const tool of builtIns) expectError({ input: 'x', tools: [weather, tool] }, 'unsupported_feature', 'tools[1]');
    expectError({ input: 'x', tools: [{ type: 'function', description: 'no name' }] }, 'invalid_request', 'tools[0].name');
  });

  it('maps tool_choice modes, a named function and allowed function tools', () => {
    for (const mode of ['auto', 'none', 'required']) assert.equal(translate({ input: 'x', tool_choice: mode }).tool_choice, mode);
    assert.deepEqual(translate({ input: 'x', tool_choice: { type: 'function', name: 'get_weather' } }).tool_choice, { type: 'function', function: { name: 'get_weather' } });
    const allowed = { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'get_weather' }] };
    assert.deepEqual(translate({ input: 'x', tool_choice: allowed }).tool_choice, {
      type: 'allowed_tools',
      allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'get_weather' } }] },
    });
  });

  it('refuses tool choices that name built-in tools', () => {
    for (const type of ['file_search', 'web_search_preview', 'computer_use_preview', 'image_generation', 'code_interpreter', 'mcp', 'custom']) {
      expectError({ input: 'x', tool_choice: { type, name: 'x', server_label: 'x' } }, 'unsupported_feature', 'tool_choice');
    }
    const allowed = { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'f' }, { type: 'web_search' }] };
    expectError({ input: 'x', tool_choice: allowed }, 'unsupported_feature', 'tool_choice.tools[1]');
    expectError({ input: 'x', tool_choice: 'sometimes' }, 'invalid_request', 'tool_choice');
  });
});

describe('responsesToChatRequest: parameters', () => {
  it('maps sampling, limits, output format and reasoning effort', () => {
    const body = translate({
      input: 'x',
      max_output_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      parallel_tool_calls: false,
      user: 'u-1',
      safety_identifier: 'h-1',
      prompt_cache_key: 'k',
      service_tier: 'flex',
      reasoning: { effort: 'low', summary: 'auto' },
      text: { format: { type: 'json_schema', name: 'city', description: 'A city', schema: { type: 'object' }, strict: true }, verbosity: 'low' },
    });
    assert.deepEqual(body, {
      model: 'upstream-model',
      messages: [{ role: 'user', content: 'x' }],
      parallel_tool_calls: false,
      max_completion_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      user: 'u-1',
      service_tier: 'flex',
      safety_identifier: 'h-1',
      prompt_cache_key: 'k',
      verbosity: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'city', description: 'A city', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'low',
    });
  });

  it('maps json_object and leaves plain text and nulls out', () => {
    assert.deepEqual(translate({ input: 'x', text: { format: { type: 'json_object' } } }).response_format, { type: 'json_object' });
    const plain = translate({ input: 'x', text: { format: { type: 'text' } }, temperature: null, max_output_tokens: null, reasoning: { effort: null }, tool_choice: null });
    assert.deepEqual(Object.keys(plain), ['model', 'messages']);
    expectError({ input: 'x', text: { format: { type: 'grammar' } } }, 'unsupported_feature', 'text.format');
    expectError({ input: 'x', text: { format: { type: 'json_schema', schema: {} } } }, 'invalid_request', 'text.format.name');
  });

  it('asks for logprobs when the client includes them or wants alternatives', () => {
    assert.deepEqual(pick(translate({ input: 'x', include: ['message.output_text.logprobs'] }), 'logprobs', 'top_logprobs'), { logprobs: true });
    assert.deepEqual(pick(translate({ input: 'x', include: ['message.output_text.logprobs'], top_logprobs: 3 }), 'logprobs', 'top_logprobs'), { logprobs: true, top_logprobs: 3 });
    assert.deepEqual(pick(translate({ input: 'x', include: ['reasoning.encrypted_content'], top_logprobs: 0 }), 'logprobs', 'top_logprobs'), {});
  });

  it('streams with usage included, keeping the obfuscation choice', () => {
    assert.deepEqual(pick(translate({ input: 'x', stream: true }), 'stream', 'stream_options'), { stream: true, stream_options: { include_usage: true } });
    assert.deepEqual(translate({ input: 'x', stream: true, stream_options: { include_obfuscation: false } }).stream_options, { include_usage: true, include_obfuscation: false });
    assert.deepEqual(pick(translate({ input: 'x', stream: false }), 'stream', 'stream_options'), {});
  });

  it('ignores what a stateless chat provider has nothing to do with', () => {
    const body = translate({ input: 'x', store: true, truncation: 'auto', metadata: { a: 'b' }, max_tool_calls: 3, background: false, previous_response_id: null, include: ['file_search_call.results'] });
    assert.deepEqual(Object.keys(body), ['model', 'messages']);
  });

  it('refuses stateful and background requests', () => {
    expectError({ input: 'x', previous_response_id: 'resp_123' }, 'unsupported_feature', 'previous_response_id');
    expectError({ input: 'x', conversation: 'conv_123' }, 'unsupported_feature', 'conversation');
    expectError({ input: 'x', conversation: { id: 'conv_123' } }, 'unsupported_feature', 'conversation');
    expectError({ prompt: { id: 'pmpt_123', version: '2' } }, 'unsupported_feature', 'prompt');
    expectError({ input: 'x', context_management: [{ type: 'compaction', compact_threshold: 1000 }] }, 'unsupported_feature', 'context_management');
    expectError({ input: 'x', background: true }, 'unsupported_feature', 'background');
  });

  it('does not change the client body', () => {
    const body = { model: 'm', instructions: 'I', input: [{ role: 'assistant', content: 'a' }, { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' }], stream: true };
    const before = structuredClone(body);
    responsesToChatRequest(body, { model: 'u' });
    assert.deepEqual(body, before);
  });
});

function pick(body: Body, ...keys: string[]): Body {
  return Object.fromEntries(keys.filter((k) => k in body).map((k) => [k, body[k]]));
}
