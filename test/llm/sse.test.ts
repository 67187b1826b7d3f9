import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SseSplitter, sseData, type SseEvent } from '../../src/llm/sse.js';
import { prng } from '../support/prng.js';

const encoder = new TextEncoder();


/** Feeds `bytes` to a fresh splitter in the given pieces; returns the events and what was left. */
function split(bytes: Uint8Array, pieces: readonly Uint8Array[] | ((bytes: Uint8Array) => Uint8Array[])): { events: SseEvent[]; rest: string } {
  const splitter = new SseSplitter();
  const events: SseEvent[] = [];
  for (const piece of typeof pieces === 'function' ? pieces(bytes) : pieces) events.push(...splitter.push(piece));
  return { events, rest: splitter.rest() };
}

const whole = (bytes: Uint8Array): Uint8Array[] => [bytes];
const byteByByte = (bytes: Uint8Array): Uint8Array[] => Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
const randomPieces =
  (seed: number, max: number) =>
  (bytes: Uint8Array): Uint8Array[] => {
    const random = prng(seed);
    const out: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; ) {
      const size = 1 + Math.floor(random() * max);
      out.push(bytes.subarray(i, i + size));
      i += size;
    }
    return out;
  };

const fields = (events: readonly SseEvent[]) => events.map((e) => ({ event: e.event, data: e.data }));

// A real OpenAI stream (usage chunk, [DONE]) with the extras a proxy or another server may add:
// a keep-alive comment, a named event, a multi-line data field, non-ASCII text.
const OPENAI_STREAM = readFileSync(new URL('../fixtures/openai/chat-text.sse', import.meta.url), 'utf8');
const MIXED_STREAM =
  ': ping\n\n' +
  'event: message_start\ndata: {"type":"message_start"}\n\n' +
  'data: {"delta":"Grüße aus Zürich – 東京 🚀"}\n\n' +
  'id: 7\nretry: 1000\ndata: first line\ndata: second line\n\n' +
  OPENAI_STREAM;

describe('SseSplitter', () => {
  const bytes = encoder.encode(MIXED_STREAM);
  const reference = split(bytes, whole);

  it('splits a realistic stream into its events', () => {
    const payloads = reference.events.map((e) => e.data);
    const openaiEvents = OPENAI_STREAM.split('\n\n').filter((e) => e !== '');
    assert.equal(reference.events.length, 4 + openaiEvents.length);
    assert.equal(payloads[0], undefined, 'a comment-only event has no data');
    assert.equal(reference.events[1].event, 'message_start');
    assert.equal(payloads[2], '{"delta":"Grüße aus Zürich – 東京 🚀"}');
    assert.equal(payloads[3], 'first line\nsecond line');
    assert.equal(payloads.at(-1), '[DONE]');
    for (const data of payloads.slice(4, -1)) assert.doesNotThrow(() => JSON.parse(data as string), `each OpenAI chunk is whole JSON: ${data}`);
    assert.equal(reference.rest, '');
  });

  it('gives the same events one byte at a time, and the raw texts add up to the input', () => {
    const result = split(bytes, byteByByte);
    assert.deepEqual(fields(result.events), fields(reference.events));
    assert.equal(result.events.map((e) => e.raw).join('') + result.rest, MIXED_STREAM);
  });

  it('gives the same events in random-size pieces (many seeds)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const result = split(bytes, randomPieces(seed, seed % 2 === 0 ? 7 : 300));
      assert.deepEqual(fields(result.events), fields(reference.events), `seed ${seed}`);
      assert.equal(result.events.map((e) => e.raw).join('') + result.rest, MIXED_STREAM, `seed ${seed}`);
    }
  });

  it('returns each event only once, as soon as its blank line arrives', () => {
    const splitter = new SseSplitter();
    assert.deepEqual(splitter.push(encoder.encode('data: a\n')), []);
    const [event, ...more] = splitter.push(encoder.encode('\ndata: b'));
    assert.equal(event.data, 'a');
    assert.deepEqual(more, []);
    assert.equal(splitter.rest(), 'data: b');
  });

  it('decodes a multi-byte character split between chunks', () => {
    // "é" is C3 A9, "🚀" is F0 9F 9A 80: cut inside both.
    const all = encoder.encode('data: café 🚀\n\n');
    const cutE = all.indexOf(0xc3) + 1;
    const cutRocket = all.indexOf(0xf0) + 2;
    const { events, rest } = split(all, [all.subarray(0, cutE), all.subarray(cutE, cutRocket), all.subarray(cutRocket)]);
    assert.equal(events.length, 1);
    assert.equal(events[0].data, 'café 🚀');
    assert.equal(events[0].raw, 'data: café 🚀\n\n');
    assert.ok(!events[0].raw.includes('\ufffd'), 'no replacement character');
    assert.equal(rest, '');
  });

  for (const [name, eol] of [
    ['\\r\\n', '\r\n'],
    ['\\r', '\r'],
  ] as const) {
    it(`handles ${name} line endings, whatever the chunking`, () => {
      const text = `event: delta${eol}data: one${eol}data: two${eol}${eol}: keep-alive${eol}${eol}data: [DONE]${eol}${eol}`;
      const input = encoder.encode(text);
      for (const pieces of [whole, byteByByte, randomPieces(3, 4), randomPieces(9, 2)]) {
        const { events, rest } = split(input, pieces);
        assert.deepEqual(fields(events), [
          { event: 'delta', data: 'one\ntwo' },
          { event: undefined, data: undefined },
          { event: undefined, data: '[DONE]' },
        ]);
        assert.equal(events.map((e) => e.raw).join(''), text);
        assert.equal(rest, '');
      }
    });
  }

  it('ignores comment lines inside an event and keeps them in raw', () => {
    const { events } = split(encoder.encode(': ping\ndata: x\n: another\n\n'), whole);
    assert.equal(events.length, 1);
    assert.equal(events[0].data, 'x');
    assert.equal(events[0].raw, ': ping\ndata: x\n: another\n\n');
  });

  it('reads field values with and without the space after the colon', () => {
    const { events } = split(encoder.encode('event:ping\ndata:{"a":1}\n\nevent: x\ndata:  two spaces\n\n'), whole);
    assert.deepEqual(fields(events), [
      { event: 'ping', data: '{"a":1}' },
      { event: 'x', data: ' two spaces' },
    ]);
  });

  it('treats a line without a colon as a field with an empty value', () => {
    const { events } = split(encoder.encode('data\n\ndata: a\ndata\ndata: b\n\nevent\ndata: c\n\n'), whole);
    assert.deepEqual(fields(events), [
      { event: undefined, data: '' },
      { event: undefined, data: 'a\n\nb' },
      { event: '', data: 'c' },
    ]);
  });

  it('keeps a colon inside the value', () => {
    const { events } = split(encoder.encode('data: {"url":"http://x"}\n\n'), whole);
    assert.equal(events[0].data, '{"url":"http://x"}');
  });

  it('returns an incomplete trailing event from rest(), and no event for it', () => {
    const text = 'data: {"done":true}\n\ndata: {"cut":';
    const { events, rest } = split(encoder.encode(text), byteByByte);
    assert.equal(events.length, 1);
    assert.equal(rest, 'data: {"cut":');
  });

  it('returns a trailing event without its blank line from rest()', () => {
    const { events, rest } = split(encoder.encode('data: [DONE]\n'), whole);
    assert.deepEqual(events, []);
    assert.equal(rest, 'data: [DONE]\n');
  });

  it('flushes a multi-byte character cut by the end of the stream as U+FFFD in rest()', () => {
    const splitter = new SseSplitter();
    splitter.push(Uint8Array.of(0x64, 0x3a, 0x20, 0xe2, 0x82)); // "d: " + 2 of the 3 bytes of "€"
    assert.equal(splitter.rest(), 'd: \ufffd');
  });

  it('returns nothing for an empty chunk', () => {
    const splitter = new SseSplitter();
    assert.deepEqual(splitter.push(new Uint8Array(0)), []);
    assert.equal(splitter.rest(), '');
  });
});

describe('sseData', () => {
  it('serialises one data event that the splitter reads back', () => {
    const text = sseData('{"a":1}');
    assert.equal(text, 'data: {"a":1}\n\n');
    const { events, rest } = split(encoder.encode(text + sseData('[DONE]')), byteByByte);
    assert.deepEqual(
      events.map((e) => e.data),
      ['{"a":1}', '[DONE]'],
    );
    assert.equal(rest, '');
  });
});
