import type { ResponseInspector, TextEncoding, TextRewriter } from '../../pipeline/response-inspection.js';

interface Channel {
  readonly rewriter: TextRewriter;
  readonly encoding: TextEncoding;
  /** Everything released so far, kept only where a format repeats the whole text at the end. */
  released: string;
}

/**
 * The text channels of one streamed response (a choice's content, a content block, a tool call's
 * arguments), each behind its own window. Keys are the format's own (`c0`, `t0.1`, `3`...).
 */
export class Channels {
  readonly #open = new Map<string, Channel>();
  readonly #closed = new Map<string, string>();
  #count = 0;

  constructor(
    private readonly inspector: ResponseInspector,
    /** Whether to keep each channel's released text (Responses repeats it in its `done` events). */
    private readonly keepReleased = false,
  ) {}

  /** The released part of `delta` on channel `key`, opening the channel on first use. */
  push(key: string, encoding: TextEncoding, delta: string): string {
    let channel = this.#open.get(key);
    if (channel === undefined) {
      channel = { rewriter: this.inspector.open(encoding, this.#count++), encoding, released: '' };
      this.#open.set(key, channel);
    }
    const out = channel.rewriter.push(delta);
    if (this.keepReleased) channel.released += out;
    return out;
  }

  has(key: string): boolean {
    return this.#open.has(key);
  }

  /** The encoding of open channel `key`. */
  encodingOf(key: string): TextEncoding | undefined {
    return this.#open.get(key)?.encoding;
  }

  /** Ends channel `key` (if open): returns what it still held ('' if nothing). */
  end(key: string): string {
    const channel = this.#open.get(key);
    if (channel === undefined) return '';
    const out = channel.rewriter.end();
    if (this.keepReleased) channel.released += out;
    this.#open.delete(key);
    if (this.keepReleased) this.#closed.set(key, channel.released);
    return out;
  }

  /** The whole released text of an ended channel (keepReleased only). */
  released(key: string): string | undefined {
    return this.#closed.get(key) ?? this.#open.get(key)?.released;
  }

  /** The keys still open, in the order they were opened. */
  openKeys(): string[] {
    return [...this.#open.keys()];
  }

  /**
   * The text the client was sent on channel `key`; for a text that never streamed as deltas (a
   * format's final snapshot of it), `text` inspected whole — once, then remembered.
   */
  finalText(key: string, text: string, encoding: TextEncoding): string {
    const released = this.released(key);
    if (released !== undefined) return released;
    const whole = this.inspector.rewrite(text, encoding, this.#count++);
    this.#closed.set(key, whole);
    return whole;
  }
}
