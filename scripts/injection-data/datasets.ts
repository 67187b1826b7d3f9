/**
 * Builds the injection corpora and their splits (train / tune / test) from ../shared/data and the
 * hand-written files beside this module. Splits are by document or template, never by row:
 * - jackhhao: near-duplicate prompts (shared word 5-gram shingles) are clustered, clusters split.
 * - BIPIA: contexts split per file; attack strings split within each attack type (3/1/1 of 5),
 *   so test documents combine held-out contexts with held-out attacks.
 * - hand-written lines: each line is its own template, split by a hash of the line.
 * - generated examples (templates.ts): split by a hash of the template, all instances together.
 * Everything is deterministic (no clock, seeded PRNG).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitSegments } from '../../src/detect/injection/segments.js';
import { prng } from '../../src/llm/providers/simulated/generate.js';
import { type TemplateSet, expandTemplates } from './templates.js';

export type Split = 'train' | 'tune' | 'test';
export type Kind = 'injection' | 'benign' | 'hard';

export interface Example {
  readonly text: string;
  readonly label: 0 | 1;
  readonly kind: Kind;
  readonly source: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, '../..');
export const SHARED_DATA = resolve(REPO_ROOT, '../shared/data/injection');

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The project's seeded PRNG (mulberry32), for deterministic splits and shuffles. */
export const mulberry32 = prng;

export function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** 60 / 20 / 20 by a stable key. */
function splitOf(key: string): Split {
  const b = fnv1a(key) % 10;
  return b < 6 ? 'train' : b < 8 ? 'tune' : 'test';
}

/** Hand-written lines: 50 / 20 / 30, so the held-out part of our own (small) sets is not tiny. */
function ownSplitOf(key: string): Split {
  const b = fnv1a(key) % 10;
  return b < 5 ? 'train' : b < 7 ? 'tune' : 'test';
}

/** Generated examples: 50 / 20 / 30 by template. */
function templateSplit(set: TemplateSet, template: string): Split {
  return ownSplitOf(`tpl:${set}:${template}`);
}

function readLines(name: string): string[] {
  return readFileSync(join(HERE, name), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function shingles(text: string): Set<number> {
  const w = text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
  const out = new Set<number>();
  for (let i = 0; i + 5 <= w.length; i++) out.add(fnv1a(w.slice(i, i + 5).join(' ')));
  if (out.size === 0) out.add(fnv1a(w.join(' ')));
  return out;
}

/** jackhhao rows, near-duplicates clustered (≥ 50% of the smaller prompt's shingles shared). */
function jackhhao(): { text: string; label: 0 | 1; split: Split }[] {
  const rows = parseCsv(readFileSync(join(SHARED_DATA, 'jackhhao/jailbreak_dataset_train_balanced.csv'), 'utf8'))
    .slice(1)
    .filter((r) => r.length >= 2 && r[0].trim() !== '');
  const sh = rows.map((r) => shingles(r[0]));
  const parent = rows.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const index = new Map<number, number[]>();
  sh.forEach((s, i) => s.forEach((h) => index.set(h, [...(index.get(h) ?? []), i])));
  for (let i = 0; i < rows.length; i++) {
    const shared = new Map<number, number>();
    for (const h of sh[i]) for (const j of index.get(h) ?? []) if (j > i) shared.set(j, (shared.get(j) ?? 0) + 1);
    for (const [j, n] of shared) {
      if (n >= 0.5 * Math.min(sh[i].size, sh[j].size)) parent[find(j)] = find(i);
    }
  }
  return rows.map((r, i) => ({
    text: r[0],
    label: r[1].trim() === 'jailbreak' ? 1 : 0,
    split: splitOf(`jackhhao:${rows[find(i)][0]}`),
  }));
}

export interface Attack {
  readonly text: string;
  /** The part addressed to the model (code attacks: the sentence before the code block). */
  readonly instruction: string;
  readonly type: string;
  readonly split: Split;
}

function attacks(file: string): Attack[] {
  const byType = JSON.parse(readFileSync(join(SHARED_DATA, 'bipia', file), 'utf8')) as Record<string, string[]>;
  const out: Attack[] = [];
  for (const [type, list] of Object.entries(byType)) {
    const order = shuffle(
      list.map((_, i) => i),
      mulberry32(fnv1a(type)),
    );
    order.forEach((idx, rank) => {
      const text = list[idx];
      const fence = text.indexOf('```');
      out.push({
        text,
        instruction: (fence > 0 ? text.slice(0, fence) : text).trim(),
        type,
        split: rank < 3 ? 'train' : rank === 3 ? 'tune' : 'test',
      });
    });
  }
  return out;
}

export type ContextKind = 'email' | 'table' | 'code';
export interface Context {
  readonly text: string;
  readonly question: string;
  readonly kind: ContextKind;
  readonly split: Split;
}

function contexts(kind: ContextKind): Context[] {
  return readFileSync(join(SHARED_DATA, 'bipia', `${kind}_train.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { context: string | string[]; question?: string; error?: string[] })
    .map((r) => {
      const text = Array.isArray(r.context) ? r.context.join('\n') : r.context;
      const question = r.question ?? (r.error ? r.error.filter((e) => e.trim()).slice(-1)[0] ?? '' : '');
      return { text, question, kind, split: splitOf(`${kind}:${text}`) };
    });
}

export type Position = 'start' | 'middle' | 'end';

/** Inserts an attack at the start, the middle (nearest sentence or line boundary) or the end. */
export function insertAttack(context: string, attack: string, position: Position, kind: ContextKind): string {
  const sep = kind === 'email' ? ' ' : '\n';
  if (position === 'start') return `${attack}${sep}${context}`;
  if (position === 'end') return `${context}${sep}${attack}`;
  const mid = context.length / 2;
  const re = kind === 'email' ? /[.!?]\s+|\n/g : /\n/g;
  let best = -1;
  for (let m = re.exec(context); m; m = re.exec(context)) {
    const at = m.index + m[0].length;
    if (best < 0 || Math.abs(at - mid) < Math.abs(best - mid)) best = at;
  }
  if (best <= 0 || best >= context.length) return `${context}${sep}${attack}`;
  return `${context.slice(0, best)}${attack}${sep}${context.slice(best)}`;
}

export interface Corpus {
  readonly prompt: Record<Split, Example[]>;
  /** Whole documents (contexts with or without an inserted attack, and hand-written data). */
  readonly data: Record<Split, Example[]>;
  /** Training units for the data model: labelled segments (from train documents only). */
  readonly dataSegments: Example[];
}

const POSITIONS: Position[] = ['start', 'middle', 'end'];

export function buildCorpus(): Corpus {
  const empty = (): Record<Split, Example[]> => ({ train: [], tune: [], test: [] });
  const prompt = empty();
  const data = empty();
  const dataSegments: Example[] = [];

  for (const r of jackhhao()) {
    prompt[r.split].push({ text: r.text, label: r.label, kind: r.label ? 'injection' : 'benign', source: 'jackhhao' });
  }
  const own = (file: string, label: 0 | 1, kind: Kind, target: Record<Split, Example[]>) => {
    for (const line of readLines(file)) target[ownSplitOf(`${file}:${line}`)].push({ text: line, label, kind, source: file });
  };
  own('injections.txt', 1, 'injection', prompt);
  own('benign-prompts.txt', 0, 'benign', prompt);
  own('hard-negatives.txt', 0, 'hard', prompt);
  const tpl = (set: TemplateSet, per: number, label: 0 | 1, kind: Kind, target: Record<Split, Example[]>) => {
    for (const t of expandTemplates(set, per, fnv1a(set))) {
      target[templateSplit(set, t.template)].push({ text: t.text, label, kind, source: `tpl-${set}` });
    }
  };
  tpl('prompt-injection', 5, 1, 'injection', prompt);
  tpl('prompt-hard', 4, 0, 'hard', prompt);
  tpl('prompt-benign', 4, 0, 'benign', prompt);

  const textAttacks = attacks('text_attack_train.json');
  const codeAttacks = attacks('code_attack_train.json');
  const ctx = [...contexts('email'), ...contexts('table'), ...contexts('code')];

  // Prompt mode: BIPIA's text-attack strings and questions are ordinary requests when the user sends them.
  for (const a of textAttacks) prompt[a.split].push({ text: a.text, label: 0, kind: 'benign', source: 'bipia-task' });
  const rand = mulberry32(20240611);
  for (const c of ctx) {
    if (c.kind === 'table' && rand() > 0.15) continue;
    prompt[c.split].push({ text: `${c.question}\n\n${c.text}`, label: 0, kind: 'benign', source: `bipia-${c.kind}-qa` });
  }

  // Data mode documents.
  for (const c of ctx) {
    const pool = (c.kind === 'code' ? codeAttacks : textAttacks).filter((a) => a.split === c.split);
    data[c.split].push({ text: c.text, label: 0, kind: 'benign', source: `bipia-${c.kind}` });
    const perContext = c.kind === 'table' ? 1 : 3;
    for (let k = 0; k < perContext; k++) {
      const a = pool[Math.floor(rand() * pool.length)];
      const pos = c.kind === 'table' ? POSITIONS[Math.floor(rand() * 3)] : POSITIONS[k];
      data[c.split].push({ text: insertAttack(c.text, a.text, pos, c.kind), label: 1, kind: 'injection', source: `bipia-${c.kind}` });
    }
  }
  const ownDataAttacks = readLines('data-attacks.txt').map((l) => ({ l, split: ownSplitOf(`data-attacks.txt:${l}`) }));
  const ownDataBenign = readLines('data-benign.txt').map((l) => ({ l, split: ownSplitOf(`data-benign.txt:${l}`) }));
  for (const b of ownDataBenign) data[b.split].push({ text: b.l, label: 0, kind: 'hard', source: 'data-benign.txt' });
  const tplDataAttacks = expandTemplates('data-attack', 5, fnv1a('data-attack')).map((t) => ({ l: t.text, split: templateSplit('data-attack', t.template) }));
  const tplDataBenign = expandTemplates('data-benign', 5, fnv1a('data-benign')).map((t) => ({ l: t.text, split: templateSplit('data-benign', t.template) }));
  for (const b of tplDataBenign) data[b.split].push({ text: b.l, label: 0, kind: 'hard', source: 'tpl-data-benign' });
  // Own attacks inside benign documents of the same split (an email context, or a hand-written benign line).
  const emails = ctx.filter((c) => c.kind === 'email');
  for (const a of ownDataAttacks) {
    const hosts = emails.filter((c) => c.split === a.split);
    const host = hosts[Math.floor(rand() * hosts.length)];
    const pos = POSITIONS[Math.floor(rand() * 3)];
    data[a.split].push({ text: insertAttack(host.text, a.l, pos, 'email'), label: 1, kind: 'injection', source: 'data-attacks.txt' });
  }
  for (const a of tplDataAttacks) {
    const hosts = emails.filter((c) => c.split === a.split);
    const host = hosts[Math.floor(rand() * hosts.length)];
    const pos = POSITIONS[Math.floor(rand() * 3)];
    data[a.split].push({ text: insertAttack(host.text, a.l, pos, 'email'), label: 1, kind: 'injection', source: 'tpl-data-attack' });
  }

  // Data-model training segments: train contexts split into segments (negatives) and, for
  // positives, train attacks inserted into train contexts, keeping the segment that carries the
  // instruction (the code body of a code attack is neither: it is only suspicious as a whole).
  const trainAttacks = [
    ...textAttacks.filter((a) => a.split === 'train').map((a) => ({ ...a, code: false })),
    ...codeAttacks.filter((a) => a.split === 'train').map((a) => ({ ...a, code: true })),
    ...ownDataAttacks.filter((a) => a.split === 'train').map((a) => ({ text: a.l, instruction: a.l, type: 'own', split: a.split, code: false })),
    ...tplDataAttacks.filter((a) => a.split === 'train').map((a) => ({ text: a.l, instruction: a.l, type: 'tpl-data-attack', split: a.split, code: false })),
  ];
  // Any request addressed to the model is an injection when it sits in data: our own prompts and
  // injections (train split) and short jackhhao prompts of either label widen the positive side.
  for (const file of ['benign-prompts.txt', 'injections.txt', 'hard-negatives.txt']) {
    for (const l of readLines(file)) {
      if (ownSplitOf(`${file}:${l}`) === 'train') trainAttacks.push({ text: l, instruction: l, type: file, split: 'train', code: false });
    }
  }
  for (const e of prompt.train) {
    if (e.source.startsWith('tpl-prompt-')) trainAttacks.push({ text: e.text, instruction: e.text, type: e.source, split: 'train', code: false });
    if (e.source === 'jackhhao' && e.text.length <= 300) trainAttacks.push({ text: e.text, instruction: e.text, type: 'jackhhao', split: 'train', code: false });
  }
  const trainCtx = ctx.filter((c) => c.split === 'train');
  for (const c of trainCtx) {
    for (const s of splitSegments(c.text)) dataSegments.push({ text: s, label: 0, kind: 'benign', source: `bipia-${c.kind}` });
  }
  for (const b of ownDataBenign.filter((b) => b.split === 'train')) {
    for (const s of splitSegments(b.l)) dataSegments.push({ text: s, label: 0, kind: 'hard', source: 'data-benign.txt' });
  }
  for (const b of tplDataBenign.filter((b) => b.split === 'train')) {
    for (const s of splitSegments(b.l)) dataSegments.push({ text: s, label: 0, kind: 'hard', source: 'tpl-data-benign' });
  }
  for (const a of trainAttacks) {
    const hosts = trainCtx.filter((c) => (a.code ? c.kind === 'code' : c.kind !== 'code'));
    const pieces = splitSegments(a.instruction).filter((p) => p.length >= 12);
    const copies = a.type === 'jackhhao' || a.type.endsWith('.txt') || a.type.startsWith('tpl-') ? 3 : 12;
    for (let k = 0; k < copies; k++) {
      const host = hosts[Math.floor(rand() * hosts.length)];
      const doc = insertAttack(host.text, a.text, POSITIONS[k % 3], host.kind);
      for (const s of splitSegments(doc)) {
        if (pieces.some((p) => s.includes(p) || (s.length >= 12 && p.includes(s)))) {
          dataSegments.push({ text: s, label: 1, kind: 'injection', source: a.type });
        }
      }
    }
  }
  return { prompt, data, dataSegments };
}
