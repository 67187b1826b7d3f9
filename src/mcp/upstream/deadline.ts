import { Abort, type AbortLike } from '../../pipeline/abort.js';
import { Deadline as Timer } from '../../pipeline/deadline.js';

/**
 * One request's time limit and the caller's abort, as one abort undici takes as its `signal`;
 * afterwards it says which of the two fired, so the failure is reported as a timeout or re-thrown
 * as the abort. (An Abort, not an AbortController: see src/pipeline/abort.ts.)
 */
export class Deadline extends Abort {
  readonly #caller: AbortLike | undefined;
  readonly #onCallerAbort = (): void => this.abort(this.#caller?.reason);
  readonly #timer: Timer<Deadline>;
  readonly #ms: number;
  #timedOut = false;

  constructor(ms: number, caller?: AbortLike) {
    super();
    this.#caller = caller;
    if (caller?.aborted) this.abort(caller.reason);
    else caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
    // A shared ticker's slot rather than a Node timer per call (src/pipeline/deadline.ts).
    this.#timer = new Timer<Deadline>(ms, expire, this);
    this.#ms = ms;
  }

  /** The time limit passed. */
  expired(): void {
    this.#timedOut = true;
    this.abort(new Error(`No answer within ${this.#ms} ms.`));
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** True when the caller aborted (not the time limit). */
  get callerAborted(): boolean {
    return this.#caller?.aborted === true && !this.#timedOut;
  }

  /** The caller's abort reason, for re-throwing. */
  abortReason(): unknown {
    return this.#caller?.reason ?? new DOMException('The operation was aborted.', 'AbortError');
  }

  /** Stops the clock and forgets the caller's signal. */
  dispose(): void {
    this.#timer.clear();
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }
}

function expire(deadline: Deadline): void {
  deadline.expired();
}

/** Resolves after `ms`, or rejects when `signal` aborts. */
export function delay(ms: number, signal?: AbortLike): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
