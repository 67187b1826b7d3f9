/**
 * The abort of one provider attempt (its timeout, the client leaving, shutdown). An AbortController
 * per attempt, with the listeners undici and the Exchange add to it, was a measurable share of a
 * proxied request; this is a reason and a short listener list, with a real AbortSignal made only
 * for a provider that asks for one (the simulator, fetch-based code).
 */
export class AttemptAbort {
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

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    this.#controller?.abort(reason);
    if (listeners !== undefined) for (const listener of listeners) listener(reason);
  }

  /** Calls `listener` with the reason when aborted (now, if already). Returns an unsubscribe. */
  onAbort(listener: (reason: unknown) => void): () => void {
    if (this.#aborted) {
      listener(this.#reason);
      return noop;
    }
    (this.#listeners ??= []).push(listener);
    return () => {
      const list = this.#listeners;
      const i = list === undefined ? -1 : list.indexOf(listener);
      if (i !== -1) list!.splice(i, 1);
    };
  }

  /** A standard AbortSignal following this abort, created on first use. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }
}

function noop(): void {}
