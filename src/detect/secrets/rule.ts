import { anchored, scanAnchored } from '../pii/anchored-scan.js';
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
  /** Cheap substring test (case-sensitive): one of these must occur before the regex runs at all. */
  readonly hint?: string | readonly string[];
  /** Substrings (case-sensitive) that must all occur as well, e.g. the `sv=` of a SAS token. */
  readonly requires?: readonly string[];
  /**
   * For patterns without a fixed literal: a regex that every match of `pattern` also matches
   * (e.g. the key words of a case-insensitive key-context pattern), tested before the pattern runs.
   * It must be implied by `pattern` — a prefilter that drops findings is a bug (see the tests).
   */
  readonly gate?: RegExp;
  /**
   * For such patterns when every match contains one of a few words (global regex, same case flags)
   * at most `reach` characters after its start: the pattern is tried only there (see
   * ../pii/anchored-scan.ts).
   */
  readonly near?: { readonly anchor: RegExp; readonly reach: number };
  readonly check: (value: string, match: RegExpExecArray, text: string) => number | null;
}

/** A rule's detector, plus its hints, so that detectSecrets can look for all rules' hints at once. */
export interface SecretRule extends Detector {
  readonly hints: readonly string[];
  readonly requires: readonly string[];
  /** The rule without its hint test, for a caller that has found the hints present already. */
  readonly scan: Detector;
}

export function secretRule(spec: SecretRuleSpec): SecretRule {
  const { pattern, gate, check, detector } = spec;
  if (!pattern.global) throw new Error(`${detector}: pattern must be global`);
  if (gate?.global || gate?.sticky) throw new Error(`${detector}: gate must be neither global nor sticky`);
  const hints = spec.hint === undefined ? [] : typeof spec.hint === 'string' ? [spec.hint] : spec.hint;
  const requires = spec.requires ?? [];
  const near = spec.near === undefined ? undefined : anchored(pattern, spec.near.anchor, spec.near.reach);
  const scan = (text: string): DetectedEntity[] => {
    if (gate !== undefined && !gate.test(text)) return [];
    const out: DetectedEntity[] = [];
    const found = (m: RegExpExecArray): void => {
      const span = secretSpan(m.indices?.groups);
      const start = span ? span[0] : m.index;
      const end = span ? span[1] : m.index + m[0].length;
      const confidence = check(text.slice(start, end), m, text);
      if (confidence !== null) out.push({ type: 'secret', detector, start, end, confidence });
    };
    if (near !== undefined) {
      scanAnchored(text, near, found);
      return out;
    }
    // The shared regex is reset before each scan; detectors are synchronous, so no two scans
    // interleave (exec in a loop: matchAll would clone the regex on every call). No pattern can
    // match the empty string, so lastIndex always moves on.
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) found(m);
    return out;
  };
  const rule = (text: string): DetectedEntity[] => {
    if (hints.length > 0 && !hints.some((h) => text.includes(h))) return [];
    if (!requires.every((h) => text.includes(h))) return [];
    return scan(text);
  };
  return Object.assign(rule, { hints, requires, scan });
}

function secretSpan(groups: { [name: string]: [number, number] | undefined } | undefined): [number, number] | undefined {
  if (groups === undefined) return undefined;
  for (const name in groups) if (name.startsWith('secret') && groups[name] !== undefined) return groups[name];
  return undefined;
}
