/**
 * What one detector pass has already learnt about a text, for the detectors that read it after.
 *
 * Most PII and secret detectors first ask whether a text can hold a match at all: does it say
 * `key`, `secret` or `password` (the key-context rules), `name` or `called` (the name cues), `dear`
 * or `hello` (the greetings), how many digits does it have (phones, cards). Each question is a regex
 * over the whole text, ~1 ns per character, and on prose the answer is almost always no. The
 * injection classifier meanwhile reads every character 3-gram of the lower-cased text (its
 * trigram table, features.ts). Recording which 3-grams it met answers those questions at once: a
 * word can only occur if each of its 3-grams did.
 *
 * The facts are a necessary condition, never a sufficient one: "may contain" sends the detector to
 * its regex as before, and only "cannot contain" skips it. They are computed only for an ASCII text
 * (which the classifier reads as it stands, lower-cased with its whitespace runs collapsed), so a
 * word found case-insensitively in the text is found in what the classifier read. They travel on
 * the text slot (text-view.ts), and a rewrite of the slot drops them.
 */

import { TRIGRAM_ALPHABET } from './injection/features.js';

/**
 * The 3-grams (over the classifier's trigram alphabet, features.ts TRIGRAM_ALPHABET) and the ASCII
 * digits that one pass over a text met (features.ts dotCodes fills it).
 */
export class TrigramRecord {
  /** One bit per 3-gram number. */
  readonly bits = new Int32Array(1 << 10);
  /** One bit per ASCII character outside the alphabet that the pass met (`:`, `=`, digits…; some inside it too). */
  readonly others = new Int32Array(4);
  digits = 0;
  /** A leetspeak character (0 1 3 4 5 7 8 @ $) right before a letter: what the leetspeak probe needs. */
  leetLetter = false;
  /** Two one-character words in a row: what the spelt-out-letters probe needs (`i g n o r e`). */
  shortPair = false;
  /** Set by the pass once it has read every 3-gram of the text; until then the record says nothing. */
  complete = false;

  reset(): void {
    this.bits.fill(0);
    this.others.fill(0);
    this.digits = 0;
    this.leetLetter = false;
    this.shortPair = false;
    this.complete = false;
  }

  has(trigram: number): boolean {
    return (this.bits[trigram >>> 5]! & (1 << (trigram & 31))) !== 0;
  }
}

/** The 3-gram numbers of a word written over the trigram alphabet: each character a 5-bit symbol. */
function trigramsOf(word: string): number[] {
  const symbol = (i: number): number => TRIGRAM_ALPHABET.symbol[word.charCodeAt(i)]!;
  const out: number[] = [];
  for (let i = 0; i + 3 <= word.length; i++) out.push((symbol(i) << 10) | (symbol(i + 1) << 5) | symbol(i + 2));
  return out;
}

/**
 * A detector's question: does the text contain one of these words, case-insensitively? Declared once,
 * at module load, by the detector that asks it.
 */
export class Need {
  /** Per word, its 3-gram numbers. */
  readonly #trigrams: readonly (readonly number[])[];

  constructor(
    readonly words: readonly string[],
    /** Its bit in TextFacts.present, or 0 for a question asked of a record only (recordNeed). */
    readonly bit: number,
  ) {
    this.#trigrams = words.map(trigramsOf);
  }

  /** The words as one alternation, for a text without facts (a space in a word: any whitespace run). */
  regExp(flags: string): RegExp {
    return new RegExp(this.words.map((w) => w.replace(/[.?]/g, '\\$&').replace(/ /g, '\\s+')).join('|'), flags);
  }

  /** Whether every 3-gram of some word is in the record. */
  metIn(record: TrigramRecord): boolean {
    for (const word of this.#trigrams) {
      let all = true;
      for (let k = 0; k < word.length && all; k++) all = record.has(word[k]!);
      if (all) return true;
    }
    return false;
  }
}

const NEEDS: Need[] = [];
const WORD = /^[a-z .,'?-]{3,}$/;

/**
 * Declares a question. Each word is at least 3 characters of the trigram alphabet (lower case). A space
 * stands for any run of ASCII whitespace, which the classifier reads as one space; the classifier
 * also trims the text, so a word may start or end with a space only where every match has a
 * character beyond it (`hi ` before a name). At most 31 questions in all.
 */
export function need(words: readonly string[]): Need {
  if (NEEDS.length === 31) throw new Error('text facts: at most 31 needs');
  checkWords(words);
  const n = new Need(words, 1 << NEEDS.length);
  NEEDS.push(n);
  return n;
}

/**
 * A question asked of the record itself, while the pass that filled it is at hand (`need.metIn`),
 * not of the facts it leaves: the injection signals, read right after the classifier. It has no
 * bit (mayContain never rules it out), so it does not count among the 31. Same words as `need`.
 */
export function recordNeed(words: readonly string[]): Need {
  checkWords(words);
  return new Need(words, 0);
}

function checkWords(words: readonly string[]): void {
  for (const w of words) if (!WORD.test(w)) throw new Error(`text facts: "${w}" is not 3 or more lower-case characters of the 3-gram alphabet`);
}

/** Every need declared so far, in order (for tests). */
export function declaredNeeds(): readonly Need[] {
  return NEEDS;
}

/** What is known of a text: which needs it may meet (of those declared when it was read), and its ASCII digits. */
export interface TextFacts {
  /** Bits of the needs whose words may occur. */
  readonly present: number;
  /** Bits of the needs that were asked (a need declared later is unknown, so it may occur). */
  readonly known: number;
  /** The number of ASCII digits in the text. */
  readonly digits: number;
  /** One bit per ASCII character outside the trigram alphabet that the text holds. */
  readonly others: Int32Array;
}

/** The facts of a complete record, or undefined if the pass did not read the whole text. */
export function factsOf(record: TrigramRecord): TextFacts | undefined {
  if (!record.complete) return undefined;
  let present = 0;
  let known = 0;
  for (const n of NEEDS) {
    known |= n.bit;
    if (n.metIn(record)) present |= n.bit;
  }
  return { present, known, digits: record.digits, others: record.others.slice() };
}

/**
 * Characters outside the trigram alphabet (an operator, a quote), one of which every match of a
 * pattern holds: a question the facts answer exactly, for any ASCII character not in the alphabet.
 */
export class CharNeed {
  readonly #codes: readonly number[];

  constructor(readonly chars: string) {
    this.#codes = [...chars].map((ch) => {
      const c = ch.charCodeAt(0);
      // Upper-case letters and whitespace are outside the alphabet too, but the classifier reads them
      // lower-cased and as spaces.
      if (c >= 128 || TRIGRAM_ALPHABET.symbol[c] !== TRIGRAM_ALPHABET.other || (c >= 65 && c <= 90) || (c >= 9 && c <= 13)) {
        throw new Error(`text facts: "${ch}" is not an ASCII character outside the 3-gram alphabet`);
      }
      return c;
    });
  }

  /** False only when the facts show that none of the characters occurs in the text. */
  mayBeIn(facts: TextFacts | undefined): boolean {
    if (facts === undefined) return true;
    for (const c of this.#codes) if ((facts.others[c >>> 5]! & (1 << (c & 31))) !== 0) return true;
    return false;
  }
}

/** False only when the facts show that none of the need's words occurs in the text. */
export function mayContain(facts: TextFacts | undefined, n: Need): boolean {
  return facts === undefined || (facts.known & n.bit) === 0 || (facts.present & n.bit) !== 0;
}
