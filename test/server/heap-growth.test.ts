// server.heapGrowthPercent: V8's heap growing factor, set by the gateway itself at start and on reload.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { applyHeapGrowth, heapGrowthFromNode } from '../../src/server/heap-growth.js';
import { startTestGateway } from '../support/gateway.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A child process that sets the factor through applyHeapGrowth (or not), keeps ~10 MB alive and
 * churns through short-lived objects as a loaded gateway does; prints its old space's peak in MB.
 */
function peakOldSpaceMb(percent: number | undefined): number {
  const code = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { applyHeapGrowth } from './src/server/heap-growth.ts';
    const percent = ${percent === undefined ? 'undefined' : percent};
    if (percent !== undefined) applyHeapGrowth(percent, false);
    const alive = Array.from({ length: 150000 }, (_, i) => ({ a: i, b: 'x' + i }));
    let recent = [];
    let peak = 0;
    for (let round = 0; round < 300; round++) {
      for (let i = 0; i < 20000; i++) {
        recent.push({ x: i, y: [i, i + 1] });
        if (recent.length > 30000) recent = recent.slice(15000);
      }
      const old = getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
      peak = Math.max(peak, old.space_size);
    }
    console.log(JSON.stringify({ peakMb: peak / 1048576, alive: alive.length }));
  `;
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return (JSON.parse(out.stdout.trim()) as { peakMb: number }).peakMb;
}

describe('heap growth', () => {
  it('bounds the old generation when set at run time: V8 reads the flag at every full collection', () => {
    const loose = peakOldSpaceMb(300);
    const tight = peakOldSpaceMb(25);
    // Measured here: ~80 MB at 4×, ~40 MB at 1.25× (the same without the setting: ~80 and ~80).
    assert.ok(tight < loose * 0.7, `1.25×: ${tight.toFixed(1)} MB, 4×: ${loose.toFixed(1)} MB`);
  });

  it('leaves a --heap-growing-percent given to node in force', () => {
    assert.equal(heapGrowthFromNode(['--heap-growing-percent=40']), true);
    assert.equal(heapGrowthFromNode(['--heap_growing_percent', '40']), true);
    assert.equal(heapGrowthFromNode(['--max-semi-space-size=16', '--import', 'tsx']), false);
    // As node passes it on: process.execArgv of `node --heap-growing-percent=40 …`.
    const out = spawnSync(process.execPath, ['--heap-growing-percent=40', '-e', 'console.log(JSON.stringify(process.execArgv))'], { encoding: 'utf8' });
    assert.equal(heapGrowthFromNode(JSON.parse(out.stdout) as string[]), true);
    assert.deepEqual(applyHeapGrowth(50, true), { applied: undefined });
    assert.deepEqual(applyHeapGrowth(50, false), { applied: 50 });
  });

  it('refuses what is not a whole percentage', () => {
    assert.throws(() => applyHeapGrowth(-1, false), RangeError);
    assert.throws(() => applyHeapGrowth(1.5, false), RangeError);
  });

  it('is a server setting: 100 by default, 0 to 300, validated with the rest of the file', () => {
    assert.equal(parseConfig('models: []\n', 'a.yaml').server.heapGrowthPercent, 100);
    assert.equal(parseConfig('server: { heapGrowthPercent: 0 }\n', 'a.yaml').server.heapGrowthPercent, 0);
    for (const bad of ['-5', '2.5', '301', '"lots"']) {
      assert.throws(() => parseConfig(`server: { heapGrowthPercent: ${bad} }\n`, 'a.yaml'), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /server\.heapGrowthPercent/);
        return true;
      });
    }
  });

  it('is applied at start and again on a reload that changes it', async () => {
    const yaml = (percent: number) => `server: { heapGrowthPercent: ${percent} }\nproviders: { sim: { type: simulated } }\nmodels: [{ name: sim, provider: sim }]\n`;
    const gw = await startTestGateway(yaml(60));
    try {
      const listening = gw.logs.find((l) => l.msg === 'gatehouse listening');
      assert.equal(listening?.heapGrowthPercent, heapGrowthFromNode() ? 'node flag' : 60);
      await gw.writeConfig(yaml(80));
      assert.equal((await gw.reload()).ok, true);
      const reloaded = gw.logs.find((l) => l.msg === 'configuration reloaded');
      assert.equal(reloaded?.heapGrowthPercent, heapGrowthFromNode() ? 'node flag' : 80);
      assert.equal(gw.runtime().config.server.heapGrowthPercent, 80);
    } finally {
      await gw.stop();
    }
  });
});
