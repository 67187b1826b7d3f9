// bench/lib/report.mjs: the line that says how fast a run's host was against the runs before it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error: the bench is plain JavaScript, without type declarations
import { hostLine } from '../../bench/lib/report.mjs';

const run = (title: string, direct32: number): string =>
  `## ${title}\n\n- command: x\n\n| conns | scenario | req/s |\n|:--|:--|--:|\n| 1     | direct                | 9000 |\n| 32    | direct                | ${direct32} | 2.0 |\n| 32    | bare-proxy            | 8000 |\n\n### MCP\n\n| 32    | direct                | 99999 |\n`;

describe('bench host line', () => {
  const results = [
    run('2026-11-24 10:00 UTC — full run', 30000),
    run('2026-11-24 11:00 UTC — quick run', 1000),
    run('2026-11-24 12:00 UTC — full run', 40000),
    '## 2026-11-24 12:30 UTC — soak\n\n| 32    | direct                | 5 |\n',
    run('2026-11-24 13:00 UTC — full run', 36000),
  ].join('\n');

  it('compares the run straight to the mock with the median of the full runs before it, from their plain tables', () => {
    const line = hostLine({ 32: { direct: { rps: 18000 } } }, results) as string;
    assert.match(line, /^- INFO {2}host: straight to the mock 18000 req\/s at 32 conns, 50% of the median of the last 3 full runs in bench\/RESULTS\.md \(36000 req\/s\)/);
  });

  it('keeps to the last runs asked for', () => {
    assert.match(hostLine({ 32: { direct: { rps: 36000 } } }, results, { last: 3 }) as string, /100% of the median of the last 3 /);
    assert.equal(hostLine({ 32: { direct: { rps: 36000 } } }, results, { last: 2 }), undefined);
  });

  it('says nothing without three earlier full runs, or without this run\'s figure', () => {
    assert.equal(hostLine({ 32: { direct: { rps: 18000 } } }, run('2026-11-24 10:00 UTC — full run', 30000)), undefined);
    assert.equal(hostLine({ 32: {} }, results), undefined);
    assert.equal(hostLine({}, ''), undefined);
  });
});
