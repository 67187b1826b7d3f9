import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted recursively (by UTF-16 code units, as RFC 8785 does), no
 * whitespace, arrays in order, strings and numbers as JSON.stringify writes them. Object members
 * whose value is undefined are left out and non-finite numbers become null, as in JSON; a value
 * JSON cannot carry (a function, a symbol, a bigint) throws, so two different inputs can never
 * collapse to the same text by being dropped.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set());
}

function write(value: unknown, ancestors: Set<object>): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
  }
  if (ancestors.has(value)) throw new TypeError('canonicalJson: circular structure');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return `[${value.map((item) => write(item, ancestors)).join(',')}]`;
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${write(record[k], ancestors)}`);
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}

/** The parts of a tool definition that are pinned: what a model reads and what it sends. */
export const PINNED_FIELDS = ['name', 'description', 'inputSchema', 'annotations'] as const;

/**
 * SHA-256 (lower-case hex) of the canonical JSON of exactly {name, description, inputSchema,
 * annotations} as the upstream sent them (its own name, not the namespaced one agents see); an
 * absent field counts as null. Other fields (title, outputSchema, _meta, ...) are not pinned.
 */
export function toolFingerprint(tool: Record<string, unknown>): string {
  const known = fingerprints.get(tool);
  if (known !== undefined) return known;
  const pinned: Record<string, unknown> = {};
  for (const field of PINNED_FIELDS) pinned[field] = tool[field] ?? null;
  const hash = createHash('sha256').update(canonicalJson(pinned), 'utf8').digest('hex');
  fingerprints.set(tool, hash);
  return hash;
}

/**
 * Fingerprints by definition object: a tool list is cached, so every tools/call checks the same
 * object, and hashing its canonical JSON each time was most of the pin check. Definitions are
 * read-only once received (a new list from the upstream is new objects).
 */
const fingerprints = new WeakMap<object, string>();
