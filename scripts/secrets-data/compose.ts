/** Texts with gold spans: `doc` is a tagged template in which `gold(value, rule)` marks a secret. */

export interface GoldSpan {
  /** UTF-16 offsets of the secret value, end exclusive. */
  readonly start: number;
  readonly end: number;
  /** The rule that should report it (`detector` of a DetectedEntity). */
  readonly rule: string;
}

export interface Composed {
  readonly text: string;
  readonly gold: GoldSpan[];
}

export class Gold {
  constructor(
    readonly value: string,
    readonly rule: string,
  ) {}
}

export const gold = (value: string, rule: string): Gold => new Gold(value, rule);

export function doc(strings: TemplateStringsArray, ...parts: Array<string | number | Gold>): Composed {
  let text = strings[0];
  const spans: GoldSpan[] = [];
  parts.forEach((p, i) => {
    if (p instanceof Gold) {
      spans.push({ start: text.length, end: text.length + p.value.length, rule: p.rule });
      text += p.value;
    } else {
      text += String(p);
    }
    text += strings[i + 1];
  });
  return { text, gold: spans };
}

/**
 * The text as the `content` of a file-writing tool call, i.e. escaped once inside JSON source:
 * what a detector sees in a tool-call arguments slot (TextSlot encoding 'json'). Gold spans move
 * to match.
 */
export function asToolCallArguments(c: Composed, path: string): Composed {
  const esc = (s: string): string => JSON.stringify(s).slice(1, -1);
  let text = `{"path":"${path}","content":"`;
  const spans: GoldSpan[] = [];
  let at = 0;
  for (const g of [...c.gold].sort((a, b) => a.start - b.start)) {
    text += esc(c.text.slice(at, g.start));
    const value = esc(c.text.slice(g.start, g.end));
    spans.push({ start: text.length, end: text.length + value.length, rule: g.rule });
    text += value;
    at = g.end;
  }
  text += `${esc(c.text.slice(at))}","overwrite":true}`;
  return { text, gold: spans };
}
