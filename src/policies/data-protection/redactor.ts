import { createHash } from 'node:crypto';
import type { DetectedEntity, EntityType } from '../../detect/index.js';
import type { TextEncoding } from '../../pipeline/response-inspection.js';

export const ACTIONS = ['block', 'redact', 'pseudonymize', 'hash', 'log_only'] as const;
export type Action = (typeof ACTIONS)[number];

/** A placeholder as the redactor writes them: `[EMAIL_1]`, `[CREDIT_CARD_2]`. */
const PLACEHOLDER = /\[[A-Z_]+_\d+\]/g;

/**
 * The replacement state of one Exchange: placeholders are numbered per type across the request
 * and its response (the same value always gets the same name), and the originals behind
 * pseudonyms are kept — in memory, for this Exchange only, never recorded — so that they can be
 * put back into the response.
 */
export class Redactor {
  readonly #names = new Map<string, string>();
  readonly #counters = new Map<EntityType, number>();
  /** placeholder → original value, for pseudonyms only. */
  readonly #originals = new Map<string, string>();

  constructor(private readonly redaction: 'placeholder' | 'mask') {}

  get hasPseudonyms(): boolean {
    return this.#originals.size > 0;
  }

  /** What replaces `value` under `action`; undefined when the text stays (log_only, block). */
  replacement(type: EntityType, action: Action, value: string): string | undefined {
    if (action === 'log_only' || action === 'block') return undefined;
    const label = type.toUpperCase();
    if (action === 'hash') return `[${label}:${createHash('sha256').update(value).digest('hex').slice(0, 12)}]`;
    if (action === 'redact' && this.redaction === 'mask') return '*'.repeat(value.length);
    const key = `${type}\u0000${value}`;
    let name = this.#names.get(key);
    if (name === undefined) {
      const n = (this.#counters.get(type) ?? 0) + 1;
      this.#counters.set(type, n);
      name = `[${label}_${n}]`;
      this.#names.set(key, name);
    }
    if (action === 'pseudonymize') this.#originals.set(name, value);
    return name;
  }

  /**
   * Rewrites `text`: each entity (sorted, non-overlapping ones; the first of two overlapping wins)
   * by its replacement, and — where `restore` is set — every pseudonym placeholder between them by
   * its original (JSON-escaped inside JSON source). Returns the text and how many entities changed.
   */
  rewrite(
    text: string,
    entities: readonly DetectedEntity[],
    actionOf: (type: EntityType) => Action,
    encoding: TextEncoding,
    restore: boolean,
  ): { text: string; rewritten: number; restored: number } {
    let out = '';
    let at = 0;
    let rewritten = 0;
    let restored = 0;
    const keep = (upTo: number): void => {
      if (!restore || this.#originals.size === 0) {
        out += text.slice(at, upTo);
        return;
      }
      out += text.slice(at, upTo).replace(PLACEHOLDER, (placeholder) => {
        const original = this.#originals.get(placeholder);
        if (original === undefined) return placeholder;
        restored++;
        return encoding === 'json' ? JSON.stringify(original).slice(1, -1) : original;
      });
    };
    for (const e of entities) {
      if (e.start < at) continue;
      const replaced = this.replacement(e.type, actionOf(e.type), text.slice(e.start, e.end));
      if (replaced === undefined) continue;
      keep(e.start);
      out += replaced;
      at = e.end;
      rewritten++;
    }
    keep(text.length);
    return { text: out, rewritten, restored };
  }
}
