import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpolate, type Coercion, type InterpolationError } from '../../src/config/interpolate.js';

function run(value: unknown, env: NodeJS.ProcessEnv): { value: unknown; errors: InterpolationError[]; coercions: Coercion[] } {
  const errors: InterpolationError[] = [];
  const coercions: Coercion[] = [];
  return { value: interpolate(value, env, errors, [], coercions), errors, coercions };
}

describe('${ENV} interpolation', () => {
  it('replaces a set variable, alone or inside text', () => {
    const { value, errors } = run({ a: '${HOST}', b: 'http://${HOST}:${PORT}/v1' }, { HOST: 'llm.internal', PORT: '8000' });
    assert.deepEqual(errors, []);
    assert.deepEqual(value, { a: 'llm.internal', b: 'http://llm.internal:8000/v1' });
  });

  it('reports an unset variable with the path of the value', () => {
    const { errors } = run({ providers: { openai: { apiKey: '${OPENAI_API_KEY}' } }, keys: ['ok', 'x-${MISSING}'] }, {});
    assert.equal(errors.length, 2);
    assert.deepEqual(errors[0]?.path, ['providers', 'openai', 'apiKey']);
    assert.match(errors[0]?.message ?? '', /OPENAI_API_KEY is not set/);
    assert.match(errors[0]?.message ?? '', /\$\{OPENAI_API_KEY:-default\}/, 'the message says how to give a default');
    assert.deepEqual(errors[1]?.path, ['keys', 1]);
  });

  it('keeps a variable set to the empty string (no error) when there is no default', () => {
    const { value, errors } = run({ a: '${EMPTY}' }, { EMPTY: '' });
    assert.deepEqual(errors, []);
    assert.deepEqual(value, { a: '' });
  });

  it('uses the :- default when the variable is unset, and when it is empty', () => {
    assert.deepEqual(run({ a: '${NOPE:-fallback}' }, {}).value, { a: 'fallback' });
    assert.deepEqual(run({ a: '${EMPTY:-fallback}' }, { EMPTY: '' }).value, { a: 'fallback' });
    assert.deepEqual(run({ a: '${SET:-fallback}' }, { SET: 'real' }).value, { a: 'real' });
    assert.deepEqual(run({ a: '${NOPE:-}' }, {}).value, { a: '' }, 'an empty default is allowed');
    assert.deepEqual(run({ a: 'http://${H:-localhost}:${P:-11434}/v1' }, {}).value, { a: 'http://localhost:11434/v1' });
    assert.deepEqual(run({ a: '${NOPE:-}' }, {}).errors, []);
  });

  it('turns $${ into a literal ${ and does not interpolate what follows', () => {
    const { value, errors } = run({ a: '$${HOME}', b: 'cost: $5, template $${name} and ${X}' }, { HOME: '/root', X: 'x' });
    assert.deepEqual(errors, []);
    assert.deepEqual(value, { a: '${HOME}', b: 'cost: $5, template ${name} and x' });
  });

  it('does not scan a replacement again', () => {
    assert.deepEqual(run({ a: '${A}' }, { A: '${B}', B: 'no' }).value, { a: '${B}' });
  });

  it('leaves text that is not a reference alone', () => {
    const env = { NAME: 'v' };
    assert.deepEqual(run({ a: '$NAME', b: '${NAME-default}', c: '${1X}', d: '$', e: 'a $ b' }, env).value, {
      a: '$NAME',
      b: '${NAME-default}',
      c: '${1X}',
      d: '$',
      e: 'a $ b',
    });
  });

  it('makes numbers and booleans only of a value that is exactly one reference', () => {
    const env = { PORT: '8080', RATIO: '0.5', NEG: '-1', ON: 'true', OFF: 'false', WORD: 'yes' };
    const { value, coercions } = run(
      { port: '${PORT}', def: '${UNSET:-9090}', ratio: '${RATIO}', neg: '${NEG}', on: '${ON}', off: '${OFF}', word: '${WORD}', mixed: '${PORT}/x', two: '${PORT}${PORT}', padded: ' ${PORT}' },
      env,
    );
    assert.deepEqual(value, {
      port: 8080,
      def: 9090,
      ratio: 0.5,
      neg: -1,
      on: true,
      off: false,
      word: 'yes',
      mixed: '8080/x',
      two: '80808080',
      padded: ' 8080',
    });
    // The loader gives the text back where the schema wants a string.
    assert.deepEqual(coercions.find((c) => c.path[0] === 'port'), { path: ['port'], text: '8080' });
    assert.equal(coercions.length, 6);
  });

  it('never changes the structure: YAML, JSON or newlines in a value stay one string', () => {
    const env = { EVIL: 'x\nadmin:\n  port: 1', LIST: '[1, 2]', MAP: '{a: 1}', JSON: '{"a":1}' };
    const { value, errors } = run({ a: '${EVIL}', b: '${LIST}', c: '${MAP}', d: '${JSON}' }, env);
    assert.deepEqual(errors, []);
    assert.deepEqual(value, { a: 'x\nadmin:\n  port: 1', b: '[1, 2]', c: '{a: 1}', d: '{"a":1}' });
  });

  it('walks lists and nested maps, and leaves keys and non-strings alone', () => {
    const { value } = run({ '${K}': [{ n: 1, b: false, s: '${V}', z: null }] }, { K: 'key', V: 'val' });
    assert.deepEqual(value, { '${K}': [{ n: 1, b: false, s: 'val', z: null }] });
  });
});
