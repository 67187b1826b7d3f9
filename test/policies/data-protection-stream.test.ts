// The boundary-safe window of streamed inspect-out, and the per-format stream rewriters, driven
// directly: every split point of an answer, long runs, tool-call arguments, Responses numbering.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectEntities } from '../../src/detect/index.js';
import { SettlingWindow } from '../../src/policies/data-protection/stream-window.js';
import { Redactor } from '../../src/policies/data-protection/redactor.js';
import type { ResponseInspector } from '../../src/pipeline/response-inspection.js';
import { Channels } from '../../src/llm/response-text/channels.js';
import { ChatStreamRewriter } from '../../src/llm/response-text/chat-stream.js';
import { MessagesStreamRewriter } from '../../src/llm/response-text/messages-stream.js';
import { ResponsesStreamRewriter } from '../../src/llm/response-text/responses-stream.js';
import type { WireEvent } from '../../src/llm/formats/wire-event.js';

const redact = (redactor = new Redactor('placeholder')) =>
  (segment: string, entities: ReturnType<typeof detectEntities>) => redactor.rewrite(segment, entities, () => 'redact', 'text', true).text;

function run(window: SettlingWindow, pieces: readonly string[]): { text: string; releases: string[] } {
  const releases: string[] = [];
  for (const piece of pieces) releases.push(window.push(piece));
  releases.push(window.end());
  return { text: releases.join(''), releases };
}

describe('SettlingWindow', () => {
  const answer = 'Sure. The card on file is 4111 1111 1111 1111 and the contact is ana.lopez@example.com, as requested.';
  const expected = 'Sure. The card on file is [CREDIT_CARD_1] and the contact is [EMAIL_1], as requested.';

  it('finds an entity whatever the split: every cut point of the answer into two, and 1..7-character chunks', () => {
    for (let cut = 1; cut < answer.length; cut++) {
      const w = new SettlingWindow({ window: 32, maxHold: 4096 }, detectEntities, redact());
      assert.equal(run(w, [answer.slice(0, cut), answer.slice(cut)]).text, expected, `cut at ${cut}`);
    }
    for (let size = 1; size <= 7; size++) {
      const pieces = [];
      for (let i = 0; i < answer.length; i += size) pieces.push(answer.slice(i, i + size));
      const w = new SettlingWindow({ window: 32, maxHold: 4096 }, detectEntities, redact());
      assert.equal(run(w, pieces).text, expected, `chunks of ${size}`);
    }
  });

  it('holds back no more than the window plus the word in progress', () => {
    const w = new SettlingWindow({ window: 16, maxHold: 4096 }, detectEntities, redact());
    let sent = 0;
    let received = 0;
    for (const word of 'the quick brown fox jumps over the lazy dog and keeps running far away'.split(/(?= )/)) {
      received += word.length;
      sent += w.push(word).length;
      assert.ok(received - sent <= 16 + 8, `held ${received - sent} characters`);
    }
  });

  it('a run without spaces is held whole until it ends, up to maxHold', () => {
    const w = new SettlingWindow({ window: 16, maxHold: 256 }, detectEntities, redact());
    const key = 'x'.repeat(200);
    assert.equal(w.push('token ' + key.slice(0, 100)), 'token ');
    assert.equal(w.push(key.slice(100)), '');
    const long = new SettlingWindow({ window: 16, maxHold: 256 }, detectEntities, redact());
    assert.ok(long.push('y'.repeat(300)).length > 0, 'beyond maxHold the run is released');
  });

  it('finding offsets are positions in the whole channel', () => {
    const seen: [number, number][] = [];
    const w = new SettlingWindow({ window: 16, maxHold: 4096 }, detectEntities, (segment, entities, offset) => {
      for (const e of entities) seen.push([offset + e.start, offset + e.end]);
      return segment;
    });
    const text = 'a '.repeat(40) + 'mail bo@example.org now ' + 'b '.repeat(40);
    run(w, text.match(/.{1,5}/gs)!);
    const start = text.indexOf('bo@');
    assert.deepEqual(seen, [[start, start + 'bo@example.org'.length]]);
  });
});

/** An inspector restoring pseudonyms only (as data-protection registers with direction: request). */
function restoring(values: Record<string, string>): ResponseInspector {
  const redactor = new Redactor('placeholder');
  for (const [type, value] of Object.entries(values)) redactor.replacement(type as 'email', 'pseudonymize', value);
  const settle = (encoding: 'text' | 'json') => (segment: string) => redactor.rewrite(segment, [], () => 'redact', encoding, true).text;
  return {
    rewrite: (text, encoding) => settle(encoding)(text),
    open: (encoding) => new SettlingWindow({ window: 0, maxHold: 4096 }, () => [], settle(encoding)),
  };
}

const pieces = (text: string, size: number): string[] => text.match(new RegExp(`.{1,${size}}`, 'gs'))!;

describe('stream rewriters', () => {
  it('chat: tool-call arguments get the original back, JSON-escaped, across chunks', () => {
    const rewriter = new ChatStreamRewriter(new Channels(restoring({ email: 'a"b@example.com' })));
    const out: WireEvent[] = [];
    const push = (e: WireEvent) => out.push(...(rewriter.event(e) ?? [e]));
    push({ data: { id: 'x', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'send', arguments: '' } }] }, finish_reason: null }] } });
    for (const p of pieces('{"to":"[EMAIL_1]","body":"hi"}', 4)) push({ data: { id: 'x', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: p } }] }, finish_reason: null }] } });
    push({ data: { id: 'x', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] } });
    out.push(...rewriter.end());
    let args = '';
    for (const e of out) for (const c of (e.data.choices as { delta: { tool_calls?: { function: { arguments?: string } }[] } }[])) args += c.delta.tool_calls?.[0]?.function.arguments ?? '';
    assert.deepEqual(JSON.parse(args), { to: 'a"b@example.com', body: 'hi' });
    assert.equal((out.at(-1)!.data.choices as { finish_reason: string }[])[0]!.finish_reason, 'tool_calls', 'the finish chunk stays last');
  });

  it('messages: a tool_use input and a text block, each released before its block stops', () => {
    const rewriter = new MessagesStreamRewriter(new Channels(restoring({ email: 'ana@example.com' })));
    const out: WireEvent[] = [];
    const push = (data: Record<string, unknown>) => out.push(...(rewriter.event({ event: data.type as string, data }) ?? [{ event: data.type as string, data }]));
    push({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    for (const p of pieces('Mailing [EMAIL_1] now.', 3)) push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } });
    push({ type: 'content_block_stop', index: 0 });
    push({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't', name: 'send', input: {} } });
    for (const p of pieces('{"to": "[EMAIL_1]"}', 5)) push({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: p } });
    push({ type: 'content_block_stop', index: 1 });
    push({ type: 'message_stop' });
    const text = out.filter((e) => e.data.index === 0 && e.data.type === 'content_block_delta').map((e) => (e.data.delta as { text: string }).text).join('');
    const json = out.filter((e) => e.data.index === 1 && e.data.type === 'content_block_delta').map((e) => (e.data.delta as { partial_json: string }).partial_json).join('');
    assert.equal(text, 'Mailing ana@example.com now.');
    assert.deepEqual(JSON.parse(json), { to: 'ana@example.com' });
    const stops = out.map((e, i) => [e.data.type, i] as const).filter(([t]) => t === 'content_block_stop').map(([, i]) => i);
    const lastDelta0 = out.findLastIndex((e) => e.data.index === 0 && e.data.type === 'content_block_delta');
    assert.ok(lastDelta0 < stops[0]!, 'no delta after its block stopped');
  });

  it('responses: held deltas are dropped, the rest added before done; numbering stays contiguous', () => {
    const rewriter = new ResponsesStreamRewriter(new Channels(restoring({ email: 'ana@example.com' }), true));
    const out: WireEvent[] = [];
    let n = 0;
    const push = (data: Record<string, unknown>) => {
      data.sequence_number = n++;
      out.push(...(rewriter.event({ event: data.type as string, data }) ?? [{ event: data.type as string, data }]));
    };
    const ids = { item_id: 'msg_1', output_index: 0, content_index: 0 };
    push({ type: 'response.created', response: { output: [] } });
    for (const p of pieces('To [EMAIL_1].', 2)) push({ type: 'response.output_text.delta', ...ids, delta: p });
    push({ type: 'response.output_text.done', ...ids, text: 'To [EMAIL_1].' });
    push({ type: 'response.content_part.done', ...ids, part: { type: 'output_text', text: 'To [EMAIL_1].' } });
    push({ type: 'response.completed', response: { output: [{ type: 'message', content: [{ type: 'output_text', text: 'To [EMAIL_1].' }] }] } });
    const deltas = out.filter((e) => e.data.type === 'response.output_text.delta').map((e) => e.data.delta).join('');
    assert.equal(deltas, 'To ana@example.com.');
    assert.equal(out.find((e) => e.data.type === 'response.output_text.done')!.data.text, 'To ana@example.com.');
    assert.equal((out.find((e) => e.data.type === 'response.content_part.done')!.data.part as { text: string }).text, 'To ana@example.com.');
    const completed = out.at(-1)!.data.response as { output: { content: { text: string }[] }[] };
    assert.equal(completed.output[0]!.content[0]!.text, 'To ana@example.com.');
    assert.deepEqual(out.map((e) => e.data.sequence_number), out.map((_, i) => i));
    assert.ok(out.every((e) => e.data.type !== 'response.output_text.delta' || e.data.item_id === 'msg_1'));
  });
});
