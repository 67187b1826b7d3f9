/**
 * A check-only twin of a zod schema, for the request bodies validated on every call. zod's parse
 * builds a copy of every object it accepts (a loose object copies each message, each tool), which
 * the gateway throws away: the parsed body is what is forwarded, not zod's output. `fastCheck`
 * walks the schema once and returns a predicate that allocates nothing. It is a first pass only:
 * when it says no, zod runs and has the final word (and writes the error message); when the schema
 * uses anything it does not know, there is no predicate and zod runs every time.
 *
 * Known: objects (loose, plain or strict), records by string key, arrays, unions, optional, nullable, strings, numbers,
 * booleans, null, enums, literals, unknown/any; the checks min/max length, min/max value,
 * integer formats and refine(). The predicate may be stricter than zod (then zod runs and accepts), never looser.
 */
import type { z } from 'zod';

type Check = (value: unknown) => boolean;

interface Def {
  readonly type: string;
  readonly [key: string]: unknown;
}

const compiled = new WeakMap<object, Check | null>();

/** The predicate for `schema`, or undefined when it uses something this module does not know. */
export function fastCheck(schema: z.ZodType): Check | undefined {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = compile(schema) ?? null;
    compiled.set(schema, check);
  }
  return check ?? undefined;
}

function defOf(schema: unknown): Def | undefined {
  const def = (schema as { _zod?: { def?: Def } } | null)?._zod?.def;
  return typeof def?.type === 'string' ? def : undefined;
}

function compile(schema: unknown): Check | undefined {
  const def = defOf(schema);
  if (def === undefined) return undefined;
  // A check or format carried by the type itself (z.int(), z.email(), z.url()...) or coercion:
  // not known here.
  if (def.check !== undefined || def.format !== undefined || def.pattern !== undefined || def.coerce === true) return undefined;
  const checks = compileChecks(def);
  if (checks === undefined) return undefined;
  const base = compileType(def);
  if (base === undefined) return undefined;
  if (checks.length === 0) return base;
  return (value) => base(value) && checks.every((c) => c(value));
}

function compileType(def: Def): Check | undefined {
  switch (def.type) {
    case 'string':
      return (v) => typeof v === 'string';
    case 'number':
      // zod refuses NaN and the infinities.
      return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'null':
      return (v) => v === null;
    case 'unknown':
    case 'any':
      return () => true;
    case 'enum': {
      const values = Object.values(def.entries as Record<string, unknown>);
      // String enums only: a numeric TS enum's entries hold reverse mappings zod does not accept.
      if (!values.every((v) => typeof v === 'string')) return undefined;
      return (v) => typeof v === 'string' && values.includes(v);
    }
    case 'literal': {
      const values = def.values as readonly unknown[];
      return (v) => values.includes(v);
    }
    case 'optional': {
      const inner = compile(def.innerType);
      return inner && ((v) => v === undefined || inner(v));
    }
    case 'nullable': {
      const inner = compile(def.innerType);
      return inner && ((v) => v === null || inner(v));
    }
    case 'union': {
      // z.xor (exactly one option) is not "any option".
      if (def.inclusive === false) return undefined;
      const options = (def.options as unknown[]).map(compile);
      if (options.some((o) => o === undefined)) return undefined;
      const all = options as Check[];
      return (v) => all.some((o) => o(v));
    }
    case 'array': {
      const element = compile(def.element);
      if (element === undefined) return undefined;
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
        return true;
      };
    }
    case 'object':
      return compileObject(def);
    case 'record': {
      // Only records keyed by any string: keys are strings, so only values are checked.
      const keyDef = defOf(def.keyType);
      if (keyDef?.type !== 'string' || ((keyDef.checks as unknown[] | undefined)?.length ?? 0) > 0) return undefined;
      const value = compile(def.valueType);
      if (value === undefined) return undefined;
      return (v) => {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
        for (const key in v) if (Object.hasOwn(v, key) && !value((v as Record<string, unknown>)[key])) return false;
        return true;
      };
    }
    default:
      return undefined;
  }
}

function compileObject(def: Def): Check | undefined {
  const shape = def.shape as Record<string, unknown>;
  const keys = Object.keys(shape);
  const fields = keys.map((key) => compile(shape[key]));
  if (fields.some((f) => f === undefined)) return undefined;
  const checks = fields as Check[];
  // No catchall: unknown keys are stripped (accepted); unknown/any: kept (accepted); never: refused.
  const catchall = def.catchall === undefined ? undefined : defOf(def.catchall);
  if (catchall !== undefined && catchall.type !== 'unknown' && catchall.type !== 'any' && catchall.type !== 'never') return undefined;
  const strict = catchall?.type === 'never';
  const known = new Set(keys);
  return (v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
    const record = v as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) if (!checks[i]!(record[keys[i]!])) return false;
    if (strict) for (const key in record) if (!known.has(key)) return false;
    return true;
  };
}

/** The value checks of a string, number or array (length and range); undefined for any other kind. */
function compileChecks(def: Def): Check[] | undefined {
  const list = (def.checks as unknown[] | undefined) ?? [];
  const out: Check[] = [];
  for (const item of list) {
    const check = (item as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (check === undefined) return undefined;
    switch (check.check) {
      case 'min_length': {
        const min = check.minimum as number;
        out.push((v) => (v as { length: number }).length >= min);
        break;
      }
      case 'max_length': {
        const max = check.maximum as number;
        out.push((v) => (v as { length: number }).length <= max);
        break;
      }
      case 'greater_than': {
        const bound = check.value as number;
        out.push(check.inclusive === true ? (v) => (v as number) >= bound : (v) => (v as number) > bound);
        break;
      }
      case 'less_than': {
        const bound = check.value as number;
        out.push(check.inclusive === true ? (v) => (v as number) <= bound : (v) => (v as number) < bound);
        break;
      }
      case 'custom': {
        // A refine(): its function gets the parsed value, which for the shapes known here is the
        // input itself. Anything but a plain true (false, a promise) leaves the decision to zod.
        const fn = check.fn;
        if (typeof fn !== 'function') return undefined; // superRefine / check(): not a plain predicate
        out.push((v) => {
          try {
            return fn(v) === true;
          } catch {
            return false;
          }
        });
        break;
      }
      case 'number_format':
        if (check.format === 'safeint') out.push((v) => Number.isSafeInteger(v));
        else return undefined;
        break;
      default:
        return undefined;
    }
  }
  return out;
}
