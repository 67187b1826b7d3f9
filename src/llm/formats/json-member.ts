/**
 * Checks that a body is one JSON object, exactly as JSON.parse would judge its UTF-8 text, without
 * building it, and finds where one top-level member's value sits. A provider's non-streamed answer
 * that nothing rewrites is forwarded as received: the gateway needs only to know it is a JSON object
 * (a cut or garbled 200 is refused, not passed on) and to read its `usage`. Parsing the whole answer
 * for that built every object and string of it, the largest piece of work left on that path.
 */

export interface ObjectMember {
  /** Byte offsets of the last top-level value of the member, or -1 when the object has none. */
  readonly start: number;
  readonly end: number;
  /**
   * Some top-level key is written with escapes (`"us\u0061ge"`), so it may be the member spelt
   * another way, and the offsets are not the final word: parse the whole body to be exact.
   */
  readonly escapedKey: boolean;
}

export type ObjectScan = ObjectMember | 'not_json' | 'not_object';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** `\` may be followed by these (then `u` takes four hex digits). */
const ESCAPES = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPES[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Where the top-level member named `key` (its JSON string form, quotes included, without escapes)
 * has its value, if `bytes` is a JSON object; 'not_object' for other JSON, 'not_json' otherwise.
 * A UTF-8 BOM is not JSON, as for JSON.parse. Invalid UTF-8 inside strings is accepted, as
 * JSON.parse accepts the replacement characters Buffer#toString makes of it.
 */
export function scanObjectMember(bytes: Uint8Array, key: Uint8Array): ObjectScan {
  const n = bytes.length;
  let i = skipSpace(bytes, 0);
  if (i >= n) return 'not_json';
  if (bytes[i] !== OPEN_OBJECT) {
    const end = skipValue(bytes, i);
    return end >= 0 && skipSpace(bytes, end) === n ? 'not_object' : 'not_json';
  }
  // Containers open above the top-level object: 1 = object, 2 = array.
  const stack: number[] = [];
  let start = -1;
  let end = -1;
  let escapedKey = false;
  i = skipSpace(bytes, i + 1);
  if (bytes[i] === CLOSE_OBJECT) return skipSpace(bytes, i + 1) === n ? { start, end, escapedKey } : 'not_json';
  for (;;) {
    // A member of the top-level object: "key" : value
    if (bytes[i] !== QUOTE) return 'not_json';
    const keyEnd = skipString(bytes, i);
    if (keyEnd < 0) return 'not_json';
    const isKey = keyEnd - i === key.length && sameBytes(bytes, i, key);
    if (!escapedKey && hasByte(bytes, BACKSLASH, i + 1, keyEnd - 1)) escapedKey = true;
    i = skipSpace(bytes, keyEnd);
    if (bytes[i] !== COLON) return 'not_json';
    i = skipSpace(bytes, i + 1);
    const valueStart = i;
    i = skipNested(bytes, i, stack);
    if (i < 0) return 'not_json';
    if (isKey) {
      start = valueStart;
      end = i;
    }
    i = skipSpace(bytes, i);
    const c = bytes[i];
    if (c === COMMA) {
      i = skipSpace(bytes, i + 1);
      continue;
    }
    if (c !== CLOSE_OBJECT) return 'not_json';
    return skipSpace(bytes, i + 1) === n ? { start, end, escapedKey } : 'not_json';
  }
}

function hasByte(bytes: Uint8Array, byte: number, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (bytes[k] === byte) return true;
  return false;
}

function sameBytes(bytes: Uint8Array, at: number, key: Uint8Array): boolean {
  for (let k = 0; k < key.length; k++) if (bytes[at + k] !== key[k]) return false;
  return true;
}

function skipSpace(bytes: Uint8Array, i: number): number {
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  return i;
}

/** The end of the string starting at `i` (a quote), or -1. */
function skipString(bytes: Uint8Array, i: number): number {
  const n = bytes.length;
  for (i++; i < n; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      const e = bytes[++i];
      if (e === undefined) return -1;
      if (e === 0x75) {
        if (i + 4 >= n || !HEX[bytes[i + 1]!] || !HEX[bytes[i + 2]!] || !HEX[bytes[i + 3]!] || !HEX[bytes[i + 4]!]) return -1;
        i += 4;
      } else if (!ESCAPES[e]) return -1;
    }
  }
  return -1;
}

function skipDigits(bytes: Uint8Array, i: number): number {
  while (i < bytes.length && bytes[i]! >= ZERO && bytes[i]! <= NINE) i++;
  return i;
}

/** The end of the number starting at `i`, or -1. */
function skipNumber(bytes: Uint8Array, i: number): number {
  if (bytes[i] === MINUS) i++;
  const c = bytes[i];
  if (c === ZERO) i++;
  else if (c !== undefined && c > ZERO && c <= NINE) i = skipDigits(bytes, i + 1);
  else return -1;
  if (bytes[i] === DOT) {
    const from = i + 1;
    i = skipDigits(bytes, from);
    if (i === from) return -1;
  }
  if (bytes[i] === LOWER_E || bytes[i] === UPPER_E) {
    i++;
    if (bytes[i] === PLUS || bytes[i] === MINUS) i++;
    const from = i;
    i = skipDigits(bytes, from);
    if (i === from) return -1;
  }
  return i;
}

function skipLiteral(bytes: Uint8Array, i: number, word: readonly number[]): number {
  for (let k = 0; k < word.length; k++) if (bytes[i + k] !== word[k]) return -1;
  return i + word.length;
}

/** The end of a scalar value at `i`, or -1 (also for `{` and `[`: skipNested handles those). */
function skipScalar(bytes: Uint8Array, i: number): number {
  const c = bytes[i];
  if (c === QUOTE) return skipString(bytes, i);
  if (c === 0x74) return skipLiteral(bytes, i, TRUE);
  if (c === 0x66) return skipLiteral(bytes, i, FALSE);
  if (c === 0x6e) return skipLiteral(bytes, i, NULL);
  return skipNumber(bytes, i);
}

/** The end of any JSON value at `i` (the top level of a body that is not an object), or -1. */
function skipValue(bytes: Uint8Array, i: number): number {
  return skipNested(bytes, i, []);
}

/**
 * The end of the value at `i`, nested containers included, or -1. Iterative (`stack` holds the
 * open containers), so a hostile depth costs memory, not the call stack.
 */
function skipNested(bytes: Uint8Array, i: number, stack: number[]): number {
  const base = stack.length;
  for (;;) {
    // A value is expected at i.
    const c = bytes[i];
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const object = c === OPEN_OBJECT;
      i = skipSpace(bytes, i + 1);
      if (bytes[i] === (object ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        i++;
      } else {
        stack.push(object ? 1 : 2);
        if (object) {
          i = skipKey(bytes, i);
          if (i < 0) return -1;
        }
        continue;
      }
    } else {
      i = skipScalar(bytes, i);
      if (i < 0) return -1;
    }
    // A value ended at i: close containers, or move to the next element.
    for (;;) {
      if (stack.length === base) return i;
      i = skipSpace(bytes, i);
      const d = bytes[i];
      const object = stack[stack.length - 1] === 1;
      if (d === COMMA) {
        i = skipSpace(bytes, i + 1);
        if (object) {
          i = skipKey(bytes, i);
          if (i < 0) return -1;
        }
        break;
      }
      if (d !== (object ? CLOSE_OBJECT : CLOSE_ARRAY)) return -1;
      stack.pop();
      i++;
    }
  }
}

/** Past `"key" :` and the spaces after it, at the member's value; -1 when malformed. */
function skipKey(bytes: Uint8Array, i: number): number {
  if (bytes[i] !== QUOTE) return -1;
  i = skipString(bytes, i);
  if (i < 0) return -1;
  i = skipSpace(bytes, i);
  if (bytes[i] !== COLON) return -1;
  return skipSpace(bytes, i + 1);
}
