import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScanCache } from '../../src/detect/scan-cache.js';

const text = (n: number, c = 'a'): string => c.repeat(n);

describe('ScanCache', () => {
  it('scans a text once and answers the same result after', () => {
    const cache = new ScanCache<{ n: number }>(10_000);
    let scans = 0;
    const scan = (t: string) => ({ n: (scans++, t.length) });
    const first = cache.get('key:a', text(100), scan);
    const second = cache.get('key:a', text(100), scan);
    assert.equal(scans, 1);
    assert.equal(second, first);
  });

  it('keeps callers apart: the same text from another caller is scanned again', () => {
    const cache = new ScanCache<number>(10_000);
    let scans = 0;
    const scan = () => ++scans;
    cache.get('key:a', text(100), scan);
    cache.get('key:b', text(100), scan);
    assert.equal(scans, 2);
    assert.equal(cache.get('key:a', text(100), scan), 1);
    assert.equal(cache.get('key:b', text(100), scan), 2);
  });

  it('stays within its character budget, dropping the least recently used first', () => {
    const cache = new ScanCache<string>(3 * 100);
    const scan = (t: string) => t.slice(0, 1);
    for (const c of ['a', 'b', 'c']) cache.get('p', text(100, c), scan);
    cache.get('p', text(100, 'a'), scan); // a is now the most recent
    cache.get('p', text(100, 'd'), scan); // evicts b, the least recent
    assert.ok(cache.size.chars <= 3 * 100);
    let rescanned = '';
    const spy = (t: string) => (rescanned += t[0], t[0]!);
    cache.get('p', text(100, 'a'), spy);
    cache.get('p', text(100, 'c'), spy);
    cache.get('p', text(100, 'd'), spy);
    assert.equal(rescanned, '');
    cache.get('p', text(100, 'b'), spy);
    assert.equal(rescanned, 'b');
  });

  it('evicts across callers, least recently used caller first', () => {
    const cache = new ScanCache<string>(2 * 100);
    const scan = (t: string) => t.slice(0, 1);
    cache.get('old', text(100, 'a'), scan);
    cache.get('new', text(100, 'b'), scan);
    cache.get('old', text(100, 'a'), scan); // "old" is used again: "new" is now the least recent
    cache.get('third', text(100, 'c'), scan);
    let rescanned = '';
    const spy = (t: string) => (rescanned += t[0], t[0]!);
    cache.get('old', text(100, 'a'), spy);
    cache.get('third', text(100, 'c'), spy);
    assert.equal(rescanned, '');
    cache.get('new', text(100, 'b'), spy);
    assert.equal(rescanned, 'b');
    assert.ok(cache.size.chars <= 200);
  });

  it('remembers results that are falsy or undefined', () => {
    const cache = new ScanCache<number | undefined>(10_000);
    let scans = 0;
    const scan = () => (scans++, undefined);
    cache.get('p', text(64), scan);
    cache.get('p', text(64), scan);
    assert.equal(scans, 1);
  });

  it('does not keep short texts, texts over the budget, or anything when the budget is 0', () => {
    let scans = 0;
    const scan = () => ++scans;
    const cache = new ScanCache<number>(1000);
    cache.get('p', text(ScanCache.MIN_CHARS - 1), scan);
    cache.get('p', text(ScanCache.MIN_CHARS - 1), scan);
    cache.get('p', text(2000), scan);
    cache.get('p', text(2000), scan);
    assert.equal(scans, 4);
    assert.deepEqual(cache.size, { entries: 0, chars: 0 });
    const off = new ScanCache<number>(0);
    off.get('p', text(100), scan);
    off.get('p', text(100), scan);
    assert.equal(scans, 6);
  });
});
