/**
 * An exact prefilter for the hand-written injection signals: one pass over a text finds which of
 * the signals' key words it holds, and a signal's regex runs only when every clause of one of its
 * branches is met. A regex costs 1–3 µs per kilobyte whatever the text (most start with \b and an
 * alternation, tried at every word start); the pass costs about as much as two of them, and on
 * ordinary text nearly every signal is then skipped.
 *
 * A signal's needs are written as branches, each a string of clauses joined by ` & `, each clause
 * a `|`-list of literals:
 *
 * - `word`: a whole word, as the regex engine sees words (\w: ASCII letters, digits, `_`), in any
 *   ASCII case;
 * - a single ASCII character that is not a word character (`<`, `#`, `,`): present anywhere.
 *
 * It is exact when every text the regex can match meets one branch: each word literal must sit in
 * every match of its branch between word boundaries (\b, \s or another non-word character on both
 * sides, as the pattern demands). A word the pattern may run on into more letters ("instructions?"
 * at its end, with no \b after it) cannot be a literal. The /i flag without /u folds only ASCII
 * letters onto ASCII letters, so lower-casing ASCII here loses nothing; a hash collision can only
 * make a literal look present, never absent.
 *
 * Words are hashed as the injection model hashes its word features (features.ts), so that a text
 * the model has just read can be read from its word hashes (readWords) instead of scanned again.
 */
import { WORD_HASH } from './features.js';

const WORD_HASH_START = WORD_HASH.start;
const FNV_PRIME = WORD_HASH.prime;

const WORD_RE = /^[a-z0-9_]+$/;

/** Per ASCII code: the lower-cased code of a word character (\w), 0 for any other character. */
const WORD_CODE = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95) WORD_CODE[c] = c;
  else if (c >= 65 && c <= 90) WORD_CODE[c] = c + 32;
}

function hashWord(word: string): number {
  let h = WORD_HASH_START;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
  return h;
}

function isWordCode(c: number): boolean {
  return c < 128 && WORD_CODE[c] !== 0;
}

/** Where the run of word characters that ends at `at` (exclusive) starts. */
function runStart(text: string, at: number): number {
  while (at > 0 && isWordCode(text.charCodeAt(at - 1))) at--;
  return at;
}

/** Where the run of word characters that starts at `at` ends (exclusive). */
function runEnd(text: string, at: number): number {
  while (at < text.length && isWordCode(text.charCodeAt(at))) at++;
  return at;
}

/** The hash of text[from, to), a run of word characters, lower-cased. */
function hashRun(text: string, from: number, to: number): number {
  let h = WORD_HASH_START;
  for (let i = from; i < to; i++) h = Math.imul(h ^ WORD_CODE[text.charCodeAt(i)]!, FNV_PRIME);
  return h;
}

/** A compiled set of needs: one entry per signal, branches of clauses of literal ids. */
export class WordGate {
  // The word literals, open-addressed by hash: keys, and ids + 1 (0: an empty slot).
  readonly #keys: Int32Array;
  readonly #ids: Uint16Array;
  /** Per ASCII character: the id of its character literal + 1, or 0. */
  readonly #charIds = new Uint16Array(128);
  /** The character literals, as strings, and their ids (for readWords). */
  readonly #chars: string[] = [];
  readonly #charLiteralIds: number[] = [];
  readonly #present: Uint8Array;
  /** The text the presence bits describe, between a read and forget(). */
  #text: string | undefined;
  // The needs, flattened (allows() runs for every signal of every text scored, and walking nested
  // arrays cost it ~3x): signal s's branches are [#firstBranch[s], #firstBranch[s + 1]), branch b's
  // clauses [#firstClause[b], #firstClause[b + 1]), clause c's literal ids in #literals from
  // #firstLiteral[c] to #firstLiteral[c + 1]. #always[s] is 1 for a signal without needs.
  readonly #always: Uint8Array;
  readonly #firstBranch: Int32Array;
  readonly #firstClause: Int32Array;
  readonly #firstLiteral: Int32Array;
  readonly #literals: Uint16Array;

  /** `needs[i]`: the branches of the i-th signal; undefined: it always runs. */
  constructor(needs: readonly (readonly string[] | undefined)[]) {
    const words = new Map<string, number>();
    let next = 0;
    const idOf = (literal: string): number => {
      const c = literal.charCodeAt(0);
      if (literal.length === 1 && (c >= 128 || WORD_CODE[c] === 0)) {
        if (c >= 128) throw new Error(`word gate: character literal "${literal}" is not ASCII`);
        if (this.#charIds[c] === 0) {
          this.#charIds[c] = ++next;
          this.#chars.push(literal);
          this.#charLiteralIds.push(next - 1);
        }
        return this.#charIds[c]! - 1;
      }
      if (!WORD_RE.test(literal)) throw new Error(`word gate: "${literal}" is not a lower-case word of \\w characters`);
      let id = words.get(literal);
      if (id === undefined) {
        id = next++;
        words.set(literal, id);
      }
      return id;
    };
    const compiled = needs.map((branches) => branches?.map((branch) => branch.split(' & ').map((clause) => clause.split('|').map((l) => idOf(l.trim())))));
    this.#always = Uint8Array.from(compiled, (branches) => (branches === undefined ? 1 : 0));
    const allBranches = compiled.flatMap((branches) => branches ?? []);
    const allClauses = allBranches.flat();
    this.#firstBranch = offsets(compiled.map((branches) => branches?.length ?? 0));
    this.#firstClause = offsets(allBranches.map((clauses) => clauses.length));
    this.#firstLiteral = offsets(allClauses.map((literals) => literals.length));
    this.#literals = Uint16Array.from(allClauses.flat());
    let size = 16;
    while (size < words.size * 4) size <<= 1;
    this.#keys = new Int32Array(size);
    this.#ids = new Uint16Array(size);
    const seen = new Map<number, string>();
    for (const [word, id] of words) {
      const h = hashWord(word);
      const other = seen.get(h);
      if (other !== undefined) throw new Error(`word gate: "${word}" and "${other}" share a hash`);
      seen.set(h, word);
      let slot = h & (size - 1);
      while (this.#ids[slot] !== 0) slot = (slot + 1) & (size - 1);
      this.#keys[slot] = h;
      this.#ids[slot] = id + 1;
    }
    this.#present = new Uint8Array(next);
  }

  /**
   * Reads `text`; allows() then answers for it, until the next scan (one buffer is reused: scan
   * and ask synchronously).
   */
  scan(text: string): void {
    const present = this.#present;
    present.fill(0);
    const keys = this.#keys;
    const ids = this.#ids;
    const mask = keys.length - 1;
    const charIds = this.#charIds;
    let h = WORD_HASH_START;
    let inWord = false;
    for (let i = 0, n = text.length; i <= n; i++) {
      const c = i < n ? text.charCodeAt(i) : 32;
      const w = c < 128 ? WORD_CODE[c]! : 0;
      if (w !== 0) {
        h = Math.imul(h ^ w, FNV_PRIME);
        inWord = true;
        continue;
      }
      if (inWord) {
        let slot = h & mask;
        for (let id = ids[slot]!; id !== 0; id = ids[(slot = (slot + 1) & mask)]!) {
          if (keys[slot] === h) {
            present[id - 1] = 1;
            break;
          }
        }
        h = WORD_HASH_START;
        inWord = false;
      }
      if (c < 128 && charIds[c] !== 0) present[charIds[c]! - 1] = 1;
    }
    this.#text = text;
  }

  /**
   * Reads `text`, as scan does, from the hashes of its words as the injection model's features
   * made them (features.ts readCodes: the maximal runs of [a-z0-9'] of the lower-cased text,
   * hashed from WORD_HASH_START) instead of from its characters; `text` must be ASCII. A word here
   * is a run of \w, so the two differ only around an apostrophe (the model's `don't` is `don` and
   * `t` here) and an underscore (`im_end` is one word here, two there): the runs of \w around each
   * are hashed here. The model's words that are not words here are looked up too; like a hash
   * collision, they can only make a literal look present (the regex then decides).
   */
  readWords(text: string, hashes: Uint32Array, count: number): void {
    this.beginWords();
    this.addWords(hashes, count);
    this.endWords(text);
  }

  /**
   * readWords for a text whose words come in parts (data mode scores a text sentence by sentence):
   * beginWords, addWords for each part, then endWords with the whole text. Until endWords, the
   * gate holds no text (a scan decides).
   */
  beginWords(): void {
    this.#present.fill(0);
    this.#text = undefined;
  }

  addWords(hashes: Uint32Array, count: number): void {
    for (let k = 0; k < count; k++) this.#mark(hashes[k]! | 0);
  }

  endWords(text: string): void {
    // An apostrophe ends a word here: the runs on either side of it are words.
    for (let p = text.indexOf("'"); p !== -1; p = text.indexOf("'", p + 1)) {
      const start = runStart(text, p);
      if (start < p) this.#mark(hashRun(text, start, p));
      const end = runEnd(text, p + 1);
      if (end > p + 1) this.#mark(hashRun(text, p + 1, end));
    }
    // An underscore continues a word here: the whole run around it is one.
    for (let p = text.indexOf('_'); p !== -1; p = text.indexOf('_', p)) {
      const end = runEnd(text, p + 1);
      this.#mark(hashRun(text, runStart(text, p), end));
      p = end;
    }
    const chars = this.#chars;
    for (let k = 0; k < chars.length; k++) if (text.includes(chars[k]!)) this.#present[this.#charLiteralIds[k]!] = 1;
    this.#text = text;
  }

  /** Whether the presence bits describe `text` (it was the last one read, and not forgotten since). */
  holds(text: string): boolean {
    return this.#text === text;
  }

  /** Lets go of the last text read (its presence bits stay, for allows()). */
  forget(): void {
    this.#text = undefined;
  }

  #mark(h: number): void {
    const keys = this.#keys;
    const ids = this.#ids;
    const mask = keys.length - 1;
    let slot = h & mask;
    for (let id = ids[slot]!; id !== 0; id = ids[(slot = (slot + 1) & mask)]!) {
      if (keys[slot] === h) {
        this.#present[id - 1] = 1;
        return;
      }
    }
  }

  /** Whether the i-th signal may match the last text scanned (false: its regex cannot). */
  allows(signal: number): boolean {
    if (this.#always[signal] !== 0) return true;
    const present = this.#present;
    const firstClause = this.#firstClause;
    const firstLiteral = this.#firstLiteral;
    const literals = this.#literals;
    for (let b = this.#firstBranch[signal]!, bEnd = this.#firstBranch[signal + 1]!; b < bEnd; b++) {
      // The branch holds when each of its clauses has a literal present.
      let c = firstClause[b]!;
      const cEnd = firstClause[b + 1]!;
      for (; c < cEnd; c++) {
        let l = firstLiteral[c]!;
        const lEnd = firstLiteral[c + 1]!;
        while (l < lEnd && present[literals[l]!] === 0) l++;
        if (l === lEnd) break;
      }
      if (c === cEnd) return true;
    }
    return false;
  }
}

/** Where each of a list of runs starts in their concatenation, and (last) where the last ends. */
function offsets(lengths: readonly number[]): Int32Array {
  const out = new Int32Array(lengths.length + 1);
  for (let i = 0; i < lengths.length; i++) out[i + 1] = out[i]! + lengths[i]!;
  return out;
}
