/**
 * The text view: the list of text slots of a request (or response) that a policy may read or
 * rewrite, whatever the wire format. Detectors see `TextSlot.text`; a policy that redacts calls
 * `set`, which writes into the parsed body and marks the Exchange's body as changed.
 */
import type { TextEncoding } from '../../pipeline/response-inspection.js';
import { isJsonObject } from './json-object.js';
import type { TextFacts } from '../../detect/text-facts.js';

export type SlotKind = 'system' | 'user' | 'assistant' | 'tool_call' | 'tool_result' | 'input' | 'output';

export interface TextSlot {
  readonly kind: SlotKind;
  /** Position in the format's list (message index, input index). */
  readonly index: number;
  readonly text: string;
  /** 'json' when the text is JSON source (tool-call arguments sent as a string); plain text otherwise. */
  readonly encoding: TextEncoding;
  /**
   * What a policy's detectors learnt of `text` for the policies after it (detect/text-facts.ts: the
   * injection classifier's pass, read by the PII and secret detectors). `set` drops them.
   */
  facts: TextFacts | undefined;
  set(text: string): void;
}

export interface TextView {
  readonly slots: readonly TextSlot[];
}

/** A slot over `holder[key]` (an object's field or an array's element) that reports rewrites. */
export function fieldSlot(
  kind: SlotKind,
  index: number,
  holder: Record<string, unknown> | unknown[],
  key: string | number,
  onChange: () => void,
  encoding: TextEncoding = 'text',
): TextSlot {
  return new FieldSlot(kind, index, holder as Record<string | number, unknown>, key, onChange, encoding);
}

// A class rather than an object literal with a getter: a literal with an accessor is built in
// dictionary mode, slow to create and to read, and every request builds a few of these.
class FieldSlot implements TextSlot {
  facts: TextFacts | undefined = undefined;

  constructor(
    readonly kind: SlotKind,
    readonly index: number,
    private readonly holder: Record<string | number, unknown>,
    private readonly key: string | number,
    private readonly onChange: () => void,
    readonly encoding: TextEncoding,
  ) {}

  get text(): string {
    return this.holder[this.key] as string;
  }

  set(text: string): void {
    this.holder[this.key] = text;
    this.facts = undefined;
    this.onChange();
  }
}

/** A slot for every string inside `value` (objects and arrays, recursively), e.g. a tool call's input. */
export function stringLeaves(value: unknown, kind: SlotKind, index: number, slots: TextSlot[], onChange: () => void): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (typeof item === 'string') slots.push(fieldSlot(kind, index, value, i, onChange));
      else stringLeaves(item, kind, index, slots, onChange);
    });
  } else if (isJsonObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === 'string') slots.push(fieldSlot(kind, index, value, key, onChange));
      else stringLeaves(item, kind, index, slots, onChange);
    }
  }
}
