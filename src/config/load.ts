import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { interpolate, type InterpolationError } from './interpolate.js';
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
  const raw = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, [{ path: '', message: 'the file must be a YAML mapping (key: value) at the top level' }]);
  }
  const locate = (path: readonly PropertyKey[]): { line?: number; column?: number } => {
    // Walk up until a node with a source range exists (a missing field has none; its parent does).
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return {};
  };

  const interpolationErrors: InterpolationError[] = [];
  const interpolated = interpolate(raw, env, interpolationErrors);
  if (interpolationErrors.length > 0) {
    throw new ConfigError(file, interpolationErrors.map((e) => ({ path: formatPath(e.path), message: e.message, ...locate(e.path) })));
  }
  const result = configSchema.safeParse(interpolated);
  if (!result.success) {
    throw new ConfigError(file, result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: describeIssue(issue), ...locate(issue.path) })));
  }
  return result.data;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}
