import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ResponsesStreamObserver } from '../../../src/llm/formats/responses-stream.js';
import { responsesResponseText, usageFromResponses } from '../../../src/llm/formats/openai-responses.js';
import type { WireEvent } from '../../../src/llm/formats/wire-event.js';
import { SseSplitter } from '../../../src/llm/sse.js';

const read = (name: string): string => readFileSync(new URL(`../../fixtures/openai/${name}`, import.meta.url), 'utf8');

function events(name: string): WireEvent[] {
  return new SseSplitter().push(Buffer.from(read(name))).map((e) => ({ event: e.event, data: JSON.parse(e.data!) as Record<string, unknown> }));
}

function observe(list: WireEvent[]): ResponsesStreamObserver {
  const observer = new ResponsesStreamObserver();
  for (const e of list) observer.observe(e);
  return observer;
}

describe('ResponsesStreamObserver', () => {
  for (const name of ['responses-text', 'responses-function-call']) {
    it(`reads ${name}.sse: usage equals the JSON's, finished, the same text`, () => {
      const json = JSON.parse(read(`${name}.json`)) as Record<string, unknown>;
      const observer = observe(events(`${name}.sse`));
      assert.deepEqual(observer.usage, usageFromResponses(json.usage));
      assert.equal(observer.finished, true);
      assert.equal(observer.upstreamError, undefined);
      assert.equal(observer.text, responsesResponseText(json));
    });
  }

  it('is not finished, and has no usage, before response.completed', () => {
    const list = events('responses-text.sse');
    const observer = observe(list.slice(0, -1));
    assert.equal(observer.finished, false);
    assert.equal(observer.usage, undefined);
    assert.ok(observer.text.startsWith('Paris is the capital'));
  });

  it('reads response.incomplete as finished, with its usage', () => {
    const observer = observe([
      {
        event: 'response.incomplete',
        data: {
          type: 'response.incomplete',
          sequence_number: 9,
          response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage: { input_tokens: 10, output_tokens: 16, total_tokens: 26 } },
        },
      },
    ]);
    assert.equal(observer.finished, true);
    assert.equal(observer.usage?.completionTokens, 16);
  });

  it('reads refusal deltas as generated text', () => {
    const observer = observe([{ event: 'response.refusal.delta', data: { type: 'response.refusal.delta', delta: "I can't help" } }]);
    assert.equal(observer.text, "I can't help");
  });

  it('reports response.failed with its error message', () => {
    const observer = observe([
      { event: 'response.failed', data: { type: 'response.failed', sequence_number: 3, response: { status: 'failed', error: { code: 'server_error', message: 'The model crashed.' }, usage: null } } },
    ]);
    assert.equal(observer.upstreamError, 'The model crashed.');
    assert.equal(observer.finished, true);
    assert.equal(observer.usage, undefined);
    assert.equal(observe([{ event: 'response.failed', data: { type: 'response.failed', response: { error: null } } }]).upstreamError, 'The response failed.');
  });

  it('reports an error event', () => {
    const observer = observe([{ event: 'error', data: { type: 'error', code: 'rate_limit_exceeded', message: 'Slow down.', param: null, sequence_number: 4 } }]);
    assert.equal(observer.upstreamError, 'Slow down.');
  });

  it('takes the type from data.type or, failing that, the event name', () => {
    const observer = observe([{ event: 'response.output_text.delta', data: { delta: 'Hi' } }]);
    assert.equal(observer.text, 'Hi');
  });

  it('ignores events it does not know and malformed ones', () => {
    const observer = observe([
      { event: 'response.queued', data: { type: 'response.queued' } },
      { event: 'response.output_text.delta', data: { type: 'response.output_text.delta', delta: 7 } },
      { event: 'response.output_item.added', data: { type: 'response.output_item.added', item: null } },
      { event: 'response.completed', data: { type: 'response.completed', response: null } },
    ]);
    assert.equal(observer.text, '');
    assert.equal(observer.usage, undefined);
    assert.equal(observer.finished, true);
  });
});
