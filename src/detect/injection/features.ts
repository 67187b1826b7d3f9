/**
 * Text → hashed sparse features for the injection classifier: word unigrams and bigrams and
 * character n-grams (3-grams alone, or 3-, 4- and 5-grams: a model's MaxGram) over a lightly
 * normalised, lower-cased text, hashed (FNV-1a) into 2^18 slots.
 * Each group's term counts are scaled by 1/sqrt(group size), so a score is a dot product that can be
 * computed straight from the hashes, with no per-call map and no string allocation per n-gram.
 */

import { type PackedWeights, packedWeight, popcount } from './packed-weights.js';
import { hasNonAscii, normalizeFolded } from './normalize.js';
import type { TrigramRecord } from '../text-facts.js';

export const FEATURE_BITS = 18;
export const FEATURE_DIM = 1 << FEATURE_BITS;
const MASK = FEATURE_DIM - 1;

/**
 * The character n-grams a model reads: 3 = 3-grams alone, 5 = 3-, 4- and 5-grams. The prompt
 * model reads 3-grams alone since 2026-11-24 (a third of the lookups; on the test split two
 * jailbreaks of 71 fewer caught, no more false positives); the data model keeps 3–5 (docs/detectors.md).
 */
export type MaxGram = 3 | 5;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
// Distinct seeds keep the three feature groups apart in the hash space.
const SEED_WORD = 0x9e3779b1;
const SEED_BIGRAM = 0x85ebca6b;
const SEED_CHAR = 0xc2b2ae35;
const WORD_HASH_START = SEED_WORD ^ FNV_OFFSET;
/**
 * How a word's FNV-1a hash starts and steps: the signals' word gate hashes its words the same way.
 * (Exported as an object: the loops here read the module's own constants, which an exported
 * binding would turn into a load on every step, ~2 µs on the chat request.)
 */
export const WORD_HASH = { start: WORD_HASH_START, prime: FNV_PRIME } as const;

/** Given the words of an ASCII text as they are hashed (the signals' word gate, word-gate.ts): reads them. */
export interface WordReader {
  readWords(text: string, hashes: Uint32Array, count: number): void;
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 39 || c > 127;
}

/**
 * Buffers for the text being scored: its UTF-16 code units, its word hashes (full 32 bits, for the
 * bigrams) and, for forEachFeature (training), every feature's slot in order — words, bigrams,
 * character n-grams; scoring looks each weight up as it hashes and writes no slot. Scoring is
 * synchronous, so one set is reused from call to call, up to KEEP_CHARS; a longer text gets its
 * own, dropped after the call, so that one huge prompt does not pin tens of MB for the life of the
 * process.
 */
interface Workspace {
  readonly chars: number;
  /** The word count of the last readCodes into it. */
  words: number;
  /** 1 when two words of one character followed each other in it (`e.g.`, `i g n o r e`), else 0. */
  shortPair: number;
  readonly codeBytes: Buffer;
  readonly codes: Uint16Array;
  readonly wordHashes: Uint32Array;
  readonly slots: Int32Array;
}

const KEEP_CHARS = 64 * 1024;
let kept = workspace(4096);

function workspace(chars: number): Workspace {
  const codeBytes = Buffer.allocUnsafeSlow(2 * chars + 2);
  return {
    chars,
    words: 0,
    shortPair: 0,
    codeBytes,
    codes: new Uint16Array(codeBytes.buffer, codeBytes.byteOffset, chars + 1),
    // At most one word per two characters; words + bigrams + 3-, 4- and 5-grams < 4 per character.
    wordHashes: new Uint32Array((chars >> 1) + 1),
    slots: new Int32Array(4 * chars + 4),
  };
}

function workspaceFor(chars: number): Workspace {
  if (chars <= kept.chars) return kept;
  if (chars > KEEP_CHARS) return workspace(chars);
  kept = workspace(Math.min(KEEP_CHARS, 2 * chars));
  return kept;
}

/** Feature counts of the last hashFeatures call: words, bigrams, character n-grams. */
interface FeatureCounts {
  words: number;
  bigrams: number;
  grams: number;
}
const counts: FeatureCounts = { words: 0, bigrams: 0, grams: 0 };

/**
 * Hashes an already normalised text's features into `slots` (repeats included: the consumer sums
 * them) and sets `counts`. Words are [a-z0-9'] and any non-ASCII letter; character n-grams run
 * over the whole text, spaces included.
 */
function hashFeatures(norm: string, maxGram: MaxGram): Int32Array {
  const ws = workspaceFor(norm.length);
  const n = readCodes(ws, norm);
  return hashCodes(ws, n, ws.words, maxGram);
}

/**
 * Writes `text`'s code units into the workspace with ASCII letters lower-cased, each run of ASCII
 * whitespace collapsed to one space and the ends trimmed (what toLowerCase, replace(/\s+/g, ' ')
 * and trim do to ASCII, and nothing to an already normalised text), and hashes its words into the
 * workspace in the same pass; returns the code units written and leaves the word count in
 * `ws.words`, and in `ws.shortPair` whether two one-character words followed each other (text
 * facts: spelt-out letters). Words are [a-z0-9'] and any non-ASCII code unit (see isWordChar). One pass for both:
 * their branches at word ends are mostly the same ones, at spaces, mispredicted once instead of
 * twice (3.4 µs of 7 on the chat request's prompt slots).
 */
function readCodes(ws: Workspace, text: string): number {
  // The UTF-16 code units, copied natively in one call (charCodeAt per character was a third of the time).
  ws.codeBytes.write(text, 0, 'utf16le');
  const cs = ws.codes;
  const wordHashes = ws.wordHashes;
  const len = text.length;
  let n = 0;
  let space = false;
  let nw = 0;
  let h = 0;
  let inWord = false;
  // Where the current word started in the output, whether the word before it had one character,
  // and whether two such words came in a row.
  let wordStart = 0;
  let short = 0;
  let shortPair = 0;
  for (let i = 0; i < len; i++) {
    let c = cs[i]!;
    // ASCII whitespace as \s and trim() see it: tab, LF, VT, FF, CR, space. It ends a word too.
    if (c === 32 || (c >= 9 && c <= 13)) {
      space = n > 0;
      if (inWord) {
        wordHashes[nw++] = h >>> 0;
        inWord = false;
        const one = n - wordStart === 1 ? 1 : 0;
        shortPair |= short & one;
        short = one;
      }
      continue;
    }
    if (space) {
      cs[n++] = 32;
      space = false;
    }
    if (c >= 65 && c <= 90) c += 32;
    cs[n++] = c;
    if (isWordChar(c)) {
      if (!inWord) {
        h = WORD_HASH_START;
        inWord = true;
        wordStart = n - 1;
      }
      h = Math.imul(h ^ c, FNV_PRIME);
    } else if (inWord) {
      wordHashes[nw++] = h >>> 0;
      inWord = false;
      const one = n - 1 - wordStart === 1 ? 1 : 0;
      shortPair |= short & one;
      short = one;
    }
  }
  if (inWord) {
    wordHashes[nw++] = h >>> 0;
    shortPair |= short & (n - wordStart === 1 ? 1 : 0);
  }
  ws.words = nw;
  ws.shortPair = shortPair;
  return n;
}

/**
 * dotFeatures(normalizeFolded(folded), packed) for an ASCII text, without making the normalised
 * string (readCodes normalises its code units in place: the three intermediate strings were a fifth
 * of a guarded request's garbage). Undefined for a text with any non-ASCII character (the string
 * path handles those).
 */
function dotFoldedAscii(folded: string, packed: PackedWeights, maxGram: MaxGram, reader: WordReader | undefined, record: TrigramRecord | undefined): number | undefined {
  if (hasNonAscii(folded)) return undefined;
  const ws = workspaceFor(folded.length);
  const n = readCodes(ws, folded);
  if (record !== undefined) record.shortPair = ws.shortPair === 1;
  return dotCodes(ws, n, ws.words, packed, maxGram, reader === undefined ? undefined : folded, reader, record);
}

/** Hashes the first `n` code units of the workspace (see hashFeatures). */
function hashCodes(ws: Workspace, n: number, nw: number, maxGram: MaxGram): Int32Array {
  const cs = ws.codes;
  const wordHashes = ws.wordHashes;
  const nb = nw > 1 ? nw - 1 : 0;
  const grams = gramCount(n, maxGram);
  const out = ws.slots;
  let k = 0;
  for (let i = 0; i < nw; i++) out[k++] = wordHashes[i]! & MASK;
  for (let i = 1; i < nw; i++) {
    const b = Math.imul(wordHashes[i - 1]! ^ SEED_BIGRAM, FNV_PRIME) ^ wordHashes[i]!;
    out[k++] = (Math.imul(b, FNV_PRIME) >>> 0) & MASK;
  }
  if (maxGram === 3) {
    for (let i = 0; i + 3 <= n; i++) out[k++] = charGram3(cs, i);
  } else {
    k = hashGrams3to5(cs, n, out, k);
  }
  counts.words = nw;
  counts.bigrams = nb;
  counts.grams = grams;
  return out;
}

const CHAR_SEED = SEED_CHAR ^ FNV_OFFSET;

/** The slot of the character 3-gram at `i`. */
function charGram3(cs: Uint16Array, i: number): number {
  return Math.imul(Math.imul(Math.imul(CHAR_SEED ^ cs[i]!, FNV_PRIME) ^ cs[i + 1]!, FNV_PRIME) ^ cs[i + 2]!, FNV_PRIME) & MASK;
}

/**
 * The 32 commonest characters of normalised prose, each a 5-bit symbol: a 3-gram of three of them
 * is a 15-bit number, which indexes a table of its weight (128 KB) instead of being hashed. Any
 * other code unit is TRI_OTHER, and a 3-gram holding one is hashed as before.
 */
const TRI_ALPHABET = " abcdefghijklmnopqrstuvwxyz.,-'?";
const TRI_OTHER = 32;
const TRI_SYMBOL = new Uint8Array(128).fill(TRI_OTHER);
for (let k = 0; k < TRI_ALPHABET.length; k++) TRI_SYMBOL[TRI_ALPHABET.charCodeAt(k)] = k;
/**
 * The trigram table's alphabet, for the text facts (../text-facts.ts), which are its 3-grams. An
 * object, as WORD_HASH: the loops here read the module's own constants (an exported or imported
 * binding is a load on every step: 2–3 µs on the chat request).
 */
export const TRIGRAM_ALPHABET = { chars: TRI_ALPHABET, symbol: TRI_SYMBOL, other: TRI_OTHER } as const;

/**
 * `packed` with the trigram table: the weight of each 3-gram over TRI_ALPHABET, read from the packed
 * weights at the slot its hash gives, so a lookup in the table is the lookup by hash, bit for bit.
 */
export function withTrigramTable(packed: PackedWeights): PackedWeights {
  const trigrams = new Float32Array(1 << 15);
  const cs = new Uint16Array(3);
  for (let a = 0; a < 32; a++) {
    for (let b = 0; b < 32; b++) {
      for (let c = 0; c < 32; c++) {
        cs[0] = TRI_ALPHABET.charCodeAt(a);
        cs[1] = TRI_ALPHABET.charCodeAt(b);
        cs[2] = TRI_ALPHABET.charCodeAt(c);
        trigrams[(a << 10) | (b << 5) | c] = packedWeight(packed, charGram3(cs, 0));
      }
    }
  }
  return { ...packed, trigrams };
}

function isDigit(c: number): number {
  return c >= 48 && c <= 57 ? 1 : 0;
}

/** 1 for a trigram-alphabet symbol that is a letter (space is 0, a–z 1–26). */
function isLetterSymbol(symbol: number): number {
  return symbol >= 1 && symbol <= 26 ? 1 : 0;
}

/** 1 for the characters leetspeak writes for letters (heuristics.ts LEET_PROBE): 0 1 3 4 5 7 8 @ $. */
const LEET_BEFORE_LETTER = new Uint8Array(128);
for (const c of '0134578@$') LEET_BEFORE_LETTER[c.charCodeAt(0)] = 1;

/** How many character n-grams a text of `n` code units has. */
function gramCount(n: number, maxGram: MaxGram): number {
  return maxGram === 3 ? Math.max(0, n - 2) : Math.max(0, n - 2) + Math.max(0, n - 3) + Math.max(0, n - 4);
}

/** Writes each position's 3-, 4- and 5-gram slot from out[k]; returns the next k. */
function hashGrams3to5(cs: Uint16Array, n: number, out: Int32Array, k: number): number {
  // Unrolled: ~2× faster than a variable-length inner loop.
  const seed = CHAR_SEED;
  for (let i = 0; i + 3 <= n; i++) {
    let g = Math.imul(seed ^ cs[i]!, FNV_PRIME);
    g = Math.imul(g ^ cs[i + 1]!, FNV_PRIME);
    g = Math.imul(g ^ cs[i + 2]!, FNV_PRIME);
    out[k++] = g & MASK;
    if (i + 3 < n) {
      g = Math.imul(g ^ cs[i + 3]!, FNV_PRIME);
      out[k++] = g & MASK;
      if (i + 4 < n) {
        g = Math.imul(g ^ cs[i + 4]!, FNV_PRIME);
        out[k++] = g & MASK;
      }
    }
  }
  return k;
}

/** The value of one occurrence in each group: term counts are scaled by 1/sqrt(group size). */
function groupValue(size: number): number {
  return size > 0 ? 1 / Math.sqrt(size) : 0;
}

/**
 * Calls `emit(index, value)` for every feature occurrence of an already normalised text
 * (repeats are emitted repeatedly: the consumer sums them).
 */
export function forEachFeature(norm: string, maxGram: MaxGram, emit: (index: number, value: number) => void): void {
  const out = hashFeatures(norm, maxGram);
  const { words, bigrams, grams } = counts;
  let k = 0;
  for (const [size, value] of [[words, groupValue(words)], [bigrams, groupValue(bigrams)], [grams, groupValue(grams)]] as const) {
    for (let end = k + size; k < end; k++) emit(out[k]!, value);
  }
}

/** Sparse feature vector (summed repeats), for training. */
export function featureVector(norm: string, maxGram: MaxGram): Map<number, number> {
  const v = new Map<number, number>();
  forEachFeature(norm, maxGram, (i, x) => v.set(i, (v.get(i) ?? 0) + x));
  return v;
}

/** Dot product of a text's features with packed weights (the linear part of the score). */
export function dotFeatures(norm: string, packed: PackedWeights, maxGram: MaxGram): number {
  const ws = workspaceFor(norm.length);
  const n = readCodes(ws, norm);
  return dotCodes(ws, n, ws.words, packed, maxGram, undefined, undefined, undefined);
}

/**
 * dotFeatures(normalizeFolded(folded), packed), the same to the last bit, without the normalised
 * string for ASCII text. `reader` is given the words of an ASCII text as they are hashed (one pass
 * over the characters for both); `record` gets the 3-grams and digits of an ASCII text read through
 * the trigram table (the prompt model), and is left incomplete otherwise (text-facts.ts).
 */
export function dotFoldedFeatures(folded: string, packed: PackedWeights, maxGram: MaxGram, reader?: WordReader, record?: TrigramRecord): number {
  return dotFoldedAscii(folded, packed, maxGram, reader, record) ?? dotFeatures(normalizeFolded(folded), packed, maxGram);
}

/**
 * The dot product of the features of the workspace's first `n` code units, whose `nw` word hashes
 * are written, with packed weights: hashCodes and the weight lookups in one pass, so no slot is
 * written and read back. Summed in the order forEachFeature emits (words, bigrams, then each
 * position's 3-gram, or its 3-, 4- and 5-gram), so the score is the same to the last bit. `reader`
 * is handed the word hashes of `text` first; `record`, on the trigram-table path, every 3-gram over
 * the table's alphabet and every digit, as they are read.
 */
function dotCodes(
  ws: Workspace,
  n: number,
  nw: number,
  packed: PackedWeights,
  maxGram: MaxGram,
  text: string | undefined,
  reader: WordReader | undefined,
  record: TrigramRecord | undefined,
): number {
  const { index, values } = packed;
  const cs = ws.codes;
  const wordHashes = ws.wordHashes;
  if (reader !== undefined) reader.readWords(text!, wordHashes, nw);
  let s = 0;
  let i = 0;
  let bits = 0;
  let b = 0;
  let x = groupValue(nw);
  for (let k = 0; k < nw; k++) {
    i = wordHashes[k]! & MASK;
    bits = index[(i >>> 5) << 1]!;
    b = i & 31;
    if ((bits & (1 << b)) !== 0) s += values[index[((i >>> 5) << 1) + 1]! + popcount(bits & ~(-1 << b))]! * x;
  }
  x = groupValue(nw > 1 ? nw - 1 : 0);
  for (let k = 1; k < nw; k++) {
    const bigram = Math.imul(wordHashes[k - 1]! ^ SEED_BIGRAM, FNV_PRIME) ^ wordHashes[k]!;
    i = (Math.imul(bigram, FNV_PRIME) >>> 0) & MASK;
    bits = index[(i >>> 5) << 1]!;
    b = i & 31;
    if ((bits & (1 << b)) !== 0) s += values[index[((i >>> 5) << 1) + 1]! + popcount(bits & ~(-1 << b))]! * x;
  }
  x = groupValue(gramCount(n, maxGram));
  if (maxGram === 3) {
    const trigrams = packed.trigrams;
    if (trigrams === undefined || n < 3) {
      for (let p = 0; p + 3 <= n; p++) {
        i = charGram3(cs, p);
        bits = index[(i >>> 5) << 1]!;
        b = i & 31;
        if ((bits & (1 << b)) !== 0) s += values[index[((i >>> 5) << 1) + 1]! + popcount(bits & ~(-1 << b))]! * x;
      }
      return s;
    }
    // The symbols of the 3-gram's first two characters, carried from one position to the next. A
    // zero weight adds +0, which leaves the sum as it is (it is never -0), so the sum stays exact.
    const seen = record?.bits;
    const others = record?.others;
    let c = cs[0]!;
    let digits = isDigit(c) + isDigit(cs[1]!);
    if (others !== undefined) {
      others[(c & 127) >>> 5] |= 1 << (c & 31);
      others[(cs[1]! & 127) >>> 5] |= 1 << (cs[1]! & 31);
    }
    let leet = LEET_BEFORE_LETTER[c & 127]! & isLetterSymbol(TRI_SYMBOL[cs[1]! & 127]!);
    let u = c < 128 ? TRI_SYMBOL[c]! : TRI_OTHER;
    c = cs[1]!;
    let v = c < 128 ? TRI_SYMBOL[c]! : TRI_OTHER;
    for (let p = 0; p + 3 <= n; p++) {
      c = cs[p + 2]!;
      const w = c < 128 ? TRI_SYMBOL[c]! : TRI_OTHER;
      if (((u | v | w) & TRI_OTHER) === 0) {
        const t = (u << 10) | (v << 5) | w;
        s += trigrams[t]! * x;
        if (seen !== undefined) seen[t >>> 5] |= 1 << (t & 31);
      } else {
        // A digit is outside the alphabet, so each one is met here once, as the 3-gram's last
        // character; a leet character too, as its middle one (before the 3-gram's last).
        digits += isDigit(c);
        leet |= LEET_BEFORE_LETTER[cs[p + 1]! & 127]! & isLetterSymbol(w);
        if (others !== undefined) others[(c & 127) >>> 5] |= 1 << (c & 31);
        i = charGram3(cs, p);
        bits = index[(i >>> 5) << 1]!;
        b = i & 31;
        if ((bits & (1 << b)) !== 0) s += values[index[((i >>> 5) << 1) + 1]! + popcount(bits & ~(-1 << b))]! * x;
      }
      u = v;
      v = w;
    }
    if (record !== undefined) {
      record.digits = digits;
      record.leetLetter = leet === 1;
      record.complete = true;
    }
    return s;
  }
  const seed = CHAR_SEED;
  // Unrolled like hashCodes, each position's 3-, 4- and 5-gram looked up as soon as it is hashed (the
  // lookup as a helper function measured 1.3 µs slower per chat request).
  for (let p = 0; p + 3 <= n; p++) {
    let g = Math.imul(seed ^ cs[p]!, FNV_PRIME);
    g = Math.imul(g ^ cs[p + 1]!, FNV_PRIME);
    g = Math.imul(g ^ cs[p + 2]!, FNV_PRIME);
    i = g & MASK;
    bits = index[(i >>> 5) << 1]!;
    b = i & 31;
    if ((bits & (1 << b)) !== 0) s += values[index[((i >>> 5) << 1) + 1]! + popcount(bits & ~(-1 << b))]! * x;
    if (p + 3 < n) {
      g = Math.imul(g ^ cs[p + 3]!, FNV_PRIME);
      i = g & MASK;
      bits = index[(i >>> 5) << 1]!;
      b = i & 31;
      if ((bits & (1 << b)) !== 0) s += values[index[((i >>> 5) << 1) + 1]! + popcount(bits & ~(-1 << b))]! * x;
      if (p + 4 < n) {
        g = Math.imul(g ^ cs[p + 4]!, FNV_PRIME);
        i = g & MASK;
        bits = index[(i >>> 5) << 1]!;
        b = i & 31;
        if ((bits & (1 << b)) !== 0) s += values[index[((i >>> 5) << 1) + 1]! + popcount(bits & ~(-1 << b))]! * x;
      }
    }
  }
  return s;
}
