import type { DetectedEntity, Detector } from '../types.js';
import { before, digitsOf, entity } from './entity.js';

// 12–19 digits, either unbroken or in groups separated by one space or dash.
// The boundary look-behind sits after the first digit: V8 then only tries it where a digit is.
const CANDIDATE = /\d(?<![\w\-.,/:]\d)(?:[ \-]?\d){11,18}(?![\w/:]|-\d|[.,]\d)/g;
const NOT_CARD_CONTEXT = /(?:isbn|issn|order|invoice|tracking|imei|iccid|serial|account no|acct)[^\n\d]{0,12}$/;
const CARD_CONTEXT = /(?:card|\bcc\b|credit|debit|visa|master ?card|amex|american express|discover|diners|jcb|unionpay|maestro|payment|pay with|charge)/;

const HAS_DIGIT = /\d/;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The card brand whose prefix and length match, or undefined. */
export function cardBrand(d: string): string | undefined {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === '4' && (n === 13 || n === 16 || n === 19)) return 'visa';
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n === 16) return 'mastercard';
  if ((p2 === 34 || p2 === 37) && n === 15) return 'amex';
  if ((p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925)) && n >= 16) return 'discover';
  if (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) && n >= 14) return 'diners';
  if (p4 >= 3528 && p4 <= 3589 && n >= 16) return 'jcb';
  if (p2 === 62 && n >= 16) return 'unionpay';
  if ((p2 === 50 || (p2 >= 56 && p2 <= 69)) && n >= 12) return 'maestro';
  return undefined;
}

/** Separators must look like a card: one kind throughout, in 4-groups (last may be short) or Amex/Diners 4-6-5/4-6-4. */
function groupingOk(raw: string): boolean {
  if (/^\d+$/.test(raw)) return true;
  const seps = raw.match(/[ \-]/g) ?? [];
  if (new Set(seps).size !== 1) return false;
  const groups = raw.split(/[ \-]/).map((g) => g.length);
  const shape = groups.join('-');
  if (shape === '4-6-5' || shape === '4-6-4') return true;
  return groups.slice(0, -1).every((g) => g === 4) && groups[groups.length - 1] >= 1 && groups[groups.length - 1] <= 4;
}

export const detectCreditCard: Detector = (text) => {
  const out: DetectedEntity[] = [];
  if (!HAS_DIGIT.test(text)) return out;
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
    let raw = m[0];
    // A trailing separator belongs to the sentence, not the card.
    raw = raw.replace(/[ \-]+$/, '');
    // Cheapest rejections first: most digit runs fail Luhn.
    const digits = digitsOf(raw);
    if (digits.length < 12 || !luhnValid(digits) || !groupingOk(raw) || /^(\d)\1+$/.test(digits)) continue;
    const preceding = before(text, m.index, 40);
    if (NOT_CARD_CONTEXT.test(preceding)) continue;
    const brand = cardBrand(digits);
    const cued = CARD_CONTEXT.test(preceding);
    let confidence: number;
    if (brand) confidence = cued ? 0.99 : 0.95;
    else if (cued) confidence = 0.7;
    else continue;
    out.push(entity('credit_card', brand ? `luhn-card-${brand}` : 'luhn-card', m.index, m.index + raw.length, confidence));
  }
  return out;
};
