import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml';
import { interpolate, type Coercion, type InterpolationError } from './interpolate.js';
import { configSchema, type GatehouseConfig } from './schema.js';

/** One problem in a configuration file, located as precisely as we can. */
export interface ConfigProblem {
  /** Dotted path of the field, e.g. `models[0].provider`; '' for the whole file. */
  readonly path: string;
  readonly message: string;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
}

/** Thrown when a configuration cannot be loaded; `problems` lists every reason. */
export class ConfigError extends Error {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];
  constructor(file: string, problems: readonly ConfigProblem[]) {
    super(formatProblems(file, problems));
    this.name = 'ConfigError';
    this.file = file;
    this.problems = problems;
  }
}

export function formatProblems(file: string, problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => {
    const where = p.line !== undefined ? `${file}:${p.line}:${p.column ?? 1}` : file;
    return `  ${where}  ${p.path === '' ? '(file)' : p.path}: ${p.message}`;
  });
  return `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<GatehouseConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [{ path: '', message: code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(err)})` }]);
  }
  return parseConfig(text, file, env);
}

/** Parses YAML text, interpolates ${ENV}, validates. Throws ConfigError listing every problem. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): GatehouseConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { path: '', message: `YAML syntax: ${e.message.split('\n')[0]}`, line: pos.line, column: pos.col };
      }),
    );
  }
  const locate = (path: readonly PropertyKey[], atKey = false): { line?: number; column?: number } => {
    const at = (range: [number, number, number]) => {
      const pos = lineCounter.linePos(range[0]);
      return { line: pos.line, column: pos.col };
    };
    // An unknown field is pointed at by its key (its value may be null or start on the next line).
    const parent = atKey && path.length > 0 ? doc.getIn(path.slice(0, -1) as unknown[], true) : undefined;
    if (isMap(parent)) {
      const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === path[path.length - 1]);
      if (isScalar(pair?.key) && pair.key.range) return at(pair.key.range);
    }
    // Walk up until a node with a source range exists (a missing field has none; its parent does).
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return at(node.range);
    }
    return {};
  };
  const raw = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, [{ path: '', message: 'the file must be a YAML mapping (key: value) at the top level', ...locate([]) }]);
  }

  const interpolationErrors: InterpolationError[] = [];
  const coercions: Coercion[] = [];
  const interpolated = interpolate(raw, env, interpolationErrors, [], coercions);
  if (interpolationErrors.length > 0) {
    throw new ConfigError(file, interpolationErrors.map((e) => ({ path: formatPath(e.path), message: e.message, ...locate(e.path) })));
  }
  let result = configSchema.safeParse(interpolated);
  // `${VAR}` alone whose value looks like a number or boolean was typed; where the schema wants a
  // string (an all-digit key, a header value), give the text back and validate again.
  for (let round = 0; !result.success && round < 5; round++) {
    const fixes = result.error.issues.flatMap((issue) =>
      issue.code === 'invalid_type' && issue.expected === 'string' ? coercions.filter((c) => formatPath(c.path) === formatPath(issue.path)) : [],
    );
    if (fixes.length === 0) break;
    for (const fix of fixes) setIn(interpolated, fix.path, fix.text);
    result = configSchema.safeParse(interpolated);
  }
  if (!result.success) {
    // One problem per unknown field, located at that field's key.
    const problems = result.error.issues.flatMap((issue): ConfigProblem[] =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: `unknown field "${key}"`, ...locate([...issue.path, key], true) }))
        : [{ path: formatPath(issue.path), message: issue.message, ...locate(issue.path) }],
    );
    throw new ConfigError(file, problems);
  }
  return result.data;
}

function setIn(tree: unknown, path: readonly (string | number)[], value: unknown): void {
  let node = tree as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
}
