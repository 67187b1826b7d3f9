import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unsafePatternReason } from '../../src/policies/content-rules/safe-pattern.js';
import { contentRulesPolicy } from '../../src/policies/content-rules/index.js';

test('patterns that can backtrack catastrophically are refused; ordinary ones pass', () => {
  for (const bad of ['(a+)+$', '(a*)*b', '(a|aa)+', '((ab)*c)+', '(x+x+)+y', '(.*a){12}', '(\\w+\\s?)+$', '(a)\\1', '(?<=x)y', 'x'.repeat(501), '(unclosed']) {
    assert.notEqual(unsafePatternReason(bad), undefined, bad);
  }
  for (const good of ['\\bproject\\s+(?:falcon|osprey)\\b', 'ticket-\\d{4,8}', '[a-z]+@internal\\.example', '(?:confidential|secret) draft', 'a+b*c?', '[(+*)]+']) {
    assert.equal(unsafePatternReason(good), undefined, good);
  }
});

test('the configuration names the refused pattern', () => {
  const parsed = contentRulesPolicy.configSchema.safeParse({ deny: { patterns: ['(a+)+$'] } });
  assert.equal(parsed.success, false);
  assert.match(JSON.stringify(parsed.error?.issues), /catastrophic backtracking/);
});
