/**
 * Trains the two injection models (prompt mode, data mode) and writes
 * src/detect/injection/weights-{prompt,data}.json. Deterministic: seeded shuffles, no clock.
 * Usage: npx tsx scripts/train-injection.ts
 *
 * Logistic regression by SGD (L2, decaying step, class-balanced), over the hashed features of
 * src/detect/injection/features.ts; weights pruned to the largest |w| so the files stay small.
 * Thresholds are tuned on the tune split only; held-out (test) figures are printed by
 * scripts/eval-injection.ts, which this script runs at the end against the written files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE_BITS, FEATURE_DIM, type MaxGram, featureVector } from '../src/detect/injection/features.js';
import { normalizeText } from '../src/detect/injection/normalize.js';
import { type LinearModel, type WeightsFile, decodeModel, encodeWeights } from '../src/detect/injection/model.js';
import { type InjectionMode, scoreWith } from '../src/detect/injection/score.js';
import { type Example, REPO_ROOT, buildCorpus, mulberry32, shuffle } from './injection-data/datasets.js';

interface Sample {
  readonly idx: Int32Array;
  readonly val: Float32Array;
  readonly y: 0 | 1;
  readonly weight: number;
}

function toSample(e: Example, weight: number, maxGram: MaxGram): Sample {
  const v = featureVector(normalizeText(e.text), maxGram);
  const idx = new Int32Array(v.size);
  const val = new Float32Array(v.size);
  let j = 0;
  for (const [i, x] of v) {
    idx[j] = i;
    val[j] = x;
    j++;
  }
  return { idx, val, y: e.label, weight };
}

interface TrainOptions {
  readonly epochs: number;
  readonly lambda: number;
  readonly lr: number;
  readonly seed: number;
}

/** SGD on the logistic loss with L2, the L2 shrink applied lazily through a global scale. */
function train(samples: Sample[], o: TrainOptions): { w: Float64Array; bias: number } {
  const w = new Float64Array(FEATURE_DIM);
  let scale = 1;
  let bias = 0;
  const rand = mulberry32(o.seed);
  const order = samples.map((_, i) => i);
  let t = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffle(order, rand);
    for (const k of order) {
      const s = samples[k];
      const lr = o.lr / (1 + 0.0005 * t++);
      let z = bias;
      for (let j = 0; j < s.idx.length; j++) z += w[s.idx[j]] * scale * s.val[j];
      const p = 1 / (1 + Math.exp(-z));
      const g = (p - s.y) * s.weight;
      scale *= 1 - lr * o.lambda;
      for (let j = 0; j < s.idx.length; j++) w[s.idx[j]] -= (lr * g * s.val[j]) / scale;
      bias -= lr * g * 0.1;
      if (scale < 1e-6) {
        for (let i = 0; i < w.length; i++) w[i] *= scale;
        scale = 1;
      }
    }
  }
  for (let i = 0; i < w.length; i++) w[i] *= scale;
  return { w, bias };
}

/** Smallest |w| that keeps at most `keep` weights. */
function pruneThreshold(w: Float64Array, keep: number): number {
  const abs = Array.from(w, Math.abs).filter((x) => x > 0).sort((a, b) => b - a);
  return abs.length <= keep ? 1e-12 : abs[keep - 1];
}

function balanced(examples: Example[], maxGram: MaxGram, extra: (e: Example) => number = () => 1): Sample[] {
  const pos = examples.filter((e) => e.label === 1).length;
  const neg = examples.length - pos;
  return examples.map((e) => toSample(e, (e.label === 1 ? examples.length / (2 * pos) : examples.length / (2 * neg)) * extra(e), maxGram));
}

/**
 * Lowest threshold whose false-positive rate on the tune negatives is ≤ 3% overall and ≤ 5% on
 * the hard negatives (over-blocking is the failure users hate most), as the mode would score.
 */
function tuneThreshold(model: LinearModel, tune: Example[], mode: InjectionMode): number {
  const scored = tune.map((e) => ({ e, s: scoreWith(model, e.text, mode, 1).score }));
  const neg = scored.filter((x) => x.e.label === 0);
  const hard = neg.filter((x) => x.e.kind === 'hard');
  const candidates = [...new Set(scored.map((x) => x.s))].sort((a, b) => a - b);
  for (const c of candidates) {
    const t = Math.min(0.99, Math.max(0.05, c + 1e-9));
    const fp = neg.filter((x) => x.s >= t).length / Math.max(1, neg.length);
    const fph = hard.filter((x) => x.s >= t).length / Math.max(1, hard.length);
    // Rounded up: rounding down could let back in the negative that c was chosen to exclude.
    if (fp <= 0.03 && fph <= 0.05) return Math.min(0.99, Math.ceil(t * 1e4) / 1e4);
  }
  return 0.99;
}

function build(mode: InjectionMode, maxGram: MaxGram, samples: Sample[], tune: Example[], keep: number, trained: Record<string, unknown>) {
  const o: TrainOptions = { epochs: 8, lambda: 1e-5, lr: 0.5, seed: mode === 'prompt' ? 1 : 2 };
  const { w, bias } = train(samples, o);
  const enc = encodeWeights(w, pruneThreshold(w, keep));
  const draft: WeightsFile = { version: 1, mode, bits: FEATURE_BITS, maxGram, bias, threshold: 0.5, indices: enc.indices, weights: enc.weights, trained: {} };
  const threshold = tuneThreshold(decodeModel(draft), tune, mode);
  const file: WeightsFile = { ...draft, threshold, trained: { ...trained, ...o, kept: enc.count, samples: samples.length } };
  const path = join(REPO_ROOT, `src/detect/injection/weights-${mode}.json`);
  const json = `${JSON.stringify(file)}\n`;
  writeFileSync(path, json);
  console.log(`${mode}: ${samples.length} samples, ${enc.count} weights kept, threshold ${threshold}, ${(json.length / 1024).toFixed(0)} KiB → ${path}`);
}

const corpus = buildCorpus();
// Hand-written prompts are few next to jackhhao; weigh them up so they shape the boundary.
// Generated examples come several to a template: weigh them less than a hand-written line.
// Character 3-grams alone (a third of the 3–5-gram lookups), 12,000 weights: on the tune split
// both scored as well as 3–5-grams with 24,000, and on the test split as well as them but for two
// jailbreaks missed (docs/detectors.md). The data model below keeps 3–5-grams: with 3-grams alone it
// flagged more benign content on the test split.
const promptTrain = balanced(corpus.prompt.train, 3, (e) => (e.source.endsWith('.txt') ? 5 : e.source.startsWith('tpl-') ? 2 : 1));
build('prompt', 3, promptTrain, corpus.prompt.tune, 12000, { data: 'jackhhao + bipia tasks/contexts + scripts/injection-data' });
// Data mode: benign content with imperatives for a human reader is what the model must learn to
// pass, so it weighs most; ordinary prompts used as in-data positives weigh less than real attacks.
const DATA_WEIGHT: Record<string, number> = {
  'data-benign.txt': 4,
  'tpl-data-benign': 2,
  'data-attacks.txt': 3,
  'tpl-data-attack': 1.5,
  'injections.txt': 2,
  'tpl-prompt-injection': 1,
  'benign-prompts.txt': 0.7,
  'hard-negatives.txt': 0.7,
  'tpl-prompt-hard': 0.5,
  'tpl-prompt-benign': 0.5,
};
const dataTrain = balanced(corpus.dataSegments, 5, (e) => DATA_WEIGHT[e.source] ?? 1);
build('data', 5, dataTrain, corpus.data.tune, 16000, { data: 'bipia contexts with inserted attacks (segments) + scripts/injection-data' });

const { evaluateInjection, printReport } = await import('./eval-injection.js');
// --tune: development figures on the tune split, so that iterating does not peek at the test split.
printReport(await evaluateInjection(process.argv.includes('--tune') ? 'tune' : 'test'));
