/**
 * Which of many fixed strings (the rules' hints: `ghp_`, `sk-`, `eyJ`, `AccountKey=`…) occur in a
 * text, in one pass per anchor character instead of one `includes` per hint. Each hint is anchored
 * on its rarest character in ordinary prose (`-`, `_`, `=`, an upper-case letter), and only the
 * places where that character occurs are compared. `includes('eyJ')` scans every `e` of a 4 KB
 * prompt; looking at each `J` is a few memchr calls.
 */

// Rough frequency (%) of characters in English prose; anything unlisted counts as rare.
const LOWER_FREQUENCY = 'etaoinshrdlcumwfgypbvkjxqz';
function commonness(c: string): number {
  if (c === ' ') return 20;
  const i = LOWER_FREQUENCY.indexOf(c);
  if (i >= 0) return 26 - i;
  if (c === '.' || c === ',') return 6;
  if (c >= 'A' && c <= 'Z') return 'AITSWHCOM'.includes(c) ? 3 : 1;
  return 0.5;
}

export class HintFinder {
  /** anchor character → the hints anchored on it, with the anchor's offset in each */
  private readonly byAnchor: ReadonlyArray<{ anchor: string; hints: ReadonlyArray<{ bit: number; hint: string; offset: number }> }>;

  /** At most 31 distinct hints: a text's hints are returned as a bit mask, bit i for hints[i]. */
  constructor(readonly hints: readonly string[]) {
    if (hints.length > 31) throw new Error('HintFinder: at most 31 hints');
    const groups = new Map<string, { bit: number; hint: string; offset: number }[]>();
    hints.forEach((hint, i) => {
      if (hint.length === 0) throw new Error('HintFinder: empty hint');
      let offset = 0;
      for (let k = 1; k < hint.length; k++) if (commonness(hint[k]) < commonness(hint[offset])) offset = k;
      const anchor = hint[offset];
      if (!groups.has(anchor)) groups.set(anchor, []);
      groups.get(anchor)!.push({ bit: 1 << i, hint, offset });
    });
    this.byAnchor = [...groups].map(([anchor, hs]) => ({ anchor, hints: hs }));
  }

  /** Bit i is set when hints[i] occurs in text. */
  find(text: string): number {
    let found = 0;
    for (const { anchor, hints } of this.byAnchor) {
      for (let at = text.indexOf(anchor); at !== -1; at = text.indexOf(anchor, at + 1)) {
        for (let j = 0; j < hints.length; j++) {
          const h = hints[j];
          if ((found & h.bit) === 0 && at >= h.offset && text.startsWith(h.hint, at - h.offset)) found |= h.bit;
        }
      }
    }
    return found;
  }

  /** The mask of these hints (which must be among the finder's). */
  maskOf(hints: readonly string[]): number {
    let mask = 0;
    for (const h of hints) {
      const i = this.hints.indexOf(h);
      if (i < 0) throw new Error(`HintFinder: unknown hint ${h}`);
      mask |= 1 << i;
    }
    return mask;
  }
}
