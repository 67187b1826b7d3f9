import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { chatToResponsesResponse } from '../../../src/llm/translate/chat-to-responses-response.js';
import { usageFromResponses } from '../../../src/llm/formats/openai-responses.js';
import { estimatedUsage, usageFromOpenAI } from '../../../src/llm/usage.js';

type Body = Record<string, unknown>;

const chatFixture = (name: string): Body => JSON.parse(readFileSync(new URL(`../../fixtures/openai/${name}`, import.meta.url), 'utf8')) as Body;
const request: Body = { model: 'gpt-test', input: 'What is the capital of France?' };

/** A client that gets `body` back from any call, without a network. */
function clientAnswering(body: Body): OpenAI {
  const fetch = async (): Promise<Response> => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  return new OpenAI({ apiKey: 'test', baseURL: 'http://gatehouse.invalid/v1', fetch, maxRetries: 0 });
}

describe('chatToResponsesResponse', () => {
  it('turns a text answer into a completed Response with one message item and the same usage', () => {
    const chat = chatFixture('chat-text.json');
    const response = chatToResponsesResponse(chat, { request });
    assert.equal(response.id, 'resp_CTq1LhYw8tZr0mXk3VbN5aQe7uFpD');
    assert.equal(response.object, 'response');
    assert.equal(response.created_at, chat.created);
    assert.equal(response.status, 'completed');
    assert.equal(response.incomplete_details, null);
    assert.equal(response.error, null);
    assert.equal(response.model, 'gpt-5-mini-2025-08-07');
    assert.equal(response.service_tier, 'default');
    assert.deepEqual(response.output, [
      {
        id: 'msg_CTq1LhYw8tZr0mXk3VbN5aQe7uFpD',
        type: 'message',
        status: 'completed',
        content: [{ type: 'output_text', annotations: [], logprobs: [], text: 'Paris is the capital of France. It sits on the Seine — about 2.1 million people live within the city proper.' }],
        role: 'assistant',
      },
    ]);
    assert.deepEqual(response.usage, {
      input_tokens: 1200,
      input_tokens_details: { cached_tokens: 1024 },
      output_tokens: 156,
      output_tokens_details: { reasoning_tokens: 128 },
      total_tokens: 1356,
    });
    assert.deepEqual(usageFromResponses(response.usage), usageFromOpenAI(chat.usage));
  });

  it('turns tool calls into function_call items and nothing else', () => {
    const response = chatToResponsesResponse(chatFixture('chat-parallel-tool-calls.json'), { request });
    assert.deepEqual(response.output, [
      { id: 'fc_CTq2FgT8wMr3zBd1QaLx6nHk0jYpS_0', type: 'function_call', status: 'completed', arguments: '{"city": "Paris"}', call_id: 'call_Ab7Rt2mKq9XwL0zPn4VcYe1s', name: 'get_weather' },
      { id: 'fc_CTq2FgT8wMr3zBd1QaLx6nHk0jYpS_1', type: 'function_call', status: 'completed', arguments: '{"city": "Tokyo"}', call_id: 'call_Df3Gh8jNs5TuW1qBx6ZkMa0r', name: 'get_weather' },
    ]);
    assert.equal(response.status, 'completed');
  });

  it('puts text before the tool calls, and a refusal in its own part', () => {
    const chat = {
      id: 'chatcmpl-x1',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Checking.', refusal: 'Not that part.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'tool_calls' }],
    };
    const output = chatToResponsesResponse(chat, { request }).output as Body[];
    assert.deepEqual(
      output.map((item) => item.type),
      ['message', 'function_call'],
    );
    assert.deepEqual((output[0].content as Body[]).map((p) => p.type), ['output_text', 'refusal']);
    assert.equal((output[0].content as Body[])[1].refusal, 'Not that part.');
  });

  it('is incomplete on finish_reason length (max_output_tokens) and content_filter', () => {
    const cut = structuredClone(chatFixture('chat-text.json')) as { choices: Body[] };
    cut.choices[0].finish_reason = 'length';
    const response = chatToResponsesResponse(cut, { request });
    assert.equal(response.status, 'incomplete');
    assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal((response.output as Body[])[0].status, 'incomplete');

    cut.choices[0].finish_reason = 'content_filter';
    assert.deepEqual(chatToResponsesResponse(cut, { request }).incomplete_details, { reason: 'content_filter' });

    const calls = structuredClone(chatFixture('chat-parallel-tool-calls.json')) as { choices: Body[] };
    calls.choices[0].finish_reason = 'length';
    const statuses = (chatToResponsesResponse(calls, { request }).output as Body[]).map((i) => i.status);
    assert.deepEqual(statuses, ['completed', 'incomplete'], 'only the item being generated is cut');
  });

  it("echoes the request's parameters as OpenAI does, and says nothing was stored", () => {
    const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object' }, strict: true }];
    const full = {
      model: 'gpt-test',
      instructions: 'Be brief.',
      input: 'x',
      tools,
      tool_choice: 'required',
      temperature: 0.3,
      top_p: 0.8,
      max_output_tokens: 500,
      parallel_tool_calls: false,
      text: { format: { type: 'json_object' }, verbosity: 'low' },
      reasoning: { effort: 'high', summary: 'auto' },
      metadata: { team: 'a' },
      user: 'u-1',
      store: true,
    };
    const r = chatToResponsesResponse(chatFixture('chat-tool-call.json'), { request: full });
    assert.deepEqual(
      { ...r, output: undefined, usage: undefined, id: undefined, created_at: undefined },
      {
        id: undefined,
        object: 'response',
        created_at: undefined,
        status: 'completed',
        background: false,
        error: null,
        incomplete_details: null,
        instructions: 'Be brief.',
        max_output_tokens: 500,
        max_tool_calls: null,
        model: 'gpt-4o-2024-08-06',
        output: undefined,
        parallel_tool_calls: false,
        previous_response_id: null,
        prompt_cache_key: null,
        reasoning: { effort: 'high', summary: 'auto' },
        safety_identifier: null,
        service_tier: 'default',
        store: false,
        temperature: 0.3,
        text: { format: { type: 'json_object' }, verbosity: 'low' },
        tool_choice: 'required',
        tools,
        top_logprobs: 0,
        top_p: 0.8,
        truncation: 'disabled',
        usage: undefined,
        user: 'u-1',
        metadata: { team: 'a' },
      },
    );
    const bare = chatToResponsesResponse(chatFixture('chat-text.json'), { request });
    assert.deepEqual([bare.instructions, bare.tools, bare.tool_choice, bare.temperature, bare.text, bare.metadata, bare.parallel_tool_calls], [null, [], 'auto', null, { format: { type: 'text' } }, {}, true]);
  });

  it('maps logprobs and url citations', () => {
    const chat = {
      id: 'chatcmpl-lp',
      created: 1,
      model: 'm',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi', annotations: [{ type: 'url_citation', url_citation: { start_index: 0, end_index: 2, title: 'T', url: 'https://example.com' } }] },
          logprobs: { content: [{ token: 'Hi', logprob: -0.1, bytes: [72, 105], top_logprobs: [{ token: 'Hi', logprob: -0.1, bytes: null }] }], refusal: null },
          finish_reason: 'stop',
        },
      ],
    };
    const part = ((chatToResponsesResponse(chat, { request }).output as Body[])[0].content as Body[])[0];
    assert.deepEqual(part.annotations, [{ type: 'url_citation', start_index: 0, end_index: 2, title: 'T', url: 'https://example.com' }]);
    assert.deepEqual(part.logprobs, [{ token: 'Hi', bytes: [72, 105], logprob: -0.1, top_logprobs: [{ token: 'Hi', bytes: [], logprob: -0.1 }] }]);
  });

  it('uses the fallback usage when the chat completion has none, and has no output for an empty answer', () => {
    const chat = { id: 'chatcmpl-e', created: 5, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'stop' }] };
    const response = chatToResponsesResponse(chat, { request, fallbackUsage: () => estimatedUsage(7, 0) });
    assert.deepEqual(response.output, []);
    assert.deepEqual(response.usage, { input_tokens: 7, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 7 });
    assert.equal(chatToResponsesResponse(chat, { request }).usage, null);
  });

  it('derives stable ids from the chat id, and survives a chat completion without one', () => {
    const chat = chatFixture('chat-tool-call.json');
    assert.deepEqual(chatToResponsesResponse(chat, { request }), chatToResponsesResponse(chat, { request }));
    const noId = { choices: [{ message: { content: 'x', tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] } }] };
    const response = chatToResponsesResponse(noId, { request });
    assert.match(response.id as string, /^resp_[0-9a-f]{32}$/);
    assert.equal(response.model, 'gpt-test');
    assert.match(((response.output as Body[])[1] as { call_id: string }).call_id, /^call_/);
  });

  it('is parsed by the openai SDK, whose output_text works', async () => {
    const text = chatToResponsesResponse(chatFixture('chat-text.json'), { request });
    const parsed = await clientAnswering(text).responses.create({ model: 'gpt-test', input: 'x' });
    assert.equal(parsed.output_text, 'Paris is the capital of France. It sits on the Seine — about 2.1 million people live within the city proper.');
    assert.equal(parsed.usage?.input_tokens_details.cached_tokens, 1024);

    const calls = chatToResponsesResponse(chatFixture('chat-parallel-tool-calls.json'), { request });
    const parsedCalls = await clientAnswering(calls).responses.create({ model: 'gpt-test', input: 'x' });
    assert.equal(parsedCalls.output_text, '');
    const names = parsedCalls.output.map((item) => (item.type === 'function_call' ? `${item.name} ${item.arguments}` : item.type));
    assert.deepEqual(names, ['get_weather {"city": "Paris"}', 'get_weather {"city": "Tokyo"}']);
  });
});
