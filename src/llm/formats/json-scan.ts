/**
 * One pass over a JSON request body's bytes (already known to parse) that finds what the gateway
 * needs without walking the parsed tree: how deeply it nests, and where the top-level `model`
 * member's string value sits, so a route that renames the model can splice the new id into the
 * bytes instead of re-serialising the whole conversation.
 */
export interface JsonScan {
  /** Byte offsets of the top-level "model" value, quotes included (-1 when absent or written with escapes). */
  readonly modelStart: number;
  readonly modelEnd: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const MODEL_KEY = Buffer.from('"model"');

/** Scans `json`; undefined when it nests deeper than `maxDepth` (objects and arrays). */
export function scanJson(json: Buffer, maxDepth: number): JsonScan | undefined {
  let depth = 0;
  let modelStart = -1;
  let modelEnd = -1;
  // At depth 1: the last string seen was the key "model" and a colon followed; the next string is its value.
  let lastKeyIsModel = false;
  let expectModelValue = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === QUOTE) {
      const start = i;
      for (i++; i < json.length; i++) {
        const s = json[i];
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
      if (depth !== 1) continue;
      if (expectModelValue) {
        modelStart = start;
        modelEnd = i + 1;
        expectModelValue = false;
      } else {
        lastKeyIsModel = i + 1 - start === MODEL_KEY.length && json.compare(MODEL_KEY, 0, MODEL_KEY.length, start, i + 1) === 0;
      }
    } else if (c === COLON) {
      expectModelValue = depth === 1 && lastKeyIsModel;
      lastKeyIsModel = false;
    } else if (c === COMMA) {
      // A model that was not a string (the schema refuses it later) must not capture the next key.
      if (depth === 1) expectModelValue = false;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > maxDepth) return undefined;
      expectModelValue = false;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return { modelStart, modelEnd };
}

/** The body with the top-level model replaced, or undefined when the scan did not locate it. */
export function withModel(json: Buffer, scan: JsonScan, model: string): Buffer | undefined {
  if (scan.modelStart < 0) return undefined;
  return Buffer.concat([json.subarray(0, scan.modelStart), Buffer.from(JSON.stringify(model)), json.subarray(scan.modelEnd)]);
}
