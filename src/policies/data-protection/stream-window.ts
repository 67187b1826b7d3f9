import type { DetectedEntity } from '../../detect/index.js';
import type { TextRewriter } from '../../pipeline/response-inspection.js';

export interface WindowOptions {
  /** Characters always held back at the end of what has arrived, so an entity split across deltas is seen whole. */
  readonly window: number;
  /** A run of non-space text is never cut, unless the channel holds more than this. */
  readonly maxHold: number;
}

/** Released text kept as left context for the detectors (a cue such as "born on" or "api_key="). */
const CONTEXT = 48;
/** Held text must grow this much before a window that could not release tries again (keeps long runs linear). */
const RETRY_STEP = 32;

/**
 * The boundary-safe window of one stream channel. Deltas accumulate; text is released only up to
 * a cut that lies at least `window` characters before the end of what has arrived, never inside a
 * run of non-space characters (an email, a key, a placeholder, a JSON string), and never inside an
 * entity the detectors found across the cut. `settle` rewrites each released segment knowing the
 * entities that lie wholly inside it, so a card number split over three chunks is found whole.
 *
 * The added latency is bounded: a character waits for `window` more characters, plus the rest of
 * the word it is in, plus the rest of an entity that spans the cut — at most `maxHold` characters.
 */
export class SettlingWindow implements TextRewriter {
  #context = '';
  #pending = '';
  /** Offset in the channel's text of `#pending[0]`. */
  #offset = 0;
  /** After a try that could release nothing (a long run), the next try waits for this much pending text. */
  #retryAt = 0;

  constructor(
    private readonly options: WindowOptions,
    private readonly detect: (text: string) => DetectedEntity[],
    /** Rewrites a released segment; entity offsets are relative to it; `offset` places it in the channel. */
    private readonly settle: (segment: string, entities: DetectedEntity[], offset: number) => string,
  ) {}

  push(delta: string): string {
    this.#pending += delta;
    if (this.#pending.length <= this.options.window || this.#pending.length < this.#retryAt) return '';
    return this.#release(false);
  }

  end(): string {
    if (this.#pending === '') return '';
    return this.#release(true);
  }

  #release(final: boolean): string {
    const base = this.#context.length;
    const text = this.#context + this.#pending;
    // Entities that start in the context were decided when it was released.
    const found = this.detect(text).filter((e) => e.start >= base);
    let cut = text.length;
    if (!final) {
      cut = cutPoint(text, text.length - this.options.window, base, found);
      if (cut <= base) {
        if (this.#pending.length < this.options.maxHold) {
          this.#retryAt = this.#pending.length + RETRY_STEP;
          return '';
        }
        // A run longer than maxHold: release it anyway, minus the window.
        cut = text.length - this.options.window;
      }
    }
    const entities: DetectedEntity[] = [];
    for (const e of found) if (e.end <= cut) entities.push({ ...e, start: e.start - base, end: e.end - base });
    entities.sort((a, b) => a.start - b.start);
    const out = this.settle(text.slice(base, cut), entities, this.#offset);
    this.#offset += cut - base;
    this.#context = text.slice(Math.max(0, cut - CONTEXT), cut);
    this.#pending = text.slice(cut);
    return out;
  }
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

/** Moves `cut` back until it is neither inside a non-space run nor inside a found entity. */
function cutPoint(text: string, cut: number, floor: number, found: readonly DetectedEntity[]): number {
  for (;;) {
    while (cut > floor && !isSpace(text.charCodeAt(cut - 1)) && !isSpace(text.charCodeAt(cut))) cut--;
    let moved = false;
    for (const e of found) {
      if (e.start < cut && e.end > cut) {
        cut = e.start;
        moved = true;
      }
    }
    if (!moved || cut <= floor) return Math.max(cut, floor);
  }
}
