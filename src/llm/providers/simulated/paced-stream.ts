/**
 * The timing and fault side of a simulated SSE stream, shared by every streamed format: the
 * opening events after ttftMs, content paced at tokensPerSecond, and a stream_cut / stream_corrupt
 * that stops after a number of content events. A format only decides what its events are.
 */
import { sleep } from './response.js';

export interface StreamOptions {
  readonly ttftMs: number;
  readonly tokensPerSecond: number;
  /** Stop after this many content events; `corrupt` first sends an event that is not JSON. */
  readonly cut?: { readonly afterChunks: number; readonly corrupt: boolean } | undefined;
}

export interface PacedEvent {
  readonly bytes: Uint8Array;
  /** Tokens this event stands for, for pacing. */
  readonly tokens: number;
  /** Whether it counts as one of a cut's `afterChunks` (text and argument deltas do; framing does not). */
  readonly content: boolean;
}

export interface EventPlan {
  /** Sent at once after ttftMs, even when the stream is cut (the role chunk, message_start...). */
  readonly head: readonly Uint8Array[];
  /** Paced; a cut stops before the first event that follows its last content event. */
  readonly body: readonly PacedEvent[];
  /** The end of a complete stream (finish, usage, [DONE] / message_delta, message_stop). */
  readonly tail: readonly Uint8Array[];
  /** What stream_corrupt sends before ending: an event whose data is not valid JSON. */
  readonly corrupt: Uint8Array;
}

/** The SSE bytes of `plan`, paced and cut as `options` say. Stops quietly when `signal` aborts. */
export async function* pacedEvents(plan: EventPlan, options: StreamOptions, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const { cut } = options;
  await sleep(options.ttftMs, signal);
  yield* plan.head;
  const start = performance.now();
  let tokensSent = 0;
  let contentSent = 0;
  for (const event of plan.body) {
    if (cut !== undefined && contentSent === cut.afterChunks) break;
    if (options.tokensPerSecond > 0 && event.tokens > 0) {
      tokensSent += event.tokens;
      await sleep(start + (tokensSent * 1000) / options.tokensPerSecond - performance.now(), signal);
    }
    yield event.bytes;
    if (event.content) contentSent += 1;
  }
  if (cut !== undefined) {
    if (cut.corrupt) yield plan.corrupt;
    return;
  }
  yield* plan.tail;
}

/** Text as streams split it: one piece per word with its leading space, trailing space kept. */
export function wordPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/gu) ?? [];
}

/** JSON text in fragments of a few code points, as tool arguments are streamed. */
export function jsonFragments(json: string, size = 6): string[] {
  const points = Array.from(json);
  const out: string[] = [];
  for (let i = 0; i < points.length; i += size) out.push(points.slice(i, i + size).join(''));
  return out;
}
