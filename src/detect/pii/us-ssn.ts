import type { DetectedEntity, Detector } from '../types.js';
import { before, entity } from './entity.js';

// The boundary look-behind sits after the first digit: V8 then only tries it where a digit is.
const SEPARATED = /(\d(?<![\d\-./:]\d)\d{2})([\- ])(\d{2})\2(\d{4})(?![\d\-/:]|[.,]\d)/g;
const BARE = /\d(?<![\d\-./:]\d)\d{8}(?![\d\-/:]|[.,]\d)/g;
const HAS_DIGIT = /\d/;
const SSN_CONTEXT = /(?:\bssn\b|social security|\bss#|\bsocial sec|tax ?id|\btin\b|\bitin\b)/;
// Numbers the SSA never issued or published as examples (Woolworth wallet card, ads).
const KNOWN_EXAMPLES = new Set(['078051120', '219099999', '123456789']);

export function ssnValid(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (group === '00' || serial === '0000') return false;
  return !KNOWN_EXAMPLES.has(area + group + serial);
}

export const detectUsSsn: Detector = (text) => {
  const out: DetectedEntity[] = [];
  if (!HAS_DIGIT.test(text)) return out;
  SEPARATED.lastIndex = 0;
  for (let m = SEPARATED.exec(text); m !== null; m = SEPARATED.exec(text)) {
    const [raw, area, sep, group, serial] = m;
    if (!ssnValid(area, group, serial)) continue;
    const cued = SSN_CONTEXT.test(before(text, m.index, 50));
    // Spaced digits are as often a phone or account number: only with a cue.
    if (sep === ' ' && !cued) continue;
    out.push(entity('us_ssn', 'us-ssn', m.index, m.index + raw.length, cued ? 0.97 : 0.85));
  }
  // Bare nine digits count only with a cue in the text and in the 50 characters before them. The
  // whole-text look (on a lower-cased copy) is made only once a 9-digit run is found: they are rare.
  let cueInText: boolean | undefined;
  BARE.lastIndex = 0;
  for (let m = BARE.exec(text); m !== null; m = BARE.exec(text)) {
    cueInText ??= SSN_CONTEXT.test(text.toLowerCase());
    if (!cueInText) break;
    const d = m[0];
    if (!SSN_CONTEXT.test(before(text, m.index, 50))) continue;
    if (!ssnValid(d.slice(0, 3), d.slice(3, 5), d.slice(5))) continue;
    out.push(entity('us_ssn', 'us-ssn', m.index, m.index + 9, 0.8));
  }
  return out;
};
