/**
 * A global scan of a costly pattern, tried only near the places where a cheap one matches.
 *
 * Cue phrases and key-context patterns (`my name is`, `api_key = …`) are case-insensitive
 * alternations that V8 tries at every position of the text: ~10 µs for 4 KB. Every match of such a
 * pattern contains one of a few words (`name`, `key`…) at most `reach` characters after its start,
 * and those words are found in one quick pass. The pattern is then tried, sticky, only at the
 * positions from `reach` before each word up to the word: the same matches, in the same order, as
 * scanning the whole text, because no match can start anywhere else.
 */
export interface AnchoredPattern {
  /** Global: the words every match contains (same case flags as the pattern). */
  readonly anchor: RegExp;
  /** A match starts at most this many characters before the anchor word it contains. */
  readonly reach: number;
  /** The pattern, sticky (see `anchored`). */
  readonly sticky: RegExp;
}

export function anchored(pattern: RegExp, anchor: RegExp, reach: number): AnchoredPattern {
  if (!anchor.global) throw new Error('anchored: the anchor must be global');
  return { anchor, reach, sticky: new RegExp(pattern.source, pattern.flags.replace('g', '') + 'y') };
}

/** Calls `onMatch` for each match a global scan of the pattern would find, in order. */
export function scanAnchored(text: string, p: AnchoredPattern, onMatch: (m: RegExpExecArray) => void): void {
  const { anchor, reach, sticky } = p;
  let from = 0; // the first position not tried yet (and not inside a match already found)
  anchor.lastIndex = 0;
  for (let a = anchor.exec(text); a !== null; a = anchor.exec(text)) {
    // One anchor word per position: overlapping words ("secretoken") must each be seen.
    anchor.lastIndex = a.index + 1;
    for (let at = Math.max(from, a.index - reach); at <= a.index; at++) {
      sticky.lastIndex = at;
      const m = sticky.exec(text);
      from = at + 1;
      if (m !== null) {
        onMatch(m);
        // No pattern used here matches the empty string; the next match starts after this one.
        from = at + m[0].length;
        at = from - 1;
      }
    }
  }
}
