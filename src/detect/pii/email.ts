import type { DetectedEntity, Detector } from '../types.js';
import { entity } from './entity.js';

// Local part: dot-atoms of letters (any script), digits and the usual symbols; domain: labels of
// letters/digits/hyphens and a letter-only TLD (IDN in Unicode form or punycode `xn--`). The TLD
// ends in a letter, so a sentence's closing period or comma is never part of the match.
const EMAIL =
  /(?<![\p{L}\p{N}._%+\-@])[\p{L}\p{N}_%+\-]{1,64}(?:\.[\p{L}\p{N}_%+\-]{1,64}){0,8}@(?:[\p{L}\p{N}](?:[\p{L}\p{N}\-]{0,61}[\p{L}\p{N}])?\.){1,8}(?:\p{L}{2,24}|xn--[a-z0-9\-]{1,59})(?![\p{L}\p{N}\-@]|\.[\p{L}\p{N}])/gu;

export const detectEmail: Detector = (text) => {
  if (!text.includes('@')) return [];
  const out: DetectedEntity[] = [];
  EMAIL.lastIndex = 0;
  for (let m = EMAIL.exec(text); m !== null; m = EMAIL.exec(text)) {
    const start = m.index;
    out.push(entity('email', 'email', start, start + m[0].length, 0.99));
  }
  return out;
};
