/**
 * Generates, from `configSchema` (src/config/schema.ts and the provider and policy schemas it is
 * composed of):
 *   docs/gatehouse.schema.json        JSON Schema (draft 2020-12) for editors
 *   docs/configuration-reference.md   the field-by-field reference
 * Usage: npx tsx scripts/gen-config-docs.ts [--check]
 * --check writes nothing and exits 1 if the files on disk differ from what would be generated.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { byteSize, configSchema } from '../src/config/schema.js';

export const GENERATE_COMMAND = 'npx tsx scripts/gen-config-docs.ts';
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface GeneratedFile {
  /** Relative to the repository root. */
  readonly path: string;
  readonly content: string;
}

export function generateConfigDocs(): GeneratedFile[] {
  return [
    { path: 'docs/gatehouse.schema.json', content: `${JSON.stringify(buildJsonSchema(), null, 2)}\n` },
    { path: 'docs/configuration-reference.md', content: buildReference() },
  ];
}

/** The generated files whose content on disk differs from what would be generated now. */
export async function staleConfigDocs(root: string = REPO_ROOT): Promise<string[]> {
  const stale: string[] = [];
  for (const file of generateConfigDocs()) {
    const onDisk = await readFile(join(root, file.path), 'utf8').catch(() => undefined);
    if (onDisk !== file.content) stale.push(file.path);
  }
  return stale;
}

export async function writeConfigDocs(root: string = REPO_ROOT): Promise<string[]> {
  const files = generateConfigDocs();
  for (const file of files) {
    await mkdir(dirname(join(root, file.path)), { recursive: true });
    await writeFile(join(root, file.path), file.content);
  }
  return files.map((f) => f.path);
}

// ---------------------------------------------------------------------------------------------
// JSON Schema

type Json = Record<string, unknown>;

/** `${NAME}` or `${NAME:-default}`, which the loader replaces before validation (src/config/interpolate.ts). */
const ENV_REFERENCE = { type: 'string', pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$', description: 'An environment variable, replaced when the file is loaded.' };

function buildJsonSchema(): Json {
  // Input side: fields with defaults are optional, and byteSize (a transform) is described by what it accepts.
  const generated = z.toJSONSchema(configSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;
  const { $schema, $defs, ...body } = generated;
  return {
    $schema,
    $id: 'urn:gatehouse:config',
    title: 'Gatehouse configuration',
    description:
      `The configuration file of the Gatehouse AI gateway (gatehouse.yaml). Generated from the zod schemas by \`${GENERATE_COMMAND}\`; ` +
      'see docs/configuration.md. Checks across fields (a route naming a configured provider, unique names) are made by `gatehouse config check`.',
    ...(visit(body) as Json),
    $defs: { ...(($defs as Json | undefined) ?? {}), envReference: ENV_REFERENCE },
  };
}

/** Walks subschemas so that every constrained scalar field also accepts a `${ENV}` reference. */
function visit(schema: unknown): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out: Json = { ...(schema as Json) };
  if (isPlainObject(out.properties)) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, allowEnv(visit(v))]));
  }
  if (isPlainObject(out.additionalProperties)) out.additionalProperties = allowEnv(visit(out.additionalProperties));
  if (isPlainObject(out.items)) out.items = allowEnv(visit(out.items));
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(visit);
  }
  return out;
}

function allowEnv(schema: unknown): unknown {
  if (!isPlainObject(schema) || !needsEnvAlternative(schema)) return schema;
  const envRef = { $ref: '#/$defs/envReference' };
  if (Array.isArray(schema.anyOf)) return { ...schema, anyOf: [...schema.anyOf, envRef] };
  const { description, default: def, ...rest } = schema;
  return { ...(description !== undefined ? { description } : {}), ...(def !== undefined ? { default: def } : {}), anyOf: [rest, envRef] };
}

function needsEnvAlternative(schema: Json): boolean {
  if (schema.const !== undefined) return false; // discriminators stay literal
  if (Array.isArray(schema.anyOf)) return schema.anyOf.some((s) => isPlainObject(s) && needsEnvAlternative(s));
  if (schema.type === 'number' || schema.type === 'integer' || schema.type === 'boolean') return true;
  // A plain string already accepts "${X}"; a pattern, format or enum may not.
  return schema.type === 'string' && (schema.pattern !== undefined || schema.format !== undefined || schema.enum !== undefined);
}

function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Markdown reference

interface Field {
  readonly schema: z.ZodType;
  readonly optional: boolean;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  readonly description: string | undefined;
}

/** Peels .optional()/.default() wrappers; the description may sit on any layer (outermost wins). */
function field(schema: z.ZodType): Field {
  let s: z.ZodType = schema;
  let optional = false;
  let hasDefault = false;
  let defaultValue: unknown;
  let description = s.description;
  for (;;) {
    if (s instanceof z.ZodOptional) {
      optional = true;
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodDefault) {
      hasDefault = true;
      defaultValue = s.def.defaultValue;
      s = s.unwrap() as z.ZodType;
    } else break;
    description ??= s.description;
  }
  return { schema: s, optional, hasDefault, defaultValue, description };
}

const isByteSize = (s: z.ZodType): boolean => s === (byteSize as z.ZodType);
const BYTE_SIZE_NOTE = 'A number of bytes, or a string with a unit `b`, `kb`, `mb`, `gb` (powers of 1024), e.g. `512kb`, `10mb`.';

function objectOf(s: z.ZodType): z.ZodObject | undefined {
  return s instanceof z.ZodObject ? s : undefined;
}

function discriminatedOf(s: z.ZodType): z.ZodDiscriminatedUnion | undefined {
  return s instanceof z.ZodDiscriminatedUnion ? s : undefined;
}

function typeName(s: z.ZodType): string {
  if (isByteSize(s)) return 'byte size';
  if (s instanceof z.ZodStringFormat) return s.format === 'url' ? 'URL' : `string (${s.format})`;
  if (s instanceof z.ZodString) return 'string';
  if (s instanceof z.ZodNumber) return numberType(s);
  if (s instanceof z.ZodBoolean) return 'boolean';
  if (s instanceof z.ZodEnum) return `one of ${s.options.map((o) => `\`${String(o)}\``).join(', ')}`;
  if (s instanceof z.ZodLiteral) return [...s.values].map((v) => `\`${String(v)}\``).join(', ');
  if (s instanceof z.ZodDiscriminatedUnion) return `object, by \`${s.def.discriminator}\` (below)`;
  if (s instanceof z.ZodObject) return 'object';
  if (s instanceof z.ZodArray) {
    const element = field(s.element as z.ZodType).schema;
    if (element instanceof z.ZodDiscriminatedUnion) return `list of objects, by \`${element.def.discriminator}\` (below)`;
    return `list of ${element instanceof z.ZodObject ? 'objects' : plural(typeName(element))}`;
  }
  if (s instanceof z.ZodRecord) return `map: ${typeName(s.keyType as z.ZodType)} → ${typeName(field(s.valueType as z.ZodType).schema)}`;
  if (s instanceof z.ZodUnion) return (s.options as z.ZodType[]).map(typeName).join(' or ');
  return 'any';
}

function plural(type: string): string {
  return /^(string|number|integer|boolean|URL)$/.test(type) ? `${type}s` : type;
}

function numberType(s: z.ZodNumber): string {
  const base = s.isInt ? 'integer' : 'number';
  const min = s.minValue !== null && Number.isFinite(s.minValue) && Math.abs(s.minValue) < Number.MAX_SAFE_INTEGER ? s.minValue : undefined;
  const max = s.maxValue !== null && Number.isFinite(s.maxValue) && Math.abs(s.maxValue) < Number.MAX_SAFE_INTEGER ? s.maxValue : undefined;
  if (min !== undefined && max !== undefined) return `${base} ${min}–${max}`;
  if (min !== undefined) return `${base} ≥ ${min}`;
  if (max !== undefined) return `${base} ≤ ${max}`;
  return base;
}

function formatDefault(f: Field): string {
  if (!f.hasDefault) return f.optional ? '—' : '**required**';
  const v = f.defaultValue;
  if (isByteSize(f.schema) && typeof v === 'number') return `\`${byteSizeText(v)}\``;
  if (typeof v === 'string') return v === '' ? '`""`' : `\`${v}\``;
  if (v !== null && typeof v === 'object' && Object.keys(v).length > 0) return "its fields' defaults";
  return `\`${JSON.stringify(v)}\``;
}

function byteSizeText(bytes: number): string {
  for (const [unit, size] of [['gb', 1024 ** 3], ['mb', 1024 ** 2], ['kb', 1024]] as const) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** Escapes text for a table cell: `|` everywhere, `<` outside code spans (it would start an HTML tag). */
function cell(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith('`') ? part : part.replace(/</g, '&lt;')).replace(/\|/g, '\\|'))
    .join('');
}

interface Row {
  readonly path: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
}

/** A heading and its table; tables for union variants found inside are rendered after it. */
class Section {
  readonly rows: Row[] = [];
  readonly after: Section[] = [];
  constructor(
    readonly heading: string,
    readonly level: number,
    readonly intro: string | undefined,
  ) {}

  render(): string {
    const out = [`${'#'.repeat(this.level)} ${this.heading}`, ''];
    if (this.intro) out.push(this.intro, '');
    if (this.rows.length > 0) {
      out.push('| Field | Type | Default | Description |', '| --- | --- | --- | --- |');
      for (const r of this.rows) out.push(`| \`${r.path}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.description)} |`);
      out.push('');
    }
    return [out.join('\n'), ...this.after.map((s) => s.render())].join('\n');
  }
}

/** Placeholder for a map key in paths, by the map's path. */
const KEY_LABELS: Record<string, string> = { providers: '<name>', prices: '<model>', headers: '<header>' };

class ReferenceBuilder {
  /** Schemas documented in their own top-level section: elsewhere they get a link instead of a copy. */
  readonly #sections = new Map<z.ZodType, string>();

  constructor(shape: Record<string, z.ZodType>) {
    for (const [key, schema] of Object.entries(shape)) this.#sections.set(field(schema).schema, key);
  }

  topLevel(key: string, schema: z.ZodType): Section {
    const f = field(schema);
    const section = new Section(`\`${key}\``, 2, f.description);
    const object = objectOf(f.schema);
    if (object && Object.values(object.shape).every((child) => objectOf(field(child as z.ZodType).schema))) {
      // A map of named parts (policies): one subsection each.
      for (const [name, child] of Object.entries(object.shape)) {
        const cf = field(child as z.ZodType);
        const sub = new Section(`\`${key}.${name}\``, 3, cf.description);
        this.children(cf.schema, `${key}.${name}`, sub);
        section.after.push(sub);
      }
    } else {
      this.children(f.schema, key, section);
    }
    return section;
  }

  /** Rows for the fields inside `schema` (an object, list, map or union), whose own path is `path`. */
  children(schema: z.ZodType, path: string, section: Section): void {
    const object = objectOf(schema);
    if (object) {
      for (const [name, child] of Object.entries(object.shape)) this.field(child as z.ZodType, `${path}.${name}`, section);
      return;
    }
    const union = discriminatedOf(schema);
    if (union) {
      for (const option of union.options as z.ZodType[]) {
        const variant = objectOf(field(option).schema);
        if (variant === undefined) continue;
        const discriminator = union.def.discriminator;
        const tag = field(variant.shape[discriminator] as z.ZodType);
        const values = tag.schema instanceof z.ZodLiteral ? [...tag.schema.values].map(String).join(', ') : '?';
        const intro = [option.description ?? variant.description, tag.description].filter((d) => d !== undefined).join(' ');
        const sub = new Section(`\`${path}\` with \`${discriminator}: ${values}\``, Math.min(section.level + 1, 6), intro || undefined);
        this.children(variant, path, sub);
        // The discriminator's own row: its description is already the section's intro.
        const first = sub.rows[0];
        if (first !== undefined && first.path === `${path}.${discriminator}`) sub.rows[0] = { ...first, description: 'Selects this kind.' };
        section.after.push(sub);
      }
      return;
    }
    if (schema instanceof z.ZodArray) {
      this.children(field(schema.element as z.ZodType).schema, `${path}[]`, section);
      return;
    }
    if (schema instanceof z.ZodRecord) {
      this.children(field(schema.valueType as z.ZodType).schema, `${path}.${KEY_LABELS[lastSegment(path)] ?? '<key>'}`, section);
    }
  }

  field(schema: z.ZodType, path: string, section: Section): void {
    const f = field(schema);
    const linked = this.#sections.get(f.schema);
    if (linked !== undefined) {
      const see = `Same fields as the top-level [\`${linked}\`](#${linked}) section.`;
      section.rows.push({ path, type: typeName(f.schema), default: formatDefault(f), description: [f.description, see].filter(Boolean).join(' ') });
      return;
    }
    const description = [f.description, isByteSize(f.schema) ? BYTE_SIZE_NOTE : undefined].filter(Boolean).join(' ');
    section.rows.push({ path, type: typeName(f.schema), default: formatDefault(f), description });
    this.children(f.schema, path, section);
  }
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1).replace(/\[\]$/, '');
}

function buildReference(): string {
  const shape = configSchema.shape as Record<string, z.ZodType>;
  const builder = new ReferenceBuilder(shape);
  const keys = Object.keys(shape);
  const header = [
    '# Configuration reference',
    '',
    `<!-- Generated by \`${GENERATE_COMMAND}\` from the zod schemas in src/. Do not edit by hand: edit the schemas' .describe() texts and regenerate. -->`,
    '',
    `> Generated from the configuration schemas by \`${GENERATE_COMMAND}\` — do not edit by hand. ` +
      'How to write, check and reload a configuration file: [configuration.md](configuration.md). ' +
      'For editors: [gatehouse.schema.json](gatehouse.schema.json).',
    '',
    `Top-level keys: ${keys.map((k) => `[\`${k}\`](#${k})`).join(' · ')}`,
    '',
    'Paths: `a.b` is field `b` inside `a`; `a[]` is each item of the list `a`; `<name>` stands for a key you choose. ' +
      'Default: **required** means the field must be given whenever its parent is; — means optional with no default. ' +
      'Every value may use `${ENV}` interpolation ([configuration.md](configuration.md#environment-variables)).',
    '',
  ].join('\n');
  return `${header}\n${keys.map((key) => builder.topLevel(key, shape[key] as z.ZodType).render()).join('\n')}`;
}

// ---------------------------------------------------------------------------------------------

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--check')) {
    const stale = await staleConfigDocs();
    if (stale.length > 0) {
      console.error(`generated configuration docs are out of date: ${stale.join(', ')}\nrun: ${GENERATE_COMMAND}`);
      return 1;
    }
    console.log('generated configuration docs are up to date');
    return 0;
  }
  for (const path of await writeConfigDocs()) console.log(`wrote ${path}`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
