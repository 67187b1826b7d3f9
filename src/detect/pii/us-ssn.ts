import type { DetectedEntity, Detector } from '../types.js';
import { before, entity } from './entity.js';

const SEPARATED = /(?<![\d\-./:])(\d{3})([\- ])(\d{2})\2(\d{4})(?![\d\-/:]|[.,]\d)/g;
const BARE = /(?<![\d\-./:])\d{9}(?![\d\-/:]|[.,]\d)/g;
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
  for (const m of text.matchAll(SEPARATED)) {
    const [raw, area, sep, group, serial] = m;
    if (!ssnValid(area, group, serial)) continue;
    const cued = SSN_CONTEXT.test(before(text, m.index, 50));
    // Spaced digits are as often a phone or account number: only with a cue.
    if (sep === ' ' && !cued) continue;
    out.push(entity('us_ssn', 'us-ssn', m.index, m.index + raw.length, cued ? 0.97 : 0.85));
  }
  if (SSN_CONTEXT.test(text.toLowerCase())) {
    for (const m of text.matchAll(BARE)) {
      const d = m[0];
      if (!SSN_CONTEXT.test(before(text, m.index, 50))) continue;
      if (!ssnValid(d.slice(0, 3), d.slice(3, 5), d.slice(5))) continue;
      out.push(entity('us_ssn', 'us-ssn', m.index, m.index + 9, 0.8));
    }
  }
  return out;
};
