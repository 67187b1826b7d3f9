/**
 * ${ENV} interpolation over a parsed YAML tree. Only string scalars are touched, after parsing, so
 * an environment value can never change the file's structure. Syntax:
 *   ${NAME}            the variable; an error if it is unset
 *   ${NAME:-default}   the default when NAME is unset or empty
 *   $${                a literal "${"
 * A string that is exactly one ${...} whose value looks like a number or a boolean becomes that
 * number or boolean, so `port: ${PORT:-8080}` is a number.
 */
export interface InterpolationError {
  readonly path: (string | number)[];
  readonly message: string;
}

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

export function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  errors: InterpolationError[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') return interpolateString(value, env, errors, path);
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, errors, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, errors, [...path, k]);
    return out;
  }
  return value;
}

function interpolateString(text: string, env: NodeJS.ProcessEnv, errors: InterpolationError[], path: (string | number)[]): unknown {
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
    if (/^-?\d+(\.\d+)?$/.test(result)) return Number(result);
    if (result === 'true') return true;
    if (result === 'false') return false;
  }
  return result;
}
