/**
 * The score of one text under given models: the classifier's logit (whole text in prompt mode,
 * best sentence or line in data mode) plus the weights of the heuristic signals that fire.
 * Kept apart from index.ts so the training script scores candidate models exactly as shipped.
 */
import { foldConfusables, hasNonAscii, normalizeText } from './normalize.js';
import type { WordReader } from './features.js';
import { SIGNAL_GATE, matchSignals } from './heuristics.js';
import { type LinearModel, logit, logitFolded } from './model.js';
import { MAX_SEGMENT, splitSegments } from './segments.js';
import { type TextFacts, TrigramRecord, factsOf } from '../text-facts.js';

export type InjectionMode = 'prompt' | 'data';

export interface InjectionResult {
  /** 0..1. */
  readonly score: number;
  readonly flagged: boolean;
  /** Names of the heuristic signals that fired (empty when the classifier alone decided). */
  readonly signals: string[];
  /**
   * What the classifier's pass learnt of the text for the PII and secret detectors (text-facts.ts):
   * in prompt mode, for an ASCII text.
   */
  readonly facts?: TextFacts | undefined;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * A line of prose among the rows of a table (a tool result, a query answer) is out of place: a
 * caption or a note is possible, an instruction is not, so the bonus only tips a segment that the
 * classifier already finds suspicious.
 */
const PROSE_IN_TABLE = 1.5;
const TABLE_ROW_RE = /^\s*\|/;
const MIN_TABLE_ROWS = 3;

function tableRows(text: string): number {
  let rows = 0;
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    let i = at;
    while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    if (text.charCodeAt(i) === 124) rows++;
    at = end + 1;
  }
  return rows;
}

function isProse(segment: string): boolean {
  if (TABLE_ROW_RE.test(segment)) return false;
  let words = 0;
  for (const w of segment.split(/\s+/)) if (/^[A-Za-z][a-z'’]+[,.;:!?]?$/.test(w)) words++;
  return words >= 4;
}

interface DataLogit {
  readonly logit: number;
  readonly proseInTable: boolean;
}

/** Hands each segment's word hashes to the signals' gate, which reads them as parts of one text. */
const SEGMENT_WORDS: WordReader = { readWords: (_segment, hashes, count) => SIGNAL_GATE.addWords(hashes, count) };

/**
 * `folded`: the text through foldConfusables. `readWords`: fill the signals' gate from the
 * segments' words, as prompt mode does from the whole text's. Done only when the segments hold
 * every word of the text whole: an ASCII text (a non-ASCII segment is scored without handing its
 * words over) and no segment cut at its longest, where a word may be split.
 */
function dataLogit(model: LinearModel, folded: string, readWords = false): DataLogit {
  const table = tableRows(folded) >= MIN_TABLE_ROWS;
  let best = -Infinity;
  let prose = false;
  let reader = readWords && !hasNonAscii(folded) ? SEGMENT_WORDS : undefined;
  if (reader !== undefined) SIGNAL_GATE.beginWords();
  for (const seg of splitSegments(folded)) {
    if (seg.length >= MAX_SEGMENT) reader = undefined;
    let l = logitFolded(model, seg, reader);
    const p = table && isProse(seg);
    if (p) l += PROSE_IN_TABLE;
    if (l > best) {
      best = l;
      prose = p;
    }
  }
  if (reader !== undefined) SIGNAL_GATE.endWords(folded);
  return best === -Infinity ? { logit: model.bias, proseInTable: false } : { logit: best, proseInTable: prose };
}

/** The classifier's logit alone: whole text in prompt mode, best segment in data mode. */
export function modelLogit(model: LinearModel, text: string, mode: InjectionMode): number {
  if (mode === 'prompt') return logit(model, normalizeText(text));
  return dataLogit(model, foldConfusables(text)).logit;
}

const TRIGRAMS = new TrigramRecord();

export function scoreWith(model: LinearModel, text: string, mode: InjectionMode, threshold: number): InjectionResult {
  // NFKC and the look-alike folding run once, for the heuristics and the classifier alike.
  const folded = foldConfusables(text);
  let base: number;
  let heur: ReturnType<typeof matchSignals>;
  let facts: TextFacts | undefined;
  if (mode === 'prompt') {
    // The classifier first: as it hashes the text's words it fills the signals' word gate, which
    // then need not read the text again. Folding leaves an ASCII text as it is; what the classifier
    // reads of it then holds for the text itself, and is kept for the detectors after it.
    const record = folded === text ? TRIGRAMS : undefined;
    record?.reset();
    base = logitFolded(model, folded, SIGNAL_GATE, record);
    if (record !== undefined) facts = factsOf(record);
    heur = matchSignals(folded, mode, true, facts === undefined ? undefined : record);
  } else {
    const d = dataLogit(model, folded, true);
    heur = matchSignals(folded, mode, true);
    base = d.logit;
    if (d.proseInTable) heur.names.push('prose_in_table');
  }
  const score = sigmoid(base + heur.weight);
  return { score, flagged: score >= threshold, signals: heur.names, facts };
}
