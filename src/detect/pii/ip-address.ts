import type { DetectedEntity, Detector } from '../types.js';
import { resolveOverlaps } from './resolve-overlaps.js';
import { before, entity } from './entity.js';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
// Not part of a longer dotted run (`1.2.3.4.5`, `192.168.1.1.`-then-digit) nor of a word.
const IPV4 = new RegExp(`(?<![\\w.:])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, 'g');
// Candidate IPv6 token; validated by parseIpv6 (which rejects times, `a::b` identifiers, etc.).
// Hex groups joined by 2–7 colons (so it fails fast on ordinary words), optionally ending in IPv4.
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|(?=::))(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}(?![\w:]|\.\w)/g;
// Every IPV6 match has two colons at most four hex digits apart (`::`, `:db8:`), the gate below.
const IPV4_EXACT = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
// A version number written like an address (`version 10.0.0.1`, `Build 6.1.7601.1`). The cue is a
// whole word: "ver" ends "server", and `Server 10.0.0.12` is an address.
const VERSION_CUE = /\b(?:version|ver\.?|release|build|v)\s*$/i;

function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * Whether the text has a colon, up to four hex digits and another colon: /:[0-9A-Fa-f]{0,4}:/,
 * walked from colon to colon. Prose has a few colons, and the regex read every character of it.
 */
export function hasColonPair(text: string): boolean {
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) {
    let j = i + 1;
    while (j < text.length && j - i <= 4 && isHexCode(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) === 58) return true;
  }
  return false;
}

function isIpv4(s: string): boolean {
  return IPV4_EXACT.test(s);
}

/** True for a valid IPv6 text form: 8 groups, or fewer with one `::`, optionally ending in IPv4. */
export function isIpv6(s: string): boolean {
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const parts = halves.map((h) => (h === '' ? [] : h.split(':')));
  const all = parts.flat();
  let groups = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!isIpv4(last)) return false;
    groups += 1; // an embedded IPv4 takes two groups
    all.pop();
  }
  if (!all.every((g) => HEX_GROUP.test(g))) return false;
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

export const detectIpAddress: Detector = (text, facts) => {
  const out: DetectedEntity[] = [];
  // An IPv4 address has at least 4 digits (an IPv6 one may have none: `dead:beef:…`).
  if ((facts === undefined || facts.digits >= 4) && text.includes('.')) {
    IPV4.lastIndex = 0;
    for (let m = IPV4.exec(text); m !== null; m = IPV4.exec(text)) {
      if (VERSION_CUE.test(before(text, m.index, 12))) continue;
      out.push(entity('ip_address', 'ipv4', m.index, m.index + m[0].length, 0.97));
    }
  }
  if (hasColonPair(text)) {
    IPV6.lastIndex = 0;
    for (let m = IPV6.exec(text); m !== null; m = IPV6.exec(text)) {
      const s = m[0];
      if (!isIpv6(s)) continue;
      const compressed = s.includes('::');
      const filled = s.split(/:+/).filter((g) => g !== '').length;
      // `::1` is the one common address with a single group; otherwise a compressed form needs
      // two groups and a digit, so `dead::beef` or `Foo::bar`-like tokens stay out.
      if (compressed && s !== '::1' && (filled < 2 || !/\d/.test(s))) continue;
      out.push(entity('ip_address', 'ipv6', m.index, m.index + s.length, compressed ? 0.9 : 0.97));
    }
  }
  // Several patterns can match one number: keep the strongest reading.
  return resolveOverlaps(out);
};
