/**
 * User-supplied regular expressions run on every request, so they must not be able to hang the
 * gateway: JavaScript's engine backtracks, and a pattern such as `(a+)+$` takes exponential time
 * on a crafted input. Instead of running patterns under a timer, patterns that can backtrack
 * catastrophically are refused when the configuration loads:
 * - a quantified group that contains a quantifier or an alternation (`(a+)+`, `(a|ab)*`),
 * - backreferences and lookbehinds (their cost is not bounded by the input length alone),
 * - patterns longer than 500 characters.
 * What remains runs in time polynomial (in practice linear) in the input.
 */
export const MAX_PATTERN_LENGTH = 500;

/** Why the pattern is refused, or undefined when it is safe to run. */
export function unsafePatternReason(source: string): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(source, 'u');
  } catch (err) {
    return `not a valid regular expression: ${(err as Error).message}`;
  }
  if (/\\[1-9]|\\k</.test(source)) return 'backreferences are not allowed';
  if (source.includes('(?<=') || source.includes('(?<!')) return 'lookbehinds are not allowed';
  // Walk the groups: remember, for each open group, whether it holds a quantifier or an alternation.
  const stack: { risky: boolean }[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') {
      // Skip a character class: quantifiers inside it are literal.
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
      continue;
    }
    if (c === '(') {
      stack.push({ risky: false });
      continue;
    }
    if (c === '|' && stack.length > 0) stack[stack.length - 1]!.risky = true;
    const quantifier = c === '*' || c === '+' || c === '?' || c === '{';
    if (quantifier && stack.length > 0 && !(c === '?' && source[i - 1] === '(')) stack[stack.length - 1]!.risky = true;
    if (c === ')') {
      const group = stack.pop();
      const next = source[i + 1];
      if (group?.risky === true && (next === '*' || next === '+' || next === '{')) {
        return 'a repeated group may not contain a quantifier or an alternation (catastrophic backtracking)';
      }
      // A group that holds a quantifier makes its enclosing group risky too.
      if (group?.risky === true && stack.length > 0) stack[stack.length - 1]!.risky = true;
    }
  }
  return undefined;
}
