/**
 * A cancellation: an attempt's timeout, the client leaving, shutdown, an MCP cancel notification.
 *
 * An AbortController per request, with the EventTarget listeners undici and our own code add to
 * it, was a measurable share of a proxied request (bench/). This is a reason and a short listener
 * list. It has the part of AbortSignal's surface that undici's `signal` option and our code use
 * (`aborted`, `reason`, `addEventListener`/`removeEventListener` for "abort"), and a real
 * AbortSignal is made only for code that needs one (fetch-based providers, the simulator).
 */
export class Abort implements AbortLike {
  #aborted = false;
  #reason: unknown;
  #listeners: ((reason: unknown) => void)[] | undefined;
  #controller: AbortController | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** Aborts once; without a reason, the reason is an AbortError as AbortController gives. */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    this.#controller?.abort(this.#reason);
    if (listeners !== undefined) for (const listener of listeners) listener(this.#reason);
  }

  /** Calls `listener` with the reason when aborted (now, if already). Returns an unsubscribe. */
  onAbort(listener: (reason: unknown) => void): () => void {
    if (this.#aborted) {
      listener(this.#reason);
      return noop;
    }
    (this.#listeners ??= []).push(listener);
    return () => this.#remove(listener);
  }

  /** EventTarget's form, for undici and code written against AbortSignal: called once, on abort. */
  addEventListener(type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (type === 'abort' && !this.#aborted) (this.#listeners ??= []).push(listener);
  }

  removeEventListener(type: 'abort', listener: () => void): void {
    if (type === 'abort') this.#remove(listener);
  }

  /** A standard AbortSignal following this abort, created on first use. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  #remove(listener: (reason: unknown) => void): void {
    const list = this.#listeners;
    const i = list === undefined ? -1 : list.indexOf(listener);
    if (i !== -1) list!.splice(i, 1);
  }
}

/**
 * What code that only watches for a cancellation needs: an AbortSignal fits, and so does Abort.
 * undici's `signal` option takes any object with these (it documents "an EventEmitter or EventTarget").
 */
export interface AbortLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

function noop(): void {}
