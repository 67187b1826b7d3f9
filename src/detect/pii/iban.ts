import type { DetectedEntity, Detector } from '../types.js';
import { entity } from './entity.js';

// IBAN length per country (SWIFT IBAN registry).
const IBAN_LENGTH: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18,
  NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31,
  SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

// Compact (`GB82WEST12345698765432`) or printed in groups of four (`GB82 WEST 1234 5698 7654 32`).
// The boundary look-behind sits after the first letter: V8 then tries it only where a letter is.
const CANDIDATE = /[A-Za-z](?<![\p{L}\p{N}][A-Za-z])[A-Za-z]\d{2}(?:[A-Za-z0-9]{11,30}|(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,3})?)(?![\p{L}\p{N}])/gu;

const HAS_DIGIT = /\d/;

export function ibanChecksumValid(iban: string): boolean {
  const s = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of s) {
    const v = Number.parseInt(ch, 36);
    rem = v < 10 ? (rem * 10 + v) % 97 : (rem * 100 + v) % 97;
  }
  return rem === 1;
}

export const detectIban: Detector = (text) => {
  const out: DetectedEntity[] = [];
  if (!HAS_DIGIT.test(text)) return out;
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
    const raw = m[0];
    const compact = raw.replace(/ /g, '').toUpperCase();
    if (IBAN_LENGTH[compact.slice(0, 2)] !== compact.length) continue;
    // A BBAN mixing cases is more likely a token or identifier than a printed IBAN.
    const body = raw.slice(4).replace(/ /g, '');
    if (body !== body.toUpperCase() && body !== body.toLowerCase()) continue;
    if (!ibanChecksumValid(compact)) continue;
    out.push(entity('iban', 'iban', m.index, m.index + raw.length, 0.99));
  }
  return out;
};
