/**
 * Deadlines for the timeouts every request arms: the request body's, the provider's headers', the
 * answer's idle gap. Node's setTimeout costs a timer-list insertion, a clock read and a removal per
 * use, and refresh() re-inserts; three of those per request, and one refresh per streamed chunk,
 * added up on the proxy path. A long deadline needs no millisecond precision, so those (1 s and
 * more) share one ticker: arming, refreshing or clearing one is a clock read or an array slot, and
 * the ticker fires it on its first turn after the deadline passes, never before, at most
 * RESOLUTION_MS late. Shorter deadlines keep a timer of their own, as precise as setTimeout.
 *
 * A deadline does not keep the process alive by itself (the ticker is unref'd): what it guards is a
 * socket or a request in flight, which does.
 */

/** Deadlines this long or longer share the ticker. */
export const COARSE_FROM_MS = 1000;
/** The ticker's period: how late a shared deadline may fire. */
export const RESOLUTION_MS = 250;

/**
 * The shared deadlines now armed, in no order. Clearing one takes it out at once (the last one
 * moves into its slot): a cleared deadline left for the ticker to drop would keep its request's
 * objects alive past their use, into the old generation.
 */
const listed: Deadline<unknown>[] = [];
let ticker: NodeJS.Timeout | undefined;

function tick(): void {
  const now = performance.now();
  let due: Deadline<unknown>[] | undefined;
  // Backwards: taking one out moves an already-visited one into its slot.
  for (let i = listed.length - 1; i >= 0; i--) {
    const deadline = listed[i]!;
    if (deadline.due <= now) {
      deadline.unlist();
      (due ??= []).push(deadline);
    }
  }
  if (listed.length === 0) stopTicker();
  // Fired after the list is settled: a callback may arm or refresh deadlines. One that throws does
  // not keep the others from firing; its error is rethrown on its own, as a timer's would be.
  if (due !== undefined) {
    for (const deadline of due) {
      try {
        deadline.fire();
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}

function stopTicker(): void {
  clearInterval(ticker);
  ticker = undefined;
}

function fireNative(deadline: { fire(): void }): void {
  deadline.fire();
}

/**
 * Calls `onExpiry(arg)` once `ms` have passed since it was started or last refreshed, unless it is
 * cleared first. Like a Timeout with refresh(), without its per-use cost for long deadlines.
 */
export class Deadline<A> {
  readonly #ms: number;
  readonly #onExpiry: (arg: A) => void;
  readonly #arg: A;
  /** performance.now() at which a shared deadline is due. */
  due = 0;
  #armed = true;
  /** Its slot in `listed` (a shared deadline), -1 when not listed. */
  #index = -1;
  #native: NodeJS.Timeout | undefined;
  #cleared = false;

  constructor(ms: number, onExpiry: (arg: A) => void, arg: A) {
    this.#ms = ms;
    this.#onExpiry = onExpiry;
    this.#arg = arg;
    if (ms < COARSE_FROM_MS) {
      this.#native = setTimeout(fireNative, ms, this).unref();
    } else {
      this.due = performance.now() + ms;
      this.#list();
    }
  }

  /** Starts the wait again from now (and re-arms a deadline that fired or was cleared). */
  refresh(): void {
    this.#armed = true;
    if (this.#native !== undefined) {
      // A cleared Timeout cannot be refreshed (one that fired can): a cleared one is replaced.
      if (!this.#cleared) this.#native.refresh();
      else {
        this.#native = setTimeout(fireNative, this.#ms, this).unref();
        this.#cleared = false;
      }
      return;
    }
    this.due = performance.now() + this.#ms;
    if (this.#index < 0) this.#list();
  }

  /** It will not fire (until refreshed). */
  clear(): void {
    this.#armed = false;
    if (this.#native === undefined) {
      if (this.#index >= 0) this.unlist();
    } else if (!this.#cleared) {
      clearTimeout(this.#native);
      this.#cleared = true;
    }
  }

  /** Expired: calls onExpiry once, unless cleared since. */
  fire(): void {
    if (!this.#armed) return;
    this.#armed = false;
    this.#onExpiry(this.#arg);
  }

  /** Out of `listed` (for the ticker and clear). */
  unlist(): void {
    const last = listed.pop()!;
    if (last !== (this as Deadline<unknown>)) {
      listed[this.#index] = last;
      last.#index = this.#index;
    }
    this.#index = -1;
  }

  #list(): void {
    this.#index = listed.length;
    listed.push(this as Deadline<unknown>);
    if (ticker === undefined) {
      ticker = setInterval(tick, RESOLUTION_MS);
      ticker.unref();
    }
  }
}
