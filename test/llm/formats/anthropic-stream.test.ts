import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usageFromAnthropic } from '../../../src/llm/formats/anthropic-messages.js';
import { AnthropicStreamObserver } from '../../../src/llm/formats/anthropic-stream.js';
import type { WireEvent } from '../../../src/llm/formats/wire-event.js';
import { jsonFixture, sseFixture } from '../translate/wire-fixtures.js';

function observe(events: readonly WireEvent[]): AnthropicStreamObserver {
  const observer = new AnthropicStreamObserver();
  for (const event of events) observer.observe(event);
  return observer;
}

const ev = (data: Record<string, unknown>): WireEvent => ({ event: data.type as string, data });

describe('AnthropicStreamObserver', () => {
  for (const name of ['messages-text', 'messages-tool-use', 'messages-thinking', 'messages-cache-usage']) {
    it(`reports the usage of ${name}.json from ${name}.sse, and finishes`, () => {
      const observer = observe(sseFixture(`anthropic/${name}.sse`));
      assert.deepEqual(observer.usage, usageFromAnthropic(jsonFixture(`anthropic/${name}.json`).usage));
      assert.equal(observer.finished, true);
      assert.equal(observer.upstreamError, undefined);
    });
  }

  it('collects text, thinking, tool names and argument fragments', () => {
    assert.equal(observe(sseFixture('anthropic/messages-text.sse')).text, 'Paris is the capital of France. It sits on the Seine — about 2.1 million people live within the city proper.');
    assert.equal(
      observe(sseFixture('anthropic/messages-tool-use.sse')).text,
      'I\'ll check the weather and look for events in Paris.get_weather{"city": "Paris", "unit": "celsius"}find_events{"city": "Paris", "filters": {"tags": ["music", "outdoor"], "query": "\\"free\\" concerts"}}',
    );
    assert.equal(
      observe(sseFixture('anthropic/messages-thinking.sse')).text,
      'The user asks for 27 * 453.\n27 * 400 = 10800, 27 * 53 = 1431.\n10800 + 1431 = 12231.27 × 453 = **12,231**.',
      'signatures are not text',
    );
  });

  it('reports an in-band error, the early usage only (no final count), and not finished', () => {
    const observer = observe(sseFixture('anthropic/messages-error-overloaded.sse'));
    assert.equal(observer.upstreamError, 'Overloaded');
    assert.equal(observer.finished, false);
    assert.equal(observer.text, 'Paris is the capital');
    assert.equal(observer.usage, undefined, 'no message_delta: the output count is not final');
    assert.equal(observer.earlyUsage?.promptTokens, 24);
    assert.equal(observer.earlyUsage?.completionTokens, 1, 'the early count from message_start');
  });

  it('parses deferred deltas only when the text is read, in order with tool names', () => {
    const observer = new AnthropicStreamObserver();
    assert.ok(observer.deferrable.has('content_block_delta'));
    observer.defer(JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello ' } }));
    observer.observe(ev({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't', name: 'lookup', input: {} } }));
    observer.defer(JSON.stringify({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"q":1}' } }));
    assert.equal(observer.text, 'Hello lookup{"q":1}');
  });

  it('takes cumulative output from each message_delta, and input fields from it only when they are numbers', () => {
    const observer = new AnthropicStreamObserver();
    // Read through a function: an assertion on observer.usage would narrow its type for good.
    const counts = () => [observer.usage?.promptTokens, observer.usage?.completionTokens];
    assert.deepEqual(counts(), [undefined, undefined], 'nothing before message_start');
    observer.observe(ev({ type: 'message_start', message: { usage: { input_tokens: 100, cache_read_input_tokens: 50, cache_creation_input_tokens: 0, output_tokens: 1 } } }));
    assert.deepEqual(counts(), [undefined, undefined], 'message_start alone is not final');
    assert.deepEqual([observer.earlyUsage?.promptTokens, observer.earlyUsage?.completionTokens], [150, 1]);
    observer.observe(ev({ type: 'message_delta', delta: { stop_reason: null }, usage: { output_tokens: 20 } }));
    assert.deepEqual(counts(), [150, 20]);
    observer.observe(ev({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 42, input_tokens: 90, cache_read_input_tokens: null, cache_creation_input_tokens: 7 } }));
    assert.deepEqual(observer.usage, {
      promptTokens: 90 + 50 + 7,
      completionTokens: 42,
      totalTokens: 189,
      cachedPromptTokens: 50,
      cacheWriteTokens: 7,
      reasoningTokens: 0,
      source: 'provider',
    });
    assert.equal(observer.finished, false);
    observer.observe(ev({ type: 'message_stop' }));
    assert.equal(observer.finished, true);
  });

  it('reads events by data.type, ignores pings and unknown events, and survives odd shapes', () => {
    const observer = new AnthropicStreamObserver();
    for (const data of [
      { type: 'ping' },
      { type: 'future_event', x: 1 },
      { type: 'content_block_delta', index: 0, delta: null },
      { type: 'content_block_delta', index: 0, delta: { type: 'citations_delta', citation: {} } },
      { type: 'content_block_start', index: 0, content_block: 'text' },
      { type: 'message_start', message: null },
      { type: 'error', error: { type: 'api_error' } },
    ]) {
      observer.observe({ data });
    }
    assert.equal(observer.text, '');
    assert.equal(observer.usage, undefined);
    assert.equal(observer.upstreamError, 'api_error', 'the error type when there is no message');
  });
});
