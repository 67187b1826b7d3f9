// Evaluates the PII detectors on presidio-research's generated sentences (../shared/data/pii).
// The file is split by template (`masked`), not by row, so sentences built from one template never
// sit on both sides. The split is stratified and deterministic: for each entity type, rarest first,
// about 30% of the templates that carry it (at least one) go to held-out, chosen in sha256 order;
// the remaining templates go by sha256(template) → 70% tune / 30% held-out. Without stratifying,
// types found in one or two templates (IP: 1, IBAN: 2, SSN: 2) would have no held-out support.
//
// Span rule: a prediction is a true positive if it overlaps a gold span of the same entity type;
// a gold span is recalled if some prediction of the same type overlaps it. Gold types we have no
// detector for (LOCATION, ORGANIZATION, DOMAIN_NAME, TITLE, ...) are ignored; a prediction that
// overlaps only those counts as a false positive. DATE_TIME is gold `date_of_birth` only where the
// template says `{{date_of_birth}}`; other dates are not labelled anything we detect.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { detectPii } from '../src/detect/pii/index.js';
import type { EntityType } from '../src/detect/types.js';

const DATA = new URL('../../shared/data/pii/presidio-research/generated_large.json', import.meta.url);

interface Row {
  full_text: string;
  masked: string;
  spans: { entity_type: string; entity_value: string; start_position: number; end_position: number }[];
}

export interface TypeFigures {
  type: EntityType;
  support: number;
  predicted: number;
  truePositives: number;
  falsePositives: number;
  recalled: number;
  precision: number;
  recall: number;
}

export interface Report {
  dataset: string;
  split: { evaluated: 'held-out' | 'tune'; tuneTemplates: number; heldOutTemplates: number; rows: number };
  matchRule: string;
  types: TypeFigures[];
  /** Held-out rows with no gold span of a type, in which that type was predicted: FP rate per row. */
  falsePositiveRowRate: Partial<Record<EntityType, number>>;
}

const TYPE_MAP: Readonly<Record<string, EntityType>> = {
  EMAIL_ADDRESS: 'email',
  PHONE_NUMBER: 'phone',
  CREDIT_CARD: 'credit_card',
  IBAN_CODE: 'iban',
  US_SSN: 'us_ssn',
  IP_ADDRESS: 'ip_address',
  PERSON: 'person',
  ADDRESS: 'street_address',
  STREET_ADDRESS: 'street_address',
};

const TYPES: EntityType[] = ['email', 'phone', 'credit_card', 'iban', 'us_ssn', 'ip_address', 'date_of_birth', 'person', 'street_address'];

function hashFraction(template: string): number {
  return createHash('sha256').update(template).digest().readUInt32BE(0) / 0x1_0000_0000;
}

/** The held-out templates (see the header comment for the rule). */
export function heldOutTemplates(rows: readonly Row[]): Set<string> {
  const byType = new Map<EntityType, Set<string>>();
  for (const row of rows) {
    for (const g of goldSpans(row)) {
      if (!byType.has(g.type)) byType.set(g.type, new Set());
      byType.get(g.type)!.add(row.masked);
    }
  }
  const heldOut = new Set<string>();
  for (const templates of [...byType.values()].sort((a, b) => a.size - b.size)) {
    const ordered = [...templates].sort((a, b) => hashFraction(b) - hashFraction(a));
    const target = Math.max(1, Math.round(0.3 * ordered.length));
    for (const t of ordered) {
      if (ordered.filter((x) => heldOut.has(x)).length >= target) break;
      heldOut.add(t);
    }
  }
  for (const row of rows) if (hashFraction(row.masked) >= 0.7) heldOut.add(row.masked);
  return heldOut;
}

function goldSpans(row: Row): { type: EntityType; start: number; end: number }[] {
  const out: { type: EntityType; start: number; end: number }[] = [];
  for (const s of row.spans) {
    const type =
      s.entity_type === 'DATE_TIME' ? (row.masked.includes('{{date_of_birth}}') ? 'date_of_birth' : undefined) : TYPE_MAP[s.entity_type];
    if (type) out.push({ type, start: s.start_position, end: s.end_position });
  }
  return out;
}

export async function evaluatePii(split: 'held-out' | 'tune' = 'held-out'): Promise<Report> {
  const rows = JSON.parse(await readFile(DATA, 'utf8')) as Row[];
  const templates = new Set(rows.map((r) => r.masked));
  const heldOut = heldOutTemplates(rows);
  const chosen = rows.filter((r) => heldOut.has(r.masked) === (split === 'held-out'));
  const acc = new Map(TYPES.map((t) => [t, { support: 0, predicted: 0, tp: 0, recalled: 0, fpRows: 0, negRows: 0 }]));
  for (const row of chosen) {
    const gold = goldSpans(row);
    const pred = detectPii(row.full_text);
    for (const t of TYPES) {
      const a = acc.get(t)!;
      const g = gold.filter((x) => x.type === t);
      const p = pred.filter((x) => x.type === t);
      const overlaps = (x: { start: number; end: number }, y: { start: number; end: number }): boolean => x.start < y.end && y.start < x.end;
      a.support += g.length;
      a.predicted += p.length;
      a.tp += p.filter((x) => g.some((y) => overlaps(x, y))).length;
      a.recalled += g.filter((y) => p.some((x) => overlaps(x, y))).length;
      if (g.length === 0) {
        a.negRows += 1;
        if (p.length > 0) a.fpRows += 1;
      }
    }
  }
  const types = TYPES.map((type): TypeFigures => {
    const a = acc.get(type)!;
    return {
      type,
      support: a.support,
      predicted: a.predicted,
      truePositives: a.tp,
      falsePositives: a.predicted - a.tp,
      recalled: a.recalled,
      precision: a.predicted ? a.tp / a.predicted : 1,
      recall: a.support ? a.recalled / a.support : 1,
    };
  });
  const falsePositiveRowRate = Object.fromEntries(TYPES.map((t) => [t, acc.get(t)!.fpRows / Math.max(1, acc.get(t)!.negRows)]));
  return {
    dataset: 'presidio-research generated_large.json',
    split: { evaluated: split, tuneTemplates: templates.size - heldOut.size, heldOutTemplates: heldOut.size, rows: chosen.length },
    matchRule: 'overlap with a gold span of the same type',
    types,
    falsePositiveRowRate,
  };
}

export function formatReport(r: Report): string {
  const lines = [
    `PII detectors — ${r.dataset}; split by template: ${r.split.heldOutTemplates} held-out / ${r.split.tuneTemplates} tune templates; figures on the ${r.split.evaluated} part (${r.split.rows} rows)`,
    `match rule: ${r.matchRule}`,
    '',
    '| type           | precision | recall | FP | support | FP rate (rows w/o type) |',
    '|----------------|-----------|--------|----|---------|-------------------------|',
  ];
  for (const t of r.types) {
    const fpr = r.falsePositiveRowRate[t.type] ?? 0;
    lines.push(
      `| ${t.type.padEnd(14)} | ${t.precision.toFixed(3).padStart(9)} | ${t.recall.toFixed(3).padStart(6)} | ${String(t.falsePositives).padStart(2)} | ${String(t.support).padStart(7)} | ${fpr.toFixed(4).padStart(23)} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--errors')) await printErrors();
  const split = process.argv.includes('--tune') ? 'tune' : 'held-out';
  console.log(formatReport(await evaluatePii(split)));
}

/** Tune-split mistakes, for development: `npx tsx scripts/eval-pii.ts --errors`. Never the held-out part. */
async function printErrors(): Promise<void> {
  const rows = JSON.parse(await readFile(DATA, 'utf8')) as Row[];
  const heldOut = heldOutTemplates(rows);
  for (const row of rows.filter((r) => !heldOut.has(r.masked))) {
    const gold = goldSpans(row);
    const pred = detectPii(row.full_text);
    const ov = (x: { start: number; end: number }, y: { start: number; end: number }): boolean => x.start < y.end && y.start < x.end;
    for (const p of pred) if (!gold.some((g) => g.type === p.type && ov(g, p))) console.log('FP', p.type, JSON.stringify(row.full_text.slice(p.start, p.end)), '|', JSON.stringify(row.full_text.slice(0, 120)));
    for (const g of gold) if (g.type !== 'person' && g.type !== 'street_address' && !pred.some((p) => g.type === p.type && ov(g, p))) console.log('FN', g.type, JSON.stringify(row.full_text.slice(g.start, g.end)), '|', JSON.stringify(row.full_text.slice(0, 120)));
  }
}
