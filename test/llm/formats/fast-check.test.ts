// The allocation-free first pass over request bodies must never accept what zod refuses; it may
// refuse what zod accepts (zod then runs and decides). Checked on every request schema, on valid
// bodies, on hand-made invalid ones and on thousands of seeded mutations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { fastCheck } from '../../../src/llm/formats/fast-check.js';
import { chatRequestSchema, embeddingsRequestSchema } from '../../../src/llm/formats/openai-chat.js';
import { responsesRequestSchema } from '../../../src/llm/formats/openai-responses.js';
import { countTokensRequestSchema, messagesRequestSchema } from '../../../src/llm/formats/anthropic-messages.js';
import { prng } from '../../support/prng.js';

const SCHEMAS = { chat: chatRequestSchema, embeddings: embeddingsRequestSchema, responses: responsesRequestSchema, messages: messagesRequestSchema, count_tokens: countTokensRequestSchema };

const VALID: Record<keyof typeof SCHEMAS, unknown[]> = {
  chat: [
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    {
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 10,
      temperature: 0.2,
      tools: [{ type: 'function', function: { name: 'f' } }],
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'u' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'ok' },
      ],
      extra_future_field: { anything: [1, 2] },
    },
  ],
  embeddings: [{ model: 'e', input: 'text' }, { model: 'e', input: ['a', 'b'] }],
  responses: [{ model: 'm', input: 'hello' }, { model: 'm', input: [{ role: 'user', content: 'x' }], instructions: 'be brief', stream: true }],
  messages: [
    { model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] },
    { model: 'claude', max_tokens: 100, system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] },
  ],
  count_tokens: [{ model: 'claude', messages: [{ role: 'user', content: 'hi' }] }],
};

const ODD_VALUES: unknown[] = [undefined, null, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '', 'x', 'user', 'tool', true, false, [], [1], {}, { type: 'text' }, 2 ** 60];

/** Replaces one value somewhere in `value` (or deletes a key) at random. */
function mutate(value: unknown, rnd: () => number): unknown {
  const copy = structuredClone(value) as unknown;
  const holders: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((item, i) => (holders.push([v, i]), walk(item)));
    else if (v !== null && typeof v === 'object') for (const [k, item] of Object.entries(v)) (holders.push([v as Record<string, unknown>, k]), walk(item));
  };
  walk(copy);
  const [holder, key] = holders[Math.floor(rnd() * holders.length)]!;
  const odd = ODD_VALUES[Math.floor(rnd() * ODD_VALUES.length)];
  if (!Array.isArray(holder) && rnd() < 0.15) delete holder[key as string];
  else (holder as Record<string | number, unknown>)[key] = odd;
  return copy;
}

describe('fastCheck', () => {
  for (const [name, schema] of Object.entries(SCHEMAS) as [keyof typeof SCHEMAS, z.ZodType][]) {
    it(`${name}: compiles, accepts valid bodies, and never accepts what zod refuses`, () => {
      const check = fastCheck(schema);
      assert.ok(check !== undefined, `${name} uses something fastCheck does not know: it would always fall back to zod`);
      for (const body of VALID[name]) {
        assert.equal(schema.safeParse(body).success, true, JSON.stringify(body));
        assert.equal(check(body), true, JSON.stringify(body));
      }
      const rnd = prng(name.length * 7919);
      let refusedByBoth = 0;
      for (let i = 0; i < 3000; i++) {
        const base = VALID[name][i % VALID[name].length];
        let body = mutate(base, rnd);
        if (rnd() < 0.3) body = mutate(body, rnd);
        const zodSays = schema.safeParse(body).success;
        const fastSays: boolean = check(body);
        if (fastSays) assert.equal(zodSays, true, `fastCheck accepted what zod refuses: ${JSON.stringify(body)}`);
        if (!zodSays) refusedByBoth++;
        // Stricter than zod only where documented: none of these schemas needs it.
        assert.equal(fastSays, zodSays, `differs from zod on ${JSON.stringify(body)}`);
      }
      assert.ok(refusedByBoth > 100, `the mutations exercised refusals (${refusedByBoth})`);
    });
  }

  it('has no predicate for a schema using what it does not know (zod then runs every time)', () => {
    assert.equal(fastCheck(z.object({ a: z.string().email() })), undefined);
    assert.equal(fastCheck(z.object({ a: z.string().default('x') })), undefined);
    assert.equal(fastCheck(z.object({ a: z.string().transform((s) => s.length) })), undefined);
    assert.equal(fastCheck(z.object({ a: z.int() })), undefined);
    assert.equal(fastCheck(z.object({ a: z.email() })), undefined);
    assert.equal(fastCheck(z.object({ a: z.string().superRefine(() => undefined) })), undefined);
    assert.equal(fastCheck(z.object({ a: z.xor([z.string(), z.string().min(2)]) })), undefined);
    assert.equal(fastCheck(z.object({ a: z.coerce.number() })), undefined);
    enum Numeric {
      A,
      B,
    }
    assert.equal(fastCheck(z.object({ a: z.enum(Numeric) })), undefined);
  });

  it('leaves the decision to zod when a refine throws', () => {
    const schema = z.looseObject({ a: z.string() }).refine((v) => {
      if (v.a === 'boom') throw new Error('boom');
      return true;
    });
    const check = fastCheck(schema)!;
    assert.equal(check({ a: 'ok' }), true);
    assert.equal(check({ a: 'boom' }), false);
  });

  it('honours strict objects, ranges and integer formats', () => {
    const check = fastCheck(z.strictObject({ n: z.number().int().min(1).max(3), s: z.string().min(2).max(3), e: z.enum(['a', 'b']).optional() }))!;
    assert.equal(check({ n: 2, s: 'ab' }), true);
    assert.equal(check({ n: 2, s: 'ab', extra: 1 }), false);
    assert.equal(check({ n: 2.5, s: 'ab' }), false);
    assert.equal(check({ n: 4, s: 'ab' }), false);
    assert.equal(check({ n: 1, s: 'abcd' }), false);
    assert.equal(check({ n: 1, s: 'ab', e: 'c' }), false);
  });
});
