/**
 * ${ENV} interpolation over a parsed YAML tree. Only string scalars are touched, after parsing, so
 * an environment value can never change the file's structure. Syntax:
 *   ${NAME}            the variable; an error if it is unset
 *   ${NAME:-default}   the default when NAME is unset or empty
 *   $${                a literal "${"
 * A string that is exactly one ${...} whose value looks like a number or a boolean becomes that
 * number or boolean, so `port: ${PORT:-8080}` is a number. (Where the schema wants a string, e.g. an
 * all-digit key, load.ts gives the text back: see `coercions`.)
 */
export interface InterpolationError {
  readonly path: (string | number)[];
  readonly message: string;
}

/** A whole-string ${...} that became a number or boolean, with its text (for fields that want a string). */
export interface Coercion {
  readonly path: (string | number)[];
  readonly text: string;
}

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

export function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  errors: InterpolationError[],
  path: (string | number)[] = [],
  coercions: Coercion[] = [],
): unknown {
  if (typeof value === 'string') return interpolateString(value, env, errors, path, coercions);
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, errors, [...path, i], coercions));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, errors, [...path, k], coercions);
    return out;
  }
  return value;
}

function interpolateString(
  text: string,
  env: NodeJS.ProcessEnv,
  errors: InterpolationError[],
  path: (string | number)[],
  coercions: Coercion[],
): unknown {
  if (!text.includes('$')) return text;
  const result = text.replace(PATTERN, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const current = env[name as string];
    if (current !== undefined && (current !== '' || fallback === undefined)) return current;
    if (fallback !== undefined) return fallback;
    errors.push({ path, message: `environment variable ${name} is not set (write \${${name}:-default} to give a default)` });
    return '';
  });
  if (WHOLE.test(text)) {
    const typed = /^-?\d+(\.\d+)?$/.test(result) ? Number(result) : result === 'true' ? true : result === 'false' ? false : undefined;
    if (typed !== undefined) {
      coercions.push({ path, text: result });
      return typed;
    }
  }
  return result;
}
