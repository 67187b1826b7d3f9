// The labelled secrets set of scripts/secrets-data: reproducible, and every gold span is where it
// claims to be, so the figures of `npm run eval:detectors` mean what they say.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCrc32Suffix } from '../../src/detect/secrets/checksum.js';
import { buildSecretsCorpus } from '../../scripts/secrets-data/dataset.js';

describe('secrets evaluation set', () => {
  const corpus = buildSecretsCorpus();

  it('is deterministic', () => {
    assert.deepEqual(buildSecretsCorpus(), corpus);
  });

  it('has several hundred positives and negatives, in both splits', () => {
    for (const split of ['dev', 'test'] as const) {
      const part = corpus.filter((e) => e.split === split);
      assert.ok(part.filter((e) => e.label === 1).length >= 200, `${split} positives`);
      assert.ok(part.filter((e) => e.label === 0).length >= 200, `${split} negatives`);
    }
  });

  it('every gold span lies inside its text, holds no surrounding space, and negatives have none', () => {
    for (const e of corpus) {
      assert.equal(e.gold.length > 0, e.label === 1, e.id);
      for (const g of e.gold) {
        assert.ok(g.start >= 0 && g.start < g.end && g.end <= e.text.length, e.id);
        const value = e.text.slice(g.start, g.end);
        assert.equal(value.trim(), value, e.id);
      }
    }
  });

  it('splits by template: no template has texts on both sides', () => {
    const splitOf = new Map<string, string>();
    for (const e of corpus) {
      assert.equal(splitOf.get(e.template) ?? e.split, e.split, e.template);
      splitOf.set(e.template, e.split);
    }
  });

  it('generates GitHub classic and npm tokens with a valid CRC32 checksum', () => {
    let checked = 0;
    for (const e of corpus) {
      for (const g of e.gold) {
        const value = e.text.slice(g.start, g.end);
        const m = /^(?:gh[pousr]|npm)_([A-Za-z0-9]{36})$/.exec(value);
        if (m === null) continue;
        assert.ok(hasCrc32Suffix(m[1]), e.id);
        checked++;
      }
    }
    assert.ok(checked > 50);
  });
});
