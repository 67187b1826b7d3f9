/**
 * Held-out figures for the injection detector, per mode, on the test split of
 * scripts/injection-data/datasets.ts (contexts, attack strings, prompt clusters and hand-written
 * lines never seen in training or threshold tuning), scored through the shipped `scoreInjection`
 * with the committed weights and default thresholds.
 * Usage: npx tsx scripts/eval-injection.ts
 */
import { pathToFileURL } from 'node:url';
import { defaultInjectionThreshold, scoreInjection } from '../src/detect/injection/index.js';
import type { InjectionMode } from '../src/detect/injection/score.js';
import { type Example, buildCorpus } from './injection-data/datasets.js';

export interface InjectionModeReport {
  readonly mode: InjectionMode;
  readonly threshold: number;
  readonly injections: number;
  readonly benign: number;
  readonly hardNegatives: number;
  readonly recall: number;
  readonly precision: number;
  /** False-positive rate on the held-out benign set (hard negatives excluded). */
  readonly fprBenign: number;
  /** False-positive rate on the held-out hand-written hard negatives. */
  readonly fprHard: number;
  /** Recall or false-positive rate per source (label 1: recall; label 0: FPR). */
  readonly bySource: Record<string, { n: number; rate: number; label: 0 | 1 }>;
}

export interface InjectionReport {
  readonly detector: 'injection';
  readonly split: 'test' | 'tune';
  readonly modes: InjectionModeReport[];
  readonly targets: { recall: number; fprHard: number };
}

function evaluateMode(mode: InjectionMode, examples: Example[]): InjectionModeReport {
  const flagged = examples.map((e) => scoreInjection(e.text, mode).flagged);
  const rate = (pred: (e: Example) => boolean) => {
    const idx = examples.map((e, i) => (pred(e) ? i : -1)).filter((i) => i >= 0);
    return { n: idx.length, rate: idx.length === 0 ? 0 : idx.filter((i) => flagged[i]).length / idx.length };
  };
  const tp = examples.filter((e, i) => e.label === 1 && flagged[i]).length;
  const fp = examples.filter((e, i) => e.label === 0 && flagged[i]).length;
  const inj = rate((e) => e.label === 1);
  const ben = rate((e) => e.label === 0 && e.kind !== 'hard');
  const hard = rate((e) => e.kind === 'hard');
  const bySource: InjectionModeReport['bySource'] = {};
  for (const key of [...new Set(examples.map((e) => `${e.source}|${e.label}`))].sort()) {
    const [source, label] = key.split('|');
    bySource[`${source} (${label === '1' ? 'recall' : 'FPR'})`] = {
      ...rate((e) => e.source === source && String(e.label) === label),
      label: label === '1' ? 1 : 0,
    };
  }
  return {
    mode,
    threshold: defaultInjectionThreshold(mode),
    injections: inj.n,
    benign: ben.n,
    hardNegatives: hard.n,
    recall: inj.rate,
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    fprBenign: ben.rate,
    fprHard: hard.rate,
    bySource,
  };
}

/** `tune` is for development only (it is what the thresholds were fitted on); figures are reported on `test`. */
export async function evaluateInjection(split: 'test' | 'tune' = 'test'): Promise<InjectionReport> {
  const corpus = buildCorpus();
  return {
    detector: 'injection',
    split,
    modes: [evaluateMode('prompt', corpus.prompt[split]), evaluateMode('data', corpus.data[split])],
    targets: { recall: 0.9, fprHard: 0.05 },
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function printReport(r: InjectionReport): void {
  console.log(`Prompt-injection detector — ${r.split === 'test' ? 'held-out (test)' : 'TUNE (development only, not a held-out figure)'} split`);
  for (const m of r.modes) {
    // The targets are the prompt mode's; the issue sets none for data mode.
    const met =
      m.mode === 'data' ? 'no target set (data mode)' : m.recall >= r.targets.recall && m.fprHard <= r.targets.fprHard ? 'targets met' : 'TARGETS NOT MET';
    console.log(
      `\n[${m.mode}] threshold ${m.threshold}  recall ${pct(m.recall)} (n=${m.injections})  precision ${pct(m.precision)}  ` +
        `FPR benign ${pct(m.fprBenign)} (n=${m.benign})  FPR hard negatives ${pct(m.fprHard)} (n=${m.hardNegatives})  — ${met}`,
    );
    for (const [k, v] of Object.entries(m.bySource)) console.log(`  ${k.padEnd(36)} ${pct(v.rate).padStart(6)}  n=${v.n}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printReport(await evaluateInjection(process.argv.includes('--tune') ? 'tune' : 'test'));
}
