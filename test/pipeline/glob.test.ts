import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileModelMatcher, globToRegExp, isGlob } from '../../src/pipeline/glob.js';

const matches = (glob: string, name: string): boolean => globToRegExp(glob).test(name);

describe('globToRegExp', () => {
  it('matches a name without wildcards only exactly', () => {
    assert.ok(matches('gpt-4o', 'gpt-4o'));
    assert.ok(!matches('gpt-4o', 'gpt-4o-mini'), 'anchored at the end');
    assert.ok(!matches('gpt-4o', 'x-gpt-4o'), 'anchored at the start');
    assert.ok(!matches('gpt-4o', 'GPT-4O'), 'case-sensitive');
  });

  it('treats "." as a literal dot, not "any character"', () => {
    assert.ok(matches('gpt-4.1', 'gpt-4.1'));
    assert.ok(!matches('gpt-4.1', 'gpt-4x1'));
    assert.ok(!matches('gpt-4.1*', 'gpt-4x1-mini'));
    assert.ok(matches('gpt-4.1*', 'gpt-4.1-mini'));
  });

  it('escapes every other regex metacharacter', () => {
    const literal = 'a+b^c$d{1}(e)|f[g]h\\i';
    assert.ok(matches(literal, literal));
    for (const other of ['aab^c$d{1}(e)|f[g]h\\i', 'a+b^c$d1(e)|f[g]h\\i', 'a+b^c$d{1}e|f[g]h\\i', 'a+b^c$d{1}(e)|fgh\\i', 'f[g]h\\i']) {
      assert.ok(!matches(literal, other), `"${literal}" must not match "${other}"`);
    }
    assert.ok(matches('ft:gpt-4o:acme/*', 'ft:gpt-4o:acme/support-v2'));
    assert.ok(matches('(legacy)*', '(legacy)-model'));
    assert.ok(!matches('(legacy)*', 'legacy-model'));
  });

  it('"*" matches any run of characters, including none', () => {
    assert.ok(matches('gpt-*', 'gpt-'));
    assert.ok(matches('gpt-*', 'gpt-4o-mini-2024-07-18'));
    assert.ok(matches('gpt-*', 'gpt-a/b.c'));
    assert.ok(!matches('gpt-*', 'gpt4'));
    assert.ok(matches('*-mini', 'o4-mini'));
    assert.ok(!matches('*-mini', 'o4-mini-high'));
    assert.ok(matches('claude-*-4-*', 'claude-sonnet-4-5'));
    assert.ok(matches('*', ''));
    assert.ok(matches('*', 'anything at all'));
  });

  it('"?" matches exactly one character', () => {
    assert.ok(matches('o?', 'o1'));
    assert.ok(matches('o?', 'o3'));
    assert.ok(!matches('o?', 'o'));
    assert.ok(!matches('o?', 'o3-mini'));
    assert.ok(matches('o?-mini', 'o4-mini'));
    assert.ok(matches('gpt-??', 'gpt-5x'));
    assert.ok(!matches('gpt-??', 'gpt-5'));
  });

  it('anchors to the whole name: a leading or trailing newline is not ignored', () => {
    assert.ok(!matches('gpt-4o', 'gpt-4o\n'));
    assert.ok(!matches('gpt-4o', 'x\ngpt-4o'));
  });
});

describe('isGlob', () => {
  it('says whether a pattern has a wildcard', () => {
    assert.equal(isGlob('gpt-4o'), false);
    assert.equal(isGlob('gpt-4.1'), false);
    assert.equal(isGlob('gpt-*'), true);
    assert.equal(isGlob('o?'), true);
  });
});

describe('compileModelMatcher', () => {
  it('allows exactly the listed names', () => {
    const m = compileModelMatcher(['gpt-4o-mini', 'gpt-4.1']);
    assert.ok(m.matches('gpt-4o-mini'));
    assert.ok(m.matches('gpt-4.1'));
    assert.ok(!m.matches('gpt-4o'));
    assert.ok(!m.matches('gpt-4x1'));
    assert.ok(!m.matches('gpt-4o-mini-2024-07-18'));
  });

  it('mixes exact names and globs', () => {
    const m = compileModelMatcher(['demo', 'sim-*', 'o?']);
    assert.ok(m.matches('demo'));
    assert.ok(m.matches('sim-fast'));
    assert.ok(m.matches('o3'));
    assert.ok(!m.matches('demo-echo'));
    assert.ok(!m.matches('sim'));
    assert.ok(!m.matches('o3-mini'));
  });

  it('"*" allows every model, including an empty name', () => {
    const m = compileModelMatcher(['gpt-4o', '*']);
    for (const name of ['gpt-4o', 'claude-opus-4-5', '', 'a.b']) assert.ok(m.matches(name), name);
  });

  it('an empty list allows nothing', () => {
    const m = compileModelMatcher([]);
    assert.ok(!m.matches('gpt-4o'));
    assert.ok(!m.matches(''));
  });

  it('keeps the configured patterns for error messages and the audit trail', () => {
    const patterns = ['gpt-*', 'demo'];
    assert.deepEqual(compileModelMatcher(patterns).patterns, ['gpt-*', 'demo']);
  });
});
