/**
 * Precision, recall and false-positive rate of the secret detectors (entity type `secret`, per
 * rule and overall) on the project's own labelled set (scripts/secrets-data/), held-out (`test`)
 * templates by default. Scored through `detectEntities`, as the policies see it.
 *
 * Match rule: a `secret` finding is a true positive if it overlaps a gold span; a gold span is
 * recalled if some `secret` finding overlaps it (any rule); "rule recall" asks that the rule the
 * gold span names found it. FP rate: the share of negative texts in which the rule fired.
 * Secret values are never printed whole (first characters and length only).
 * Usage: npx tsx scripts/eval-secrets.ts [--dev] [--errors]
 */
import { pathToFileURL } from 'node:url';
import { detectEntities } from '../src/detect/index.js';
import type { DetectedEntity } from '../src/detect/types.js';
import { type SecretExample, type SecretsSplit, buildSecretsCorpus } from './secrets-data/dataset.js';

export interface RuleFigures {
  readonly rule: string;
  /** Gold spans that name this rule. */
  readonly support: number;
  readonly recall: number;
  readonly ruleRecall: number;
  readonly predicted: number;
  readonly precision: number;
  readonly falsePositives: number;
  /** Negative texts in which this rule fired / negative texts. */
  readonly fpRate: number;
}

export interface Mistake {
  readonly kind: 'FN' | 'FP';
  readonly example: SecretExample;
  readonly start: number;
  readonly end: number;
  /** FN: the rule the gold span names; FP: the rule that fired. */
  readonly rule: string;
}

export interface SecretsReport {
  readonly split: SecretsSplit;
  readonly positives: number;
  readonly negatives: number;
  readonly templates: number;
  readonly rules: RuleFigures[];
  /** All findings; plain-text and JSON-escaped texts apart; findings the policy keeps by default. */
  readonly overall: RuleFigures[];
  /** Negative texts with a finding, per negative category: [fired, total]. */
  readonly negativeCategories: Record<string, [number, number]>;
  readonly mistakes: Mistake[];
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }): boolean => a.start < b.end && b.start < a.end;

/** Rows besides the rules: everything, by encoding, and as the data-protection policy keeps it by default. */
const ALL = '(all)';
const TEXT = '(all, plain text)';
const JSON_ROW = '(all, JSON-escaped)';
const POLICY = '(all, confidence >= 0.7)';
/** The data-protection policy's default `minConfidence`. */
const POLICY_MIN_CONFIDENCE = 0.7;

export function evaluateSecrets(split: SecretsSplit = 'test'): SecretsReport {
  const examples = buildSecretsCorpus().filter((e) => e.split === split);
  const acc = new Map<string, { support: number; recalled: number; ruleRecalled: number; predicted: number; tp: number; negFired: number; negTexts: number }>();
  const row = (rule: string) => {
    if (!acc.has(rule)) acc.set(rule, { support: 0, recalled: 0, ruleRecalled: 0, predicted: 0, tp: 0, negFired: 0, negTexts: 0 });
    return acc.get(rule)!;
  };
  const negativeCategories: Record<string, [number, number]> = {};
  const mistakes: Mistake[] = [];
  /** Scores `found` against the gold spans into the given summary rows (and per rule if `perRule`). */
  const score = (ex: SecretExample, found: readonly DetectedEntity[], rows: string[], perRule: boolean): void => {
    for (const g of ex.gold) {
      const hit = found.some((p) => overlaps(p, g));
      const ruleHit = found.some((p) => p.detector === g.rule && overlaps(p, g));
      for (const a of [...rows, ...(perRule ? [g.rule] : [])].map(row)) {
        a.support++;
        a.recalled += Number(hit);
        a.ruleRecalled += Number(ruleHit);
      }
      if (perRule && !hit) mistakes.push({ kind: 'FN', example: ex, start: g.start, end: g.end, rule: g.rule });
    }
    for (const p of found) {
      const tp = ex.gold.some((g) => overlaps(p, g));
      for (const a of [...rows, ...(perRule ? [p.detector] : [])].map(row)) {
        a.predicted++;
        a.tp += Number(tp);
      }
      if (perRule && !tp) mistakes.push({ kind: 'FP', example: ex, start: p.start, end: p.end, rule: p.detector });
    }
    if (ex.label === 0) {
      for (const r of rows) {
        row(r).negTexts++;
        row(r).negFired += Number(found.length > 0);
      }
      if (perRule) {
        for (const d of new Set(found.map((p) => p.detector))) row(d).negFired++;
        const cat = (negativeCategories[ex.group] ??= [0, 0]);
        cat[1]++;
        if (found.length > 0) cat[0]++;
      }
    }
  };
  for (const ex of examples) {
    const found = detectEntities(ex.text).filter((e) => e.type === 'secret');
    score(ex, found, [ALL, ex.encoding === 'json' ? JSON_ROW : TEXT], true);
    score(ex, found.filter((e) => e.confidence >= POLICY_MIN_CONFIDENCE), [POLICY], false);
  }
  const negatives = row(ALL).negTexts;
  const figures = (rule: string): RuleFigures => {
    const a = row(rule);
    return {
      rule,
      support: a.support,
      recall: a.support ? a.recalled / a.support : 1,
      ruleRecall: a.support ? a.ruleRecalled / a.support : 1,
      predicted: a.predicted,
      precision: a.predicted ? a.tp / a.predicted : 1,
      falsePositives: a.predicted - a.tp,
      fpRate: (rule.startsWith('(') ? a.negTexts : negatives) ? a.negFired / (rule.startsWith('(') ? a.negTexts : negatives) : 0,
    };
  };
  return {
    split,
    positives: examples.length - negatives,
    negatives,
    templates: new Set(examples.map((e) => e.template)).size,
    rules: [...acc.keys()].filter((k) => !k.startsWith('(')).sort().map(figures),
    overall: [ALL, TEXT, JSON_ROW, POLICY].map(figures),
    negativeCategories,
    mistakes,
  };
}

/** First characters and length: enough to recognise a value, never the value. */
export function redact(s: string): string {
  const flat = s.replace(/\s+/g, ' ');
  return `"${flat.slice(0, Math.min(6, Math.ceil(flat.length / 3)))}…"(${s.length})`;
}

/** "group/context ×n" for the most frequent mistakes of a kind. */
function topMistakes(mistakes: readonly Mistake[], kind: Mistake['kind'], n: number): string {
  const counts = new Map<string, { n: number; sample: string }>();
  for (const m of mistakes.filter((x) => x.kind === kind)) {
    const key = `${m.example.group}/${m.example.context} [${m.rule}]`;
    const c = counts.get(key) ?? { n: 0, sample: redact(m.example.text.slice(m.start, m.end)) };
    c.n++;
    counts.set(key, c);
  }
  const top = [...counts].sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1)).slice(0, n);
  return top.length === 0 ? 'none' : top.map(([k, c]) => `${k} ×${c.n} ${c.sample}`).join('; ');
}

const f3 = (x: number): string => x.toFixed(3);

export function formatSecretsReport(r: SecretsReport): string {
  const lines = [
    `Secret detectors — own labelled set (scripts/secrets-data), ${r.split === 'test' ? 'held-out (test)' : 'DEV (for reading mistakes, not a held-out figure)'} templates: ` +
      `${r.templates} templates, ${r.positives} texts with secrets (${r.overall[0].support} gold spans), ${r.negatives} hard-negative texts`,
    'match rule: a `secret` finding overlapping a gold span; rule recall = found by the rule the gold span names; FP rate = negative texts where the rule fired',
    '',
    '| rule                        | support | recall | rule recall | predicted | precision |  FP | FP rate (negatives) |',
    '|-----------------------------|---------|--------|-------------|-----------|-----------|-----|---------------------|',
  ];
  for (const f of [...r.rules, ...r.overall]) {
    lines.push(
      `| ${f.rule.padEnd(27)} | ${String(f.support).padStart(7)} | ${f3(f.recall).padStart(6)} | ${f3(f.ruleRecall).padStart(11)} | ${String(f.predicted).padStart(9)} | ${f3(f.precision).padStart(9)} | ${String(f.falsePositives).padStart(3)} | ${f3(f.fpRate).padStart(19)} |`,
    );
  }
  const cats = Object.entries(r.negativeCategories).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  lines.push('', `negatives fired / texts by category: ${cats.map(([c, [k, n]]) => `${c} ${k}/${n}`).join(', ')}`);
  lines.push(`top false negatives: ${topMistakes(r.mistakes, 'FN', 6)}`);
  lines.push(`top false positives: ${topMistakes(r.mistakes, 'FP', 6)}`);
  return lines.join('\n');
}

function printMistakes(r: SecretsReport): void {
  for (const m of r.mistakes) {
    const t = m.example.text;
    const before = t.slice(Math.max(0, m.start - 40), m.start).replace(/\s+/g, ' ');
    const after = t.slice(m.end, m.end + 30).replace(/\s+/g, ' ');
    console.log(`${m.kind} ${m.rule.padEnd(26)} ${m.example.id}\n    …${JSON.stringify(before)} ${redact(t.slice(m.start, m.end))} ${JSON.stringify(after)}…`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = evaluateSecrets(process.argv.includes('--dev') ? 'dev' : 'test');
  if (process.argv.includes('--errors')) printMistakes(report);
  console.log(formatSecretsReport(report));
}
