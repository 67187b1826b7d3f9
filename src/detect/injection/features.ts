/**
 * Text → hashed sparse features for the injection classifier: word unigrams and bigrams and
 * character 3–5-grams over a lightly normalised, lower-cased text, hashed (FNV-1a) into 2^18 slots.
 * Each group's term counts are scaled by 1/sqrt(group size), so a score is a dot product that can be
 * computed straight from the hashes, with no per-call map and no string allocation per n-gram.
 */

export const FEATURE_BITS = 18;
export const FEATURE_DIM = 1 << FEATURE_BITS;
const MASK = FEATURE_DIM - 1;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
// Distinct seeds keep the three feature groups apart in the hash space.
const SEED_WORD = 0x9e3779b1;
const SEED_BIGRAM = 0x85ebca6b;
const SEED_CHAR = 0xc2b2ae35;

// Look-alike letters (Cyrillic, Greek) that survive NFKC; zero-width and bidi controls are dropped.
const CONFUSABLES: Record<string, string> = {
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', х: 'x', у: 'y', і: 'i', ѕ: 's', ј: 'j', ԁ: 'd', һ: 'h',
  ο: 'o', α: 'a', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
  '\u2018': "'", '\u2019': "'", '\u201c': '"', '\u201d': '"',
};
const CONFUSABLE_RE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'g');
const INVISIBLE_RE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;
const SPACE_RE = /\s+/g;

/** NFKC, look-alikes folded, invisible characters removed; case and line breaks kept (for the heuristics). */
export function foldConfusables(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE_RE, '').replace(CONFUSABLE_RE, (c) => CONFUSABLES[c] ?? c);
}

/** NFKC, lower case, look-alikes folded, invisible characters removed, whitespace collapsed. */
export function normalizeText(text: string): string {
  return normalizeFolded(foldConfusables(text));
}

/**
 * normalizeText of a text that foldConfusables has already seen (scoring folds once for both the
 * heuristics and the classifier); look-alikes are folded again after lower-casing, for capitals.
 */
export function normalizeFolded(folded: string): string {
  return folded
    .toLowerCase()
    .replace(CONFUSABLE_RE, (c) => CONFUSABLES[c] ?? c)
    .replace(SPACE_RE, ' ')
    .trim();
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 39 || c > 127;
}

/**
 * Calls `emit(index, value)` for every feature occurrence of an already normalised text
 * (repeats are emitted repeatedly: the consumer sums them).
 */
export function forEachFeature(norm: string, emit: (index: number, value: number) => void): void {
  const n = norm.length;
  // Words: [a-z0-9'] and any non-ASCII letter, hashed as they are scanned.
  const words: number[] = [];
  let h = 0;
  let inWord = false;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? norm.charCodeAt(i) : 32;
    if (isWordChar(c)) {
      if (!inWord) {
        h = SEED_WORD ^ FNV_OFFSET;
        inWord = true;
      }
      h = Math.imul(h ^ c, FNV_PRIME);
    } else if (inWord) {
      words.push(h >>> 0);
      inWord = false;
    }
  }
  const nw = words.length;
  if (nw > 0) {
    const wv = 1 / Math.sqrt(nw);
    for (let i = 0; i < nw; i++) emit(words[i] & MASK, wv);
    if (nw > 1) {
      const bv = 1 / Math.sqrt(nw - 1);
      for (let i = 1; i < nw; i++) {
        const b = Math.imul(words[i - 1] ^ SEED_BIGRAM, FNV_PRIME) ^ words[i];
        emit(Math.imul(b, FNV_PRIME) >>> 0 & MASK, bv);
      }
    }
  }
  // Character 3-, 4- and 5-grams over the whole normalised text, spaces included.
  const grams = Math.max(0, n - 2) + Math.max(0, n - 3) + Math.max(0, n - 4);
  if (grams <= 0) return;
  const cv = 1 / Math.sqrt(grams);
  for (let i = 0; i + 3 <= n; i++) {
    let g = SEED_CHAR ^ FNV_OFFSET;
    g = Math.imul(g ^ norm.charCodeAt(i), FNV_PRIME);
    g = Math.imul(g ^ norm.charCodeAt(i + 1), FNV_PRIME);
    for (let k = 2; k < 5 && i + k < n; k++) {
      g = Math.imul(g ^ norm.charCodeAt(i + k), FNV_PRIME);
      emit((g >>> 0) & MASK, cv);
    }
  }
}

/** Sparse feature vector (summed repeats), for training. */
export function featureVector(norm: string): Map<number, number> {
  const v = new Map<number, number>();
  forEachFeature(norm, (i, x) => v.set(i, (v.get(i) ?? 0) + x));
  return v;
}

/**
 * Dot product of a text's features with a dense weight vector (the linear part of the score).
 * `nonZero` (one bit per weight, 32 KB — it stays in cache where the 1 MiB of weights does not)
 * lets the walk skip the ~90% of hashes whose weight is zero without touching the weights.
 */
export function dotFeatures(norm: string, weights: Float32Array, nonZero?: Uint32Array): number {
  let s = 0;
  if (nonZero === undefined) {
    forEachFeature(norm, (i, x) => {
      s += weights[i] * x;
    });
    return s;
  }
  forEachFeature(norm, (i, x) => {
    if ((nonZero[i >>> 5]! & (1 << (i & 31))) !== 0) s += weights[i]! * x;
  });
  return s;
}

/** The bitmap of a weight vector's non-zero entries, for dotFeatures. */
export function nonZeroBitmap(weights: Float32Array): Uint32Array {
  const bits = new Uint32Array(Math.ceil(weights.length / 32));
  for (let i = 0; i < weights.length; i++) if (weights[i] !== 0) bits[i >>> 5]! |= 1 << (i & 31);
  return bits;
}
