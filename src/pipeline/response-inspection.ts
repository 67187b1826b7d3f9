/**
 * Inspect-out: how a policy reads and rewrites the text of a response, whatever its wire format and
 * whether it arrives whole or streamed.
 *
 * A policy that inspects responses registers a ResponseInspector on the Exchange during a request
 * phase (it knows then what it did to the request: pseudonyms to restore, for example). The surface
 * applies every registered inspector, in registration order, to the response's text slots:
 *  - a JSON response: `rewrite` once per slot;
 *  - a stream: one `open` per text channel (a choice's content, a content block, a tool call's
 *    arguments), fed with the deltas as they pass. A channel may hold text back (a window, so that
 *    an entity split across chunks is still seen whole) and release it later; `end` releases the rest.
 * Throwing a GatehouseError from any of these stops the response (a JSON response becomes that
 * error; a stream ends with it in-band) — that is how a response-side block works.
 */

/** How a slot's text is written: plain text, or JSON source (tool-call arguments as a string). */
export type TextEncoding = 'text' | 'json';

/** One stream channel's text, as it passes. */
export interface TextRewriter {
  /** Feeds a delta; returns the text that may be released now ('' to hold everything back). */
  push(delta: string): string;
  /** The channel ended: returns everything still held. */
  end(): string;
}

export interface ResponseInspector {
  /** A whole text slot of a JSON response; `slot` numbers the response's slots. */
  rewrite(text: string, encoding: TextEncoding, slot: number): string;
  /** A stream channel; `channel` numbers the channels in the order they appear. */
  open(encoding: TextEncoding, channel: number): TextRewriter;
}

/** Several inspectors as one: each sees the output of the one registered before it. */
export function composeInspectors(inspectors: readonly ResponseInspector[]): ResponseInspector {
  if (inspectors.length === 1) return inspectors[0]!;
  return {
    rewrite(text, encoding, slot) {
      let out = text;
      for (const inspector of inspectors) out = inspector.rewrite(out, encoding, slot);
      return out;
    },
    open(encoding, channel) {
      const stages = inspectors.map((i) => i.open(encoding, channel));
      return {
        push(delta) {
          let out = delta;
          for (const stage of stages) {
            out = stage.push(out);
            if (out === '') return '';
          }
          return out;
        },
        end() {
          let out = '';
          for (const stage of stages) out = stage.push(out) + stage.end();
          return out;
        },
      };
    },
  };
}
