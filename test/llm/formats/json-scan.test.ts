import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanJson, withModel } from '../../../src/llm/formats/json-scan.js';

const scan = (text: string, depth = 128) => scanJson(Buffer.from(text), depth);

test('finds the top-level model value and splices a new one in, leaving every other byte alone', () => {
  const text = '{ "messages": [{"role":"user","content":"the \\"model\\": \\"x\\" inside a string"}], "model" :  "gpt-4o" , "meta": {"model": "nested"} }';
  const s = scan(text)!;
  assert.equal(text.slice(s.modelStart, s.modelEnd), '"gpt-4o"');
  const out = withModel(Buffer.from(text), s, 'sim/1 "quoted"')!.toString();
  assert.equal(out, text.replace('"gpt-4o"', JSON.stringify('sim/1 "quoted"')));
  assert.deepEqual(JSON.parse(out), { ...JSON.parse(text), model: 'sim/1 "quoted"' });
});

test('the last top-level model wins, as in JSON.parse', () => {
  const text = '{"model":"a","x":1,"model":"b"}';
  const s = scan(text)!;
  assert.equal(text.slice(s.modelStart, s.modelEnd), '"b"');
});

test('a model that is not a string, or written with escapes, is not located', () => {
  assert.equal(scan('{"model":5,"messages":"m"}')!.modelStart, -1);
  assert.equal(scan('{"mod\\u0065l":"a"}')!.modelStart, -1);
  assert.equal(withModel(Buffer.from('{"model":5}'), scan('{"model":5}')!, 'x'), undefined);
});

test('nesting deeper than the limit is refused; brackets inside strings do not count', () => {
  assert.equal(scan('[[[1]]]', 3)?.modelStart, -1);
  assert.equal(scan('[[[[1]]]]', 3), undefined);
  assert.notEqual(scan('{"a":"[[[[[[[[[[{{{{{{"}', 3), undefined);
  assert.equal(scan(`{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`), undefined);
});
