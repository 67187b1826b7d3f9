import type { DetectedEntity, Detector } from '../types.js';
import { resolveOverlaps } from './resolve-overlaps.js';
import { after, before, digitsOf, entity } from './entity.js';

const EXT = '(?:\\s?(?:x|ext\\.?|extension)\\s?\\d{1,6})?';
const B = '(?<![\\w+\\-./:])';
// A dash may follow when a label does (`06-10446904-Office`), not when more digits do.
const E = '(?![\\w/:]|-\\d|[.,]\\d)';
// International: +CC then groups (optionally an (area)), or E.164 without separators.
const INTERNATIONAL = new RegExp(
  `${B}(?:\\+|00)[1-9]\\d{0,2}(?:[ .\\-]?\\(\\d{1,4}\\))?(?:[ .\\-]?\\d{1,5}){1,6}${EXT}${E}`,
  'g',
);
// North American: (415) 555-0132, 415-555-0132, 415.555.0132, 1-415-555-0132.
const NANP = new RegExp(`${B}(?:1[ .\\-])?(?:\\(\\d{3}\\)[ ]?|\\d{3}([.\\-]))\\d{3}[.\\-]\\d{4}${EXT}${E}`, 'g');
// (area) local groups: (02) 9876 5432, (11) 4706-6184.
const AREA = new RegExp(`${B}\\(\\d{2,5}\\)[ ]?\\d{2,5}(?:[ \\-]\\d{2,5}){1,2}${EXT}${E}`, 'g');
// Anything phone-shaped; reported only next to a phone cue.
const LOOSE = new RegExp(`\\d(?<![\\w+\\-./:]\\d)(?:\\d{1,4}(?:[ .\\-]\\d{2,8}){1,4}${EXT}|\\d{6,11})${E}`, 'g');
const CUE_BEFORE = /(?:phone|tel\b|tel\.|telephone|mobile|cell|fax|call(?:ing)?|reach (?:me|us|him|her)|contact|whatsapp|dial|text me|sms|answering at|(?:phone|mobile|cell|contact|office|home|work) number|ring)[^\n\d]{0,20}$/;
const CUE_AFTER = /^[\s\-–(]{0,3}(?:office|fax|mobile|cell|home|work|phone|tel)\b/;
const NOT_PHONE_BEFORE = /(?:licen[cs]e|passport|order|invoice|ticket|ref|reference|account|acct|isbn|po|tracking|case|id|no\.|#)\s*[:#]?\s*$/;

const HAS_DIGIT = /\d/;

function isDateLike(s: string): boolean {
  return /^\d{4}[\-./]\d{1,2}[\-./]\d{1,2}$/.test(s) || /^\d{1,2}[\-./]\d{1,2}[\-./](?:\d{2}|\d{4})$/.test(s);
}

export const detectPhone: Detector = (text) => {
  const out: DetectedEntity[] = [];
  if (!HAS_DIGIT.test(text)) return out;
  const push = (start: number, raw: string, confidence: number, minDigits: number): void => {
    raw = raw.replace(/[ .\-]+$/, '');
    const n = digitsOf(raw.replace(/(?:x|ext\.?|extension)\s?\d+$/i, '')).length;
    if (n < minDigits || n > 15) return;
    if (isDateLike(raw)) return;
    if (NOT_PHONE_BEFORE.test(before(text, start, 15))) return;
    out.push(entity('phone', 'phone', start, start + raw.length, confidence));
  };
  const cued = (start: number, end: number): boolean =>
    CUE_BEFORE.test(before(text, start, 40)) || CUE_AFTER.test(after(text, end, 12));
  // Each pattern runs only where its leading characters occur at all: `+`/`00`, `(`.
  if (text.includes('+') || text.includes('00')) {
    INTERNATIONAL.lastIndex = 0;
    for (let m = INTERNATIONAL.exec(text); m !== null; m = INTERNATIONAL.exec(text)) {
      const hasSep = /[ .\-()]/.test(m[0]);
      // Bare E.164 needs 8+ digits; grouped needs consistent shape, guaranteed by the pattern.
      push(m.index, m[0], cued(m.index, m.index + m[0].length) ? 0.95 : hasSep ? 0.85 : 0.8, 8);
    }
  }
  NANP.lastIndex = 0;
  for (let m = NANP.exec(text); m !== null; m = NANP.exec(text)) {
    push(m.index, m[0], cued(m.index, m.index + m[0].length) ? 0.95 : 0.8, 10);
  }
  if (text.includes('(')) {
    AREA.lastIndex = 0;
    for (let m = AREA.exec(text); m !== null; m = AREA.exec(text)) {
      push(m.index, m[0], cued(m.index, m.index + m[0].length) ? 0.9 : 0.7, 7);
    }
  }
  LOOSE.lastIndex = 0;
  for (let m = LOOSE.exec(text); m !== null; m = LOOSE.exec(text)) {
    // Mixed separators (1.2-3) are not how people write phone numbers.
    const seps = new Set(m[0].replace(/(?:x|ext\.?|extension)\s?\d+$/i, '').match(/[ .\-]/g) ?? []);
    if (seps.size > 1) continue;
    if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(m[0])) continue; // an IPv4 address
    if (!cued(m.index, m.index + m[0].length)) continue;
    push(m.index, m[0], 0.6, 6);
  }
  // Several patterns can match one number: keep the strongest reading.
  return resolveOverlaps(out);
};
