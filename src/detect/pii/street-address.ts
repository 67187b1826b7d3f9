import type { DetectedEntity, Detector } from '../types.js';
import { entity } from './entity.js';

const SUFFIX =
  'Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Crescent|Cres|Close|Row|Alley|Trail|Trl|Plaza|Expressway|Freeway';
const STREET_WORD = "(?:\\p{Lu}[\\p{L}'’\\-]{0,24}|\\d{1,3}(?:st|nd|rd|th))";
const UNIT = '(?:,?[ ](?:Apt|Apartment|Suite|Ste|Unit|Floor|Fl|#)\\.?[ ]?#?[A-Za-z0-9\\-]{1,6})?';
// The boundary look-behind sits after the first digit: V8 then only tries it where a digit is.
// 221B Baker Street, 1600 Pennsylvania Avenue NW, 01 4589 40th Street Suite 603.
const STREET = new RegExp(
  `\\d(?<![\\w\\-./]\\d)\\d{0,5}[A-Za-z]?(?:-\\d{1,4})?[ ](?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\\.?[ ])?(?:${STREET_WORD}[ ]){1,4}(?:${SUFFIX})\\b\\.?(?:[ ](?:N|S|E|W|NE|NW|SE|SW)\\b)?${UNIT}`,
  'gu',
);

const HAS_DIGIT = /\d/;

export const detectStreetAddress: Detector = (text) => {
  const out: DetectedEntity[] = [];
  if (!HAS_DIGIT.test(text)) return out;
  STREET.lastIndex = 0;
  for (let m = STREET.exec(text); m !== null; m = STREET.exec(text)) {
    let raw = m[0];
    // `Dr.`/`St.` as the suffix keeps its period; a sentence's period after a full word does not belong.
    if (/(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Place|Way)\.$/.test(raw)) raw = raw.slice(0, -1);
    out.push(entity('street_address', 'street-address', m.index, m.index + raw.length, 0.7));
  }
  return out;
};
