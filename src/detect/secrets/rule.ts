import { anchored, scanAnchored } from '../pii/anchored-scan.js';
import { CharNeed, type TextFacts, mayContain, need } from '../text-facts.js';
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
   * For case-insensitive patterns without a fixed literal: words (lower case) one of which every
   * match of `pattern` contains, case-insensitively (e.g. the key words of a key-context pattern),
   * looked for before the pattern runs — in the text facts when there are some (../text-facts.ts),
   * else with one regex. It must be implied by `pattern`: a prefilter that drops findings is a bug
   * (see the tests).
   */
  readonly gate?: readonly string[];
  /**
   * For such patterns when every match contains one of a few words (lower case, found
   * case-insensitively) at most `reach` characters after its start: the pattern is tried only there
   * (see ../pii/anchored-scan.ts), and not at all when the text facts rule the words out.
   */
  readonly near?: { readonly words: readonly string[]; readonly reach: number };
  /**
   * Characters outside the 3-gram alphabet one of which every match contains (the `=` or `:` of a
   * key-context pattern): asked of the text facts only, where they cost nothing.
   */
  readonly operators?: string;
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
  const { pattern, check, detector } = spec;
  if (!pattern.global) throw new Error(`${detector}: pattern must be global`);
  const hints = spec.hint === undefined ? [] : typeof spec.hint === 'string' ? [spec.hint] : spec.hint;
  const requires = spec.requires ?? [];
  const gateNeed = spec.gate === undefined ? undefined : need(spec.gate);
  const gate = gateNeed?.regExp('i');
  const nearNeed = spec.near === undefined ? undefined : need(spec.near.words);
  const near = nearNeed === undefined ? undefined : anchored(pattern, nearNeed.regExp(pattern.ignoreCase ? 'gi' : 'g'), spec.near!.reach);
  const operators = spec.operators === undefined ? undefined : new CharNeed(spec.operators);
  const scan = (text: string, facts?: TextFacts): DetectedEntity[] => {
    if (operators !== undefined && !operators.mayBeIn(facts)) return [];
    if (gateNeed !== undefined && !(mayContain(facts, gateNeed) && gate!.test(text))) return [];
    if (nearNeed !== undefined && !mayContain(facts, nearNeed)) return [];
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
  const rule = (text: string, facts?: TextFacts): DetectedEntity[] => {
    if (hints.length > 0 && !hints.some((h) => text.includes(h))) return [];
    if (!requires.every((h) => text.includes(h))) return [];
    return scan(text, facts);
  };
  return Object.assign(rule, { hints, requires, scan });
}

function secretSpan(groups: { [name: string]: [number, number] | undefined } | undefined): [number, number] | undefined {
  if (groups === undefined) return undefined;
  for (const name in groups) if (name.startsWith('secret') && groups[name] !== undefined) return groups[name];
  return undefined;
}
