/**
 * Hand-written injection signals. Each adds its weight to the classifier's logit; they catch the
 * short, well-known forms (an override appended to a long benign prompt) that a bag of n-grams
 * over a whole document dilutes. Weights are moderate on purpose: a prompt that merely discusses
 * "ignore previous instructions" should need the model's agreement to be flagged.
 */

import { foldConfusables } from './normalize.js';
import { WordGate } from './word-gate.js';
import { type Need, type TrigramRecord, recordNeed } from '../text-facts.js';

export interface InjectionSignal {
  readonly name: string;
  readonly weight: number;
  readonly pattern: RegExp;
  /** Only in this mode (absent: both). A user may well ask for "a summary in your answer"; data may not. */
  readonly only?: 'prompt' | 'data';
  /** A test the regex engine would make slow; the signal fires if the pattern or this matches. */
  readonly also?: (text: string) => boolean;
  /**
   * What any match of `pattern` contains (word-gate.ts): the regex runs only on a text that meets
   * one of these branches. Each branch is read off one alternative of the pattern; keep the two in
   * step (test/detect/word-gate.test.ts checks every match in the corpora meets its needs).
   */
  readonly needs?: readonly string[];
  /**
   * Words or phrases, one of which every match of `pattern` holds letter for letter, in any case (a
   * space: any whitespace run), whatever letters come before or after it. Asked of the classifier's
   * 3-gram record of the text (text-facts.ts) when there is one: the word gate knows which words a
   * text holds, this what is written in a row (`never tell`, not just `never` and `tell`) and
   * what a word of the pattern may run on from (`instruction` in `instructions?` without a \b).
   * Kept in step by test/detect/signal-phrases.test.ts.
   */
  readonly phrases?: readonly string[];
}

const MIN_BASE64_RUN = 120;

function isBase64Char(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
}

/**
 * Whether the text has a run of ≥ 120 base64 characters (as a regex it cost ~35 µs per 2 KB). Each
 * 120-character window is read from its end back: the first other character found rules out every
 * run starting at or before it, so the next window starts just after it. Prose, with a space every
 * few characters, is decided reading ~1 character in 20; no character is read more than twice.
 */
export function hasBase64Run(text: string): boolean {
  let start = 0;
  while (start + MIN_BASE64_RUN <= text.length) {
    let j = start + MIN_BASE64_RUN - 1;
    while (j >= start && isBase64Char(text.charCodeAt(j))) j--;
    if (j < start) return true;
    start = j + 1;
  }
  return false;
}

const PRIOR = String.raw`(?:all\s+|any\s+|the\s+|your\s+|my\s+|of\s+)*(?:previous|prior|above|preceding|earlier|former|original|initial|system|existing)`;
const RULES = String.raw`(?:instructions?|prompts?|rules|directions|directives|guidelines|context|messages?|commands?|constraints|restrictions)`;

export const SIGNALS: readonly InjectionSignal[] = [
  {
    name: 'instruction_override',
    weight: 2.5,
    needs: [
      'ignore|disregard|forget|override|bypass|skip|drop|abandon|discard|stop|set|pay & previous|prior|above|preceding|earlier|former|original|initial|system|existing',
      'ignore|disregard|forget & your',
    ],
    // The rules' noun of either branch (RULES, or what "your" is followed by).
    phrases: ['instruction', 'prompt', 'rules', 'direction', 'directive', 'guideline', 'context', 'message', 'command', 'constraints', 'restrictions', 'programming', 'policies'],
    pattern: new RegExp(
      String.raw`\b(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|discard|stop\s+following|set\s+aside|pay\s+no\s+attention\s+to)\s+(?:about\s+)?${PRIOR}\s+(?:\w+\s+)?${RULES}|\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:of\s+)?your\s+(?:rules|guidelines|restrictions|programming|safety\s+(?:rules|guidelines|policies))\b`,
      'i',
    ),
  },
  {
    name: 'instruction_override_translated',
    weight: 2.5,
    needs: ['ignoriere|vergiss|ignora|ignore|ignorez'],
    pattern: /\b(?:ignoriere|vergiss)\s+(?:alle\s+)?(?:vorherigen|bisherigen|obigen)\s+(?:anweisungen|instruktionen|regeln)|\bignora\s+(?:todas\s+)?(?:las\s+)?instrucciones\s+(?:anteriores|previas)|\bignorez?\s+(?:toutes\s+)?(?:les\s+)?instructions\s+(?:précédentes|precedentes|antérieures)|\bignora\s+(?:tutte\s+)?(?:le\s+)?istruzioni\s+precedenti/i,
  },
  {
    name: 'new_instructions',
    weight: 1.5,
    needs: ['your & new', 'from & now', 'new & instruction|instructions'],
    phrases: ['your new', 'from now on', 'new instruction'],
    pattern: /\b(?:your\s+new\s+(?:instructions|task|role|rules)\s+(?:is|are)|from\s+now\s+on,?\s+you\s+(?:will|must|are|shall)|new\s+instructions?\s*:)/i,
  },
  {
    name: 'role_hijack',
    weight: 2.0,
    needs: [
      'you & are & dan|stan|dude|aim|developer|jailbroken|unfiltered|uncensored|unrestricted',
      'developer|god|jailbreak|dan|unrestricted & mode',
      'do & anything',
      'act & as',
      'without & any & moral|ethical',
      'free|freed & from & confines|restrictions|rules',
    ],
    phrases: ['you are', 'mode enabled', 'mode activated', 'mode on', 'do anything now', 'unfiltered', 'uncensored', 'unrestricted', 'amoral', 'without any', 'of ai'],
    pattern: /\b(?:you\s+are\s+(?:now\s+)?(?:dan|stan|dude|aim|in\s+developer\s+mode|jailbroken|unfiltered|uncensored|unrestricted)\b|(?:developer|god|jailbreak|dan|unrestricted)\s+mode\s+(?:enabled|activated|on)\b|do\s+anything\s+now|act\s+as\s+(?:an?\s+)?(?:unfiltered|uncensored|unrestricted|amoral)|without\s+any\s+(?:moral|ethical)\s+(?:restrictions|guidelines|constraints)|(?:free|freed)\s+from\s+(?:the\s+)?(?:typical\s+)?(?:confines|restrictions|rules)\s+of\s+ai)/i,
  },
  {
    name: 'system_prompt_exfiltration',
    weight: 2.0,
    needs: ['reveal|print|show|repeat|output|display|leak|dump|disclose|tell|write|give & your|the'],
    phrases: ['system prompt', 'system message', 'instructions', 'initial prompt', 'hidden prompt', 'prompt above', 'text above'],
    pattern: /\b(?:reveal|print|show|repeat|output|display|leak|dump|disclose|tell\s+me|write\s+out|give\s+me)\s+(?:me\s+)?(?:all\s+)?(?:of\s+)?(?:your|the)\s+(?:full\s+|entire\s+|exact\s+|hidden\s+|initial\s+|original\s+|secret\s+)*(?:system\s+prompt|system\s+message|instructions|initial\s+prompt|hidden\s+prompt|prompt\s+above|text\s+above)(?!\s+(?:(?:for|in|of)\s+(?:a|an|my|this)\b|best|tips|examples?|templates?|guidelines|format|design|wording))/i,
  },
  {
    name: 'delimiter_injection',
    weight: 1.5,
    needs: [
      '< & system|im_start|im_end|endoftext|eot_id|start_header_id',
      '[ & system|inst',
      '# & instruction|instructions|system|new',
      'begin & system & prompt',
    ],
    pattern: /(?:<\/?\s*(?:system|im_start|im_end|\|im_start\||\|im_end\||\|system\||\|endoftext\|)\s*>|\[\/?(?:system|inst)\]|^#{2,}\s*(?:instruction|system|new\s+instructions?)\s*:?\s*$|<\|(?:im_start|im_end|system|endoftext|eot_id|start_header_id)\|>|\bBEGIN\s+SYSTEM\s+PROMPT\b)/im,
  },
  {
    name: 'encoded_payload',
    weight: 1.0,
    needs: ['decode|base64|rot13 & follow|execute|run|obey'],
    pattern: /\b(?:decode|base64|rot13)\b.{0,40}\b(?:and\s+)?(?:follow|execute|run|obey)\b/,
    also: hasBase64Run,
  },
  {
    name: 'conceal_from_user',
    weight: 2.0,
    needs: ['tell|inform|mention|reveal|let & user|users', 'without & user'],
    // The negation right before the verb ("never tell", "don't let"), or "without telling".
    phrases: [...['not', "n't", 'never'].flatMap((no) => ['tell', 'inform', 'mention', 'reveal', 'let'].map((verb) => `${no} ${verb}`)), 'without telling', 'without informing', 'without notifying'],
    pattern: /\b(?:do\s+not|don't|never)\s+(?:tell|inform|mention\s+(?:this|it)\s+to|reveal\s+(?:this|it)\s+to|let)\s+(?:the\s+)?user(?:s)?\b(?:\s+know)?|\bwithout\s+(?:telling|informing|notifying)\s+the\s+user\b/i,
  },
  {
    name: 'tool_coercion',
    weight: 2.0,
    needs: [
      'call|invoke|use|run|execute & tool|function & send|post|upload|forward|email',
      'send|post|upload|forward|exfiltrate|transmit & data|conversation|chat|credentials|password|passwords|api|token|tokens|cookies|files|emails|contacts & to',
    ],
    // The tool or function called, or what is sent right before its "to".
    phrases: ['tool', 'function', ...['data', 'conversation', 'history', 'credentials', 'password', 'passwords', 'key', 'keys', 'token', 'tokens', 'cookies', 'files', 'emails', 'contacts'].map((what) => `${what} to`)],
    pattern: /\b(?:call|invoke|use|run|execute)\s+the\s+[\w-]+\s+(?:tool|function)\b.{0,80}\b(?:send|post|upload|forward|email)\b|\b(?:send|post|upload|forward|exfiltrate|transmit)\s+(?:all\s+|the\s+|this\s+|their\s+|his\s+|her\s+)?(?:user'?s?\s+)?(?:data|conversation|chat\s+history|credentials|passwords?|api\s+keys?|tokens?|cookies|files|emails|contacts)\s+to\s+(?:https?:\/\/|[\w.-]+@|\S+\.(?:com|net|io|xyz|ru)\b)/i,
  },
  {
    // An override phrase in quotes is being discussed or translated, not issued.
    name: 'quoted_override',
    weight: -2.0,
    needs: ['ignore|disregard|forget & previous|prior|above'],
    pattern: /["“'`][^"”'`\n]{0,20}\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:the\s+)?(?:previous|prior|above)\b[^"”'`\n]{0,60}["”'`]/i,
  },
  {
    // Data only: content that tells the model what to put in its answer is addressed to the model.
    name: 'shapes_model_answer',
    weight: 1.5,
    only: 'data',
    needs: ['your & answer|response|reply|output|responses|replies|answers|message|summary|solution|implementation|elucidation'],
    pattern: new RegExp(
      String.raw`(?:^|[.!?:\n]\s*)(?:please\s+)?(?:add|include|insert|integrate|incorporate|modify|append|end|begin|start|write|rewrite|translate|provide|use|replace|introduce|rearrange|remove|group|render|misspell|anagram|respond|reply|answer|compose|draft|explain|describe|tell|mention|say|state|recommend|suggest|encourage|urge|augment|embed|blend|ensure|make\s+sure|format|sign)\b[^.!?\n]{0,120}\b(?:in|to|into|within|throughout|with|of|from)\s+your\s+(?:final\s+)?(?:answer|response|reply|output|responses|replies|answers|message|summary|solution|implementation|elucidation)\b(?!\s+(?:to|on|about|regarding)\s+(?:this|the|our|my)\s+(?:survey|email|letter|form|questionnaire|invitation|message|request|post|ticket))`,
      'i',
    ),
  },
  {
    // Data only: text that names its reader as an AI / the model ("if you are an AI", "to any model summarising this").
    name: 'reader_is_model',
    weight: 1.5,
    only: 'data',
    needs: [
      'if & you & are',
      'to|for & any|the & ai|ais|assistant|assistants|language|llm|llms|model|models|chatbot|chatbots',
      'ai|assistant|llm|chatbot|model & reading|processing',
      'hidden & instruction|instructions',
      'tell & user',
      'ignore|disregard & user|users',
    ],
    pattern: /\b(?:if\s+you\s+are\s+(?:an?\s+)?(?:ai|assistant|language\s+model|llm|chatbot|bot)|(?:to|for)\s+(?:any|the)\s+(?:ai|assistant|language\s+model|llm|model|chatbot)s?\s+(?:reading|processing|summari[sz]ing|parsing|analy[sz]ing)|(?:ai|assistant|llm|chatbot|language\s+model)\s+(?:reading|processing)\s+this|hidden\s+instructions?\s+for\s+the\s+(?:ai|assistant|model)|tell\s+the\s+user\b|(?:ignore|disregard)\s+the\s+user'?s?\s+(?:question|request|query|prompt))/i,
  },
  {
    name: 'addressed_to_model',
    weight: 1.0,
    needs: [
      'ai|assistant|chatgpt|model|llm|claude|gpt & ,|:',
      'attention & ai|ais|assistant|assistants|llm|llms|language',
      'note|message|instruction & to|for & ai|assistant|llm|language|model',
    ],
    phrases: ['ignore', 'disregard', 'you must', 'stop', 'instead', 'attention', ...['note', 'message', 'instruction'].flatMap((what) => [`${what} to`, `${what} for`])],
    pattern: /\b(?:(?:ai|assistant|chatgpt|language\s+model|llm|claude|gpt)\s*[,:]\s*(?:please\s+)?(?:ignore|disregard|you\s+must|stop|instead)|attention\s+(?:ai|assistant|llm|language\s+model)s?\b|(?:note|message|instruction)\s+(?:to|for)\s+(?:the\s+)?(?:ai|assistant|llm|language\s+model|model)\b)/i,
  },
];

const GATE = new WordGate(SIGNALS.map((s) => s.needs));
// The same needs, read on the de-obfuscated text (leetspeak and spelt-out letters undone), which
// any e-mail address or `4th` makes: every signal that has not fired is tried on it.
const PLAIN_GATE = new WordGate(SIGNALS.map((s) => s.needs));
/** The signals' word gate, for the classifier to fill as it reads a text's words (score.ts). */
export const SIGNAL_GATE: WordGate = GATE;
const PHRASES: readonly (Need | undefined)[] = SIGNALS.map((s) => (s.phrases === undefined ? undefined : recordNeed(s.phrases)));

// Leetspeak inside a word (a digit or symbol between letters), and words spelt out letter by letter.
const LEET_WORD_RE = /\b(?=[a-z0-9@$]*[a-z])(?=[a-z0-9@$]*[0134578@$])[a-z0-9@$]{3,}\b/gi;
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '@': 'a', $: 's' };
const SPACED_RE = /\b(?:[a-z][ .\-_*]{1,2}){3,}[a-z]\b/gi;
export const SPACED_PROBE = /\b[a-z][ .\-_*]{1,2}[a-z][ .\-_*]{1,2}[a-z][ .\-_*]{1,2}[a-z]\b/i;
// A letter, a leet digit or symbol, a letter — or a leet character and two letters. Written to start
// at the leet character, which prose rarely has, so the engine skips to it (2.4 → 0.9 µs on the
// bench's chat request) instead of trying the pattern at every letter.
export const LEET_PROBE = /[0134578@$](?:[a-z]{2}|(?<=[a-z][0134578@$])[a-z])/i;

/**
 * What the classifier's pass over a text saw that the probes below need (text-facts.ts
 * TrigramRecord): false rules a probe out. A leet character right before a letter is in every match
 * of LEET_PROBE; two one-character words in a row (the second and third letters) in every match of
 * SPACED_PROBE.
 */
export interface ProbeFacts {
  readonly leetLetter: boolean;
  readonly shortPair: boolean;
}

/**
 * The text with leetspeak letters restored ("1gn0r3" → "ignore") and letter-by-letter words
 * joined ("i g n o r e" → "ignore"), or null when neither occurs (the common case: no cost).
 * `facts`: what the classifier saw of the text it was cut from (quoted spans blanked at most),
 * which may rule the probes out.
 */
export function deobfuscate(text: string, facts?: ProbeFacts): string | null {
  const leet = (facts === undefined || facts.leetLetter) && LEET_PROBE.test(text);
  const spaced = (facts === undefined || facts.shortPair) && SPACED_PROBE.test(text);
  if (!leet && !spaced) return null;
  let out = text;
  if (spaced) out = out.replace(SPACED_RE, (m) => m.replace(/[ .\-_*]+/g, (gap) => (gap.length > 1 && gap.trim() === '' ? ' ' : '')));
  if (leet) out = undoLeet(out);
  return out === text ? null : out;
}

const restoreLetters = (w: string): string => (/^[0-9.,]+$/.test(w) ? w : w.replace(/[0134578@$]/g, (c) => LEET[c] ?? c));
const LEET_CHAR_RE = /[0134578@$]/g;

/** A character LEET_WORD_RE's words are made of: [a-z0-9@$], either case. */
function isLeetWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 64 || c === 36;
}

/**
 * text.replace(LEET_WORD_RE, restoreLetters), the same to the character, with the pattern tried
 * only on the runs of its word characters that hold a leet character: any match lies in one
 * (its second lookahead), and nothing outside a run decides it but the characters just before
 * and after, which \b reads. Over the whole text the pattern's lookaheads re-read every word of
 * the text (24 µs on 4 KB of prose with e-mail addresses and numbers, which any such text sets off).
 * Restoring a letter keeps the length, so each run is spliced back by position.
 */
export function undoLeet(text: string): string {
  let out = '';
  let copied = 0;
  LEET_CHAR_RE.lastIndex = 0;
  for (let m = LEET_CHAR_RE.exec(text); m !== null; m = LEET_CHAR_RE.exec(text)) {
    let letters = false;
    let start = m.index;
    for (let c = text.charCodeAt(start - 1); start > 0 && isLeetWordChar(c); c = text.charCodeAt(--start - 1)) letters ||= c >= 65;
    let end = m.index + 1;
    for (let c = text.charCodeAt(end); end < text.length && isLeetWordChar(c); c = text.charCodeAt(++end)) letters ||= c >= 65;
    LEET_CHAR_RE.lastIndex = end;
    // The pattern's first lookahead needs a letter in the run (digits, `@` and `$` are below 65).
    if (!letters) continue;
    const from = Math.max(0, start - 1);
    const window = text.slice(from, Math.min(text.length, end + 1));
    const fixed = window.replace(LEET_WORD_RE, restoreLetters);
    if (fixed === window) continue;
    out += text.slice(copied, start) + fixed.slice(start - from, end - from);
    copied = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

// A double-quoted span (straight or curly) on one line: a phrase being discussed, classified or translated.
const QUOTED_RE = /"[^"\n]{8,300}"|“[^”\n]{8,300}”/g;

/**
 * The text with its quoted spans blanked, so that "classify this: \"ignore all previous
 * instructions\"" does not fire the override signals; a text that is little more than a quote is
 * kept whole (wrapping an attack in quotes must not hide it).
 */
function unquoted(text: string): string {
  if (!text.includes('"') && !text.includes('“')) return text;
  const out = text.replace(QUOTED_RE, '""');
  return substantive(out, 20) ? out : text;
}

/**
 * True when `text` has at least `min` characters other than whitespace (as the regex \s sees it)
 * and `":.,` — counted, not by building the text without them (a string per slot, for one length).
 */
export function substantive(text: string, min: number): boolean {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 58 || c === 46 || c === 44 || isJsSpace(c)) continue;
    if (++count >= min) return true;
  }
  return false;
}

/** ECMAScript's \s: WhiteSpace and LineTerminator code points. */
function isJsSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * Signals that fire on the text (look-alike letters folded first, and de-obfuscated when it uses
 * leetspeak or spaced-out letters), with the summed weight; damping signals are not named.
 * `facts`: the classifier's complete record of the folded text (the probes' needs, the phrases).
 */
export function matchSignals(raw: string, mode: 'prompt' | 'data' = 'prompt', alreadyFolded = false, facts?: TrigramRecord): { names: string[]; weight: number } {
  const folded = alreadyFolded ? raw : foldConfusables(raw);
  // Blanking quoted spans only puts `""` in place of each: a probe's match in the result, made of
  // letters, leet characters and separators, is in the folded text as well.
  const text = unquoted(folded);
  const plain = deobfuscate(text, facts);
  // Scanned on the folded text: blanking quoted spans (text) only removes words, so what it holds
  // the folded text holds too. Not scanned when the classifier has just filled the gate from the
  // words of this very text.
  if (!GATE.holds(folded)) GATE.scan(folded);
  GATE.forget();
  if (plain !== null) {
    PLAIN_GATE.scan(plain);
    PLAIN_GATE.forget(); // its presence bits stay; the text (any size) is not kept
  }
  const names: string[] = [];
  let weight = 0;
  let hidden = false;
  for (let k = 0; k < SIGNALS.length; k++) {
    const s = SIGNALS[k]!;
    if (s.only !== undefined && s.only !== mode) continue;
    let fires: boolean;
    // The phrases only where the word gate is met (most signals are not): what `text` spells out in
    // a row, folded (the record's text) holds too, as blanking a quoted span leaves `""`, which no
    // phrase has.
    const gated = GATE.allows(k) && (facts === undefined || PHRASES[k]?.metIn(facts) !== false);
    if (s.weight < 0) fires = gated && s.pattern.test(folded);
    else {
      fires = (gated && s.pattern.test(text)) || s.also?.(text) === true;
      if (!fires && plain !== null && PLAIN_GATE.allows(k) && s.pattern.test(plain)) fires = hidden = true;
    }
    if (fires) {
      if (s.weight > 0) names.push(s.name);
      weight += s.weight;
    }
  }
  if (hidden) {
    // A signal that only shows once de-obfuscated: hiding it is itself a sign.
    names.push('obfuscated');
    weight += 1.0;
  }
  return { names, weight };
}
