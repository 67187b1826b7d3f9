import type { DetectedEntity, Detector } from '../types.js';
import { entity } from './entity.js';

const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const TIME = '(?:[ T]\\d{1,2}:\\d{2}(?::\\d{2})?)?';
// 3/23/1940, 23.03.1940, 1940-03-23, 23 March 1940, March 23, 1940, 23rd of March 1940.
const DATE = new RegExp(
  [
    `\\d{1,2}[/.\\-]\\d{1,2}[/.\\-](?:\\d{4}|\\d{2})${TIME}`,
    `\\d{4}[/.\\-]\\d{1,2}[/.\\-]\\d{1,2}${TIME}`,
    `\\d{1,2}(?:st|nd|rd|th)?(?: of)? (?:${MONTHS})\\.?,? \\d{4}`,
    `(?:${MONTHS})\\.? \\d{1,2}(?:st|nd|rd|th)?,? \\d{4}`,
  ]
    .map((p) => `(?<![\\w/.\\-])(?:${p})(?![\\w/\\-]|\\.\\d)`)
    .join('|'),
  'gi',
);
// The cue must sit shortly before the date (within 40 characters, same line): dates are only
// looked for in that window, which also keeps the scan cheap.
const CUE = /\bborn\b|\bd\.?o\.?b\b\.?|date of birth|birth ?date|birthday|(?:^|[\s(])b\./gi;
const WINDOW = 40;
// Every date form above holds four digits in a row or a digit, a separator and a digit: without
// one, no cue needs looking for (the cue scan is the costly part).
const DATE_GATE = /\d{4}|\d[/.\-]\d/;

function plausible(s: string): boolean {
  const nums = s.match(/\d+/g)?.map(Number) ?? [];
  const year = nums.find((n) => n >= 1000) ?? (nums.length >= 3 ? nums[2] : undefined);
  if (year !== undefined && year >= 1000 && (year < 1880 || year > 2100)) return false;
  return nums.filter((n) => n < 1000).slice(0, 2).every((n) => n >= 1 && n <= 31);
}

export const detectDateOfBirth: Detector = (text) => {
  const out: DetectedEntity[] = [];
  if (!DATE_GATE.test(text)) return out;
  let scannedTo = 0;
  CUE.lastIndex = 0;
  for (let cue = CUE.exec(text); cue !== null; cue = CUE.exec(text)) {
    const from = Math.max(scannedTo, cue.index + cue[0].length);
    let to = Math.min(text.length, from + WINDOW);
    const newline = text.indexOf('\n', from);
    if (newline >= 0 && newline < to) to = newline;
    if (to <= from) continue;
    // Take a few characters either side so the date pattern's boundary checks see real context.
    const lead = Math.min(from, 1);
    const window = text.slice(from - lead, Math.min(text.length, to + 40));
    DATE.lastIndex = 0;
    for (let m = DATE.exec(window); m !== null; m = DATE.exec(window)) {
      const start = from - lead + m.index;
      if (start >= to) break;
      if (start < from || !plausible(m[0])) continue;
      out.push(entity('date_of_birth', 'date-of-birth', start, start + m[0].length, 0.85));
    }
    scannedTo = to;
  }
  return out;
};
