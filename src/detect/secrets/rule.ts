import type { DetectedEntity, Detector } from '../types.js';

/**
 * One secret rule: a global regex compiled once, and a check on each match that returns the
 * confidence, or `null` to drop it (placeholder, bad checksum, too little entropy).
 * If the pattern has named groups starting with `secret` (and the `d` flag), only the one that
 * matched is reported: the password in a URL, the value after `AccountKey=`.
 */
export interface SecretRuleSpec {
  readonly detector: string;
  readonly pattern: RegExp;
  /** Cheap substring test (case-sensitive) that must hold before the regex runs at all. */
  readonly hint?: string | readonly string[];
  readonly check: (value: string, match: RegExpExecArray, text: string) => number | null;
}

export function secretRule(spec: SecretRuleSpec): Detector {
  if (!spec.pattern.global) throw new Error(`${spec.detector}: pattern must be global`);
  const hints = spec.hint === undefined ? [] : typeof spec.hint === 'string' ? [spec.hint] : spec.hint;
  return (text: string): DetectedEntity[] => {
    if (hints.length > 0 && !hints.some((h) => text.includes(h))) return [];
    const out: DetectedEntity[] = [];
    // matchAll works on a copy of the regex, so the shared one keeps no state between calls.
    for (const m of text.matchAll(spec.pattern)) {
      const span = secretSpan(m.indices?.groups);
      const start = span ? span[0] : m.index;
      const end = span ? span[1] : m.index + m[0].length;
      const value = text.slice(start, end);
      const confidence = spec.check(value, m as RegExpExecArray, text);
      if (confidence !== null) out.push({ type: 'secret', detector: spec.detector, start, end, confidence });
    }
    return out;
  };
}

function secretSpan(groups: { [name: string]: [number, number] | undefined } | undefined): [number, number] | undefined {
  if (groups === undefined) return undefined;
  for (const name in groups) if (name.startsWith('secret') && groups[name] !== undefined) return groups[name];
  return undefined;
}
