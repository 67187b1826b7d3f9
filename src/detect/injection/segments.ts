/**
 * Splits content that arrives as data into sentence- or line-sized pieces. In data mode one
 * inserted instruction is the signal, and a bag of n-grams over a whole email or table would
 * dilute it: each piece is scored and the highest counts.
 */
const BOUNDARY_RE = /\n+|(?<=[.!?])\s+(?=\S)/;
const MIN_SEGMENT = 24;
/** The longest segment: a longer run of text is cut, at a space if one is in its second half. */
export const MAX_SEGMENT = 400;

// Every boundary is a line feed or follows a sentence's end: without one, the text is one piece.
const MAY_SPLIT = /[\n.!?]/;

export function splitSegments(text: string): string[] {
  const out: string[] = [];
  // A tool result's values are mostly single words, codes and dates (one slot each): the split's
  // look-behind is then most of the cost of reading them.
  if (!MAY_SPLIT.test(text)) {
    const piece = text.trim();
    if (piece.length < MIN_SEGMENT) return piece === '' ? out : [piece];
    cut(piece, out);
    return out;
  }
  let carry = '';
  for (const raw of text.split(BOUNDARY_RE)) {
    const piece = carry ? `${carry} ${raw.trim()}` : raw.trim();
    if (piece.length < MIN_SEGMENT) {
      carry = piece;
      continue;
    }
    carry = '';
    cut(piece, out);
  }
  if (carry) {
    if (out.length > 0 && carry.length < MIN_SEGMENT) out[out.length - 1] += ` ${carry}`;
    else out.push(carry);
  }
  return out;
}

/** A piece in runs of at most MAX_SEGMENT characters, each ending at a space in its second half if one is there. */
function cut(piece: string, out: string[]): void {
  for (let i = 0; i < piece.length; i += MAX_SEGMENT) {
    let end = Math.min(piece.length, i + MAX_SEGMENT);
    if (end < piece.length) {
      const space = piece.lastIndexOf(' ', end);
      if (space > i + MAX_SEGMENT / 2) end = space;
    }
    out.push(piece.slice(i, end));
    i = end - MAX_SEGMENT;
  }
}
