import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanObjectMember } from '../../../src/llm/formats/json-member.js';
import { providerUsage } from '../../../src/llm/handlers/provider-json.js';
import { prng } from '../../support/prng.js';

const USAGE = Buffer.from('"usage"');

/** What JSON.parse says of the same bytes, in scanObjectMember's terms (the member's value parsed). */
function judge(bytes: Buffer): { verdict: 'object' | 'not_json' | 'not_object'; usage?: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { verdict: 'not_json' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { verdict: 'not_object' };
  return { verdict: 'object', usage: (value as Record<string, unknown>).usage };
}

function agree(bytes: Buffer, label: string): void {
  const expected = judge(bytes);
  const scan = scanObjectMember(bytes, USAGE);
  if (typeof scan === 'string') {
    assert.equal(scan, expected.verdict, `${label}: ${JSON.stringify(bytes.toString('utf8'))}`);
    return;
  }
  assert.equal(expected.verdict, 'object', `${label}: ${JSON.stringify(bytes.toString('utf8'))}`);
  if (scan.escapedKey) return; // the caller parses the whole body then (see the escaped-key test)
  const usage = scan.start < 0 ? undefined : JSON.parse(bytes.toString('utf8', scan.start, scan.end));
  assert.deepEqual(usage, expected.usage, `${label}: ${JSON.stringify(bytes.toString('utf8'))}`);
}

test('a provider answer: the usage member is found, nested "usage" keys and strings are not', () => {
  const body = JSON.stringify({
    id: 'chatcmpl-1',
    choices: [{ message: { role: 'assistant', content: 'the "usage": {"prompt_tokens": 1} in a string' }, usage: 'nested' }],
    usage: { prompt_tokens: 412, completion_tokens: 96, total_tokens: 508, prompt_tokens_details: { cached_tokens: 0 } },
    meta: { usage: { prompt_tokens: 9 } },
  });
  const bytes = Buffer.from(body);
  const scan = scanObjectMember(bytes, USAGE);
  assert.ok(typeof scan === 'object');
  assert.deepEqual(JSON.parse(body.slice(scan.start, scan.end)), JSON.parse(body).usage);
});

test('no usage member, the last of duplicates, and an empty object', () => {
  assert.deepEqual(scanObjectMember(Buffer.from('{"a":1}'), USAGE), { start: -1, end: -1, escapedKey: false });
  assert.deepEqual(scanObjectMember(Buffer.from(' { } '), USAGE), { start: -1, end: -1, escapedKey: false });
  const text = '{"usage":{"a":1},"x":[],"usage" : {"b":2} }';
  const scan = scanObjectMember(Buffer.from(text), USAGE);
  assert.ok(typeof scan === 'object');
  assert.equal(text.slice(scan.start, scan.end), '{"b":2}');
});

test('a top-level key written with escapes is flagged (it may be the member spelt another way); escapes elsewhere are not', () => {
  const escaped = scanObjectMember(Buffer.from('{"usage":{"t":1},"us\\u0061ge":{"t":2}}'), USAGE);
  assert.ok(typeof escaped === 'object' && escaped.escapedKey);
  const nested = scanObjectMember(Buffer.from('{"a":{"k\\"ey":"v\\n"},"s":"\\u0041","usage":{"t":1}}'), USAGE);
  assert.ok(typeof nested === 'object' && !nested.escapedKey && nested.start > 0);
});

test('providerUsage reads usage as JSON.parse does, an escaped duplicate included, and refuses with the provider errors', () => {
  assert.deepEqual(providerUsage(Buffer.from('{"choices":[],"usage":{"prompt_tokens":1},"us\\u0061ge":{"prompt_tokens":2}}'), 'p'), { prompt_tokens: 2 });
  assert.equal(providerUsage(Buffer.from('{"choices":[],"usage":{"prompt_tokens":1},"us\\u0061ge":null}'), 'p'), null);
  assert.deepEqual(providerUsage(Buffer.from('{"usage":{"prompt_tokens":3}}'), 'p'), { prompt_tokens: 3 });
  assert.equal(providerUsage(Buffer.from('{"choices":[]}'), 'p'), undefined);
  assert.throws(() => providerUsage(Buffer.from('{"usage":'), 'p'), /Provider "p" sent a body that is not JSON\./);
  assert.throws(() => providerUsage(Buffer.from('[1]'), 'p'), /Provider "p" sent JSON that is not an object\./);
});

test('cut, garbled and non-object bodies are told apart as JSON.parse tells them', () => {
  const cases = [
    '',
    '   ',
    '{',
    '{"usage":{"prompt_tokens":1}',
    '{"usage":{"prompt_tokens":1}}}',
    '{"a":1,}',
    '{"a" 1}',
    '{a:1}',
    "{'a':1}",
    '{"a":01}',
    '{"a":1.}',
    '{"a":.5}',
    '{"a":-}',
    '{"a":1e}',
    '{"a":1e+5}',
    '{"a":-0.5E-3}',
    '{"a":tru}',
    '{"a":nul}',
    '{"a":"\\x"}',
    '{"a":"\\u12"}',
    '{"a":"\\u12G4"}',
    '{"a":"\\uD800"}',
    '{"a":"tab\there"}',
    '{"a":[1,2,]}',
    '{"a":[,1]}',
    '{"a":[[[[]]]]}',
    '\ufeff{"a":1}',
    '{"a":1}\u00a0',
    '{"a":1} x',
    '[]',
    '[{"usage":1}]',
    '"usage"',
    '42',
    'null',
    'true',
    '<html>502 Bad Gateway</html>',
  ];
  for (const text of cases) agree(Buffer.from(text), 'case');
  // Invalid UTF-8 inside a string: toString makes replacement characters of it, which JSON.parse accepts.
  agree(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xc3]), Buffer.from('","usage":{"t":1}}')]), 'invalid utf-8 in a string');
  agree(Buffer.concat([Buffer.from('{"a":1'), Buffer.from([0xff]), Buffer.from('}')]), 'invalid utf-8 outside strings');
});

test('a hostile depth costs no call stack', () => {
  const deep = '{"a":' + '['.repeat(200_000) + ']'.repeat(200_000) + ',"usage":{"t":1}}';
  const scan = scanObjectMember(Buffer.from(deep), USAGE);
  assert.ok(typeof scan === 'object');
  assert.equal(deep.slice(scan.start, scan.end), '{"t":1}');
  assert.equal(scanObjectMember(Buffer.from('{"a":' + '['.repeat(200_000) + '}'), USAGE), 'not_json');
});

const STRINGS = ['', 'usage', 'a "quoted" word', 'back\\slash', 'línea ñ', '😀 emoji', 'tab\tnew\nline', '\u2028', '{"usage":1}', '\u0000'];

function value(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 3 || r < 0.35) {
    const k = Math.floor(next() * 8);
    if (k === 0) return null;
    if (k === 1) return next() < 0.5;
    if (k === 2) return Math.floor(next() * 2000) - 1000;
    if (k === 3) return (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20);
    return STRINGS[Math.floor(next() * STRINGS.length)];
  }
  const n = Math.floor(next() * 4);
  if (r < 0.65) return Array.from({ length: n }, () => value(next, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o[next() < 0.2 ? 'usage' : STRINGS[Math.floor(next() * STRINGS.length)]!] = value(next, depth + 1);
  return o;
}

const SPACES = [' ', '\n', '\r\n', '\t', ''];
const MUTATIONS = ['', '"', '\\', ',', ':', '{', '}', '[', ']', '-', '.', 'e', '0', ' ', 'n', '\u0001'];

test('agrees with JSON.parse on 3,000 generated bodies and 3,000 mutations of them', () => {
  const next = prng(20261124); // seeded: a failure names a reproducible body
  for (let round = 0; round < 3000; round++) {
    const top = next() < 0.85 ? { ...(value(next, 0) as object), usage: value(next, 1) } : value(next, 0);
    // Re-spaced between tokens without touching strings: JSON.stringify's indent plus random padding.
    let text = JSON.stringify(top, null, next() < 0.5 ? undefined : SPACES[Math.floor(next() * SPACES.length)]);
    if (text === undefined) continue;
    text = SPACES[Math.floor(next() * SPACES.length)] + text + SPACES[Math.floor(next() * SPACES.length)];
    agree(Buffer.from(text), `generated #${round}`);
    const bytes = Buffer.from(text);
    const at = Math.floor(next() * bytes.length);
    const mutated = next() < 0.5
      ? Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)])
      : Buffer.concat([bytes.subarray(0, at), Buffer.from(MUTATIONS[Math.floor(next() * MUTATIONS.length)]!), bytes.subarray(at)]);
    agree(mutated, `mutation #${round}`);
  }
});
