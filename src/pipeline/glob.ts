import type { ModelMatcher } from './identity.js';

/** Compiles a glob (`*` any run of characters, `?` one character) into an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let source = '^';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${source}$`);
}

export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** A matcher for a list of model globs, compiled once at config load. */
export function compileModelMatcher(patterns: readonly string[]): ModelMatcher {
  if (patterns.includes('*')) return { patterns, matches: () => true };
  const exact = new Set(patterns.filter((p) => !isGlob(p)));
  const globs = patterns.filter(isGlob).map(globToRegExp);
  return {
    patterns,
    matches: (model) => exact.has(model) || globs.some((re) => re.test(model)),
  };
}

/**
 * Least privilege across levels (team, consumer, key): a model is allowed only if every level
 * that restricts models allows it. Undefined when no level restricts.
 */
export function intersectModelMatchers(levels: readonly (readonly string[] | undefined)[]): ModelMatcher | undefined {
  const lists = levels.filter((l): l is readonly string[] => l !== undefined);
  if (lists.length === 0) return undefined;
  if (lists.length === 1) return compileModelMatcher(lists[0]!);
  const matchers = lists.map(compileModelMatcher);
  // The reported patterns are the narrowest level's, for the deny reason.
  const narrowest = lists.reduce((a, b) => (b.includes('*') || b.length >= a.length ? a : b));
  return { patterns: narrowest, matches: (model) => matchers.every((m) => m.matches(model)) };
}
