import type { DetectedEntity, Detector } from '../types.js';
import { detectCreditCard } from './credit-card.js';
import { detectDateOfBirth } from './date-of-birth.js';
import { detectEmail } from './email.js';
import { detectIban } from './iban.js';
import { detectIpAddress } from './ip-address.js';
import { detectPerson } from './person.js';
import { detectPhone } from './phone.js';
import { detectStreetAddress } from './street-address.js';
import { detectUsSsn } from './us-ssn.js';
import { resolveOverlaps } from './resolve-overlaps.js';

export { detectCreditCard, cardBrand, luhnValid } from './credit-card.js';
export { detectDateOfBirth } from './date-of-birth.js';
export { detectEmail } from './email.js';
export { detectIban, ibanChecksumValid } from './iban.js';
export { detectIpAddress, isIpv6 } from './ip-address.js';
export { detectPerson } from './person.js';
export { detectPhone } from './phone.js';
export { detectStreetAddress } from './street-address.js';
export { detectUsSsn, ssnValid } from './us-ssn.js';
export { resolveOverlaps } from './resolve-overlaps.js';

/** Every PII detector, by name (for per-route selection and per-detector evaluation). */
export const PII_DETECTORS: Readonly<Record<string, Detector>> = {
  email: detectEmail,
  phone: detectPhone,
  credit_card: detectCreditCard,
  iban: detectIban,
  us_ssn: detectUsSsn,
  ip_address: detectIpAddress,
  date_of_birth: detectDateOfBirth,
  person: detectPerson,
  street_address: detectStreetAddress,
};

const ALL = Object.values(PII_DETECTORS);

/**
 * The fewest ASCII digits a text must hold for each detector to find anything in it: what every
 * pattern of the detector needs (and, for phones, the digit count it then checks): a phone 6, a
 * card 12 (`\d(?:[ -]?\d){11,18}`), an IBAN its 2 check digits, an SSN 9, a date of birth 4
 * (d/m/yy), a street address its house number. detectPii counts once and skips the detectors a
 * text cannot feed: on prose with a number or two ("section 4"), six scans were ~5 µs of a
 * guarded chat request (bench/).
 */
const MIN_DIGITS: ReadonlyMap<Detector, number> = new Map([
  [detectPhone, 6],
  [detectCreditCard, 12],
  [detectIban, 2],
  [detectUsSsn, 9],
  [detectDateOfBirth, 4],
  [detectStreetAddress, 1],
]);
const NEEDS = ALL.map((d) => MIN_DIGITS.get(d) ?? 0);
const MOST_DIGITS = Math.max(...NEEDS);
// Global: `test` steps lastIndex past each digit it finds, natively and without a match array.
const DIGITS = /\d/g;

/** ASCII digits in `text`, counted no further than `limit`: one native search per digit. */
function countDigits(text: string, limit: number): number {
  DIGITS.lastIndex = 0;
  let n = 0;
  while (n < limit && DIGITS.test(text)) n++;
  return n;
}

export const detectPii: Detector = (text, facts) => {
  const digits = facts === undefined ? countDigits(text, MOST_DIGITS) : facts.digits;
  let found: DetectedEntity[] | undefined;
  for (let i = 0; i < ALL.length; i++) {
    if (NEEDS[i]! > digits) continue;
    const f = ALL[i]!(text, facts);
    if (f.length > 0) found = found === undefined ? f : found.concat(f);
  }
  return found === undefined ? [] : resolveOverlaps(found);
};
