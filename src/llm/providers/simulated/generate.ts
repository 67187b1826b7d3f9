/**
 * Deterministic content for the simulated provider: a seeded PRNG, sentences from a fixed word
 * list, exact token caps, and tool-call arguments built from a JSON Schema. Same seed, same output.
 */
import { createHash } from 'node:crypto';

export type Random = () => number;

/** A 32-bit seed from any text (the first 4 bytes of its SHA-256). */
export function seedFrom(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0);
}

/** mulberry32: small, fast, good enough for filler text and test vectors. Returns [0, 1). */
export function prng(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lowercase hex of `bytes` random bytes drawn from `random` (deterministic ids). */
export function hexFrom(random: Random, bytes: number): string {
  let hex = '';
  for (let i = 0; i < bytes; i++) hex += Math.floor(random() * 256).toString(16).padStart(2, '0');
  return hex;
}

// Every word is one o200k token with a leading space and when capitalised, so the token count of
// the text is close to the word count and a token-exact cut never splits a word unevenly.
const WORDS = (
  'the a gateway river quiet light morning signal bridge garden stone window paper music simple ' +
  'bright open small large early late green blue north south clear warm cold fresh old new round ' +
  'long short soft strong fast slow deep high low near far city road field forest cloud rain wind ' +
  'sun moon star sea lake hill house door table chair book letter story word voice song dream idea ' +
  'plan path line point shape color sound time day night year season world people friend teacher ' +
  'student worker family team group market station engine machine model system network message ' +
  'answer question reason result change moment place water fire earth air makes reads writes moves ' +
  'turns shows starts ends and with over under across through along before after while because ' +
  'often always never together again'
).split(' ');

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/**
 * Sentences of 4–12 words until about `targetTokens` tokens: once the target is reached the
 * current sentence ends (after at least 3 words), so the text always ends with a full stop.
 */
export function generateText(random: Random, targetTokens: number): string {
  const sentences: string[] = [];
  let tokens = 0;
  while (tokens < targetTokens) {
    const length = 4 + Math.floor(random() * 9);
    const words: string[] = [];
    for (let i = 0; i < length; i++) {
      words.push(pick(random, WORDS));
      tokens += 1;
      if (i < length - 1 && words.length > 2 && random() < 0.08) {
        words[words.length - 1] += ',';
        tokens += 1;
      }
      if (tokens >= targetTokens && words.length >= 3) break;
    }
    tokens += 1; // the full stop
    const sentence = words.join(' ').replace(/,$/, '');
    sentences.push(`${sentence[0].toUpperCase()}${sentence.slice(1)}.`);
  }
  return sentences.join(' ');
}


/** Word-like runs of the prompt, for string arguments that look related to what was asked. */
export function promptWords(text: string, exclude: ReadonlySet<string>): string[] {
  const words = text.match(/[\p{L}\p{N}][\p{L}\p{N}_'-]*/gu) ?? [];
  return words.filter((w) => !exclude.has(w.toLowerCase()));
}

/**
 * A value that satisfies `schema` well enough for a demo: objects get their required properties,
 * enums their first value, strings 1–3 words of the prompt, numbers a small integer within bounds.
 */
export function valueForSchema(schema: unknown, random: Random, words: readonly string[], depth = 0): unknown {
  if (schema === null || typeof schema !== 'object' || depth > 6) return placeholderString(random, words);
  const s = schema as Record<string, unknown>;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0) {
      const usable = options.find((o) => !(o !== null && typeof o === 'object' && (o as { type?: unknown }).type === 'null'));
      return valueForSchema(usable ?? options[0], random, words, depth + 1);
    }
  }
  const type = Array.isArray(s.type) ? (s.type.find((t) => t !== 'null') ?? s.type[0]) : s.type;
  switch (type) {
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(s.required) ? s.required.filter((k): k is string => typeof k === 'string') : [];
      const out: Record<string, unknown> = {};
      for (const key of required) out[key] = valueForSchema(properties[key], random, words, depth + 1);
      return out;
    }
    case 'array': {
      const count = typeof s.minItems === 'number' && s.minItems > 1 ? Math.min(s.minItems, 5) : 1;
      return Array.from({ length: count }, () => valueForSchema(s.items, random, words, depth + 1));
    }
    case 'integer':
    case 'number': {
      const min = typeof s.minimum === 'number' ? Math.ceil(s.minimum) : 1;
      const max = typeof s.maximum === 'number' ? Math.floor(s.maximum) : Math.max(min, 1) + 99;
      return max < min ? min : min + Math.floor(random() * (max - min + 1));
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return placeholderString(random, words);
  }
}

function placeholderString(random: Random, words: readonly string[]): string {
  const source = words.length > 0 ? words : WORDS;
  const count = 1 + Math.floor(random() * Math.min(3, source.length));
  return Array.from({ length: count }, () => pick(random, source)).join(' ');
}
