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
