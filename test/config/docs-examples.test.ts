/**
 * Docs cannot rot: every ```yaml config block in docs/*.md (and README.md) must load and compile,
 * and the generated reference and JSON Schema must match the schemas.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GENERATE_COMMAND, staleConfigDocs, writeConfigDocs } from '../../scripts/gen-config-docs.js';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { Runtime } from '../../src/config/runtime.js';
import { configSchema } from '../../src/config/schema.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The environment examples are loaded with. Prefer `${VAR:-default}` in examples so they work as
 * pasted; a variable an example needs without a default goes here.
 */
const EXAMPLE_ENV: NodeJS.ProcessEnv = {};

interface Example {
  /** e.g. docs/configuration.md:212 (the line of the opening fence) */
  readonly where: string;
  readonly text: string;
}

/** Fenced blocks whose info string is exactly `yaml config`, indented or not. */
function yamlConfigBlocks(markdown: string, file: string): Example[] {
  const lines = markdown.split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*yaml\s+config\s*$/.exec(lines[i] as string);
    if (open === null) continue;
    const [, indent = '', fence = '```'] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] as string;
      if (line.trim().startsWith(fence[0]!.repeat(fence.length)) && line.trim().replace(/[`~]/g, '') === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    assert.ok(j < lines.length, `${file}:${i + 1}: unclosed yaml config block`);
    out.push({ where: `${file}:${i + 1}`, text: `${body.join('\n')}\n` });
    i = j;
  }
  return out;
}

async function markdownFiles(): Promise<string[]> {
  const docs = (await readdir(join(REPO_ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8').then(
    () => ['README.md'],
    () => [],
  );
  return [...readme, ...docs.sort()];
}

const examples: Example[] = [];
for (const file of await markdownFiles()) {
  examples.push(...yamlConfigBlocks(await readFile(join(REPO_ROOT, file), 'utf8'), file));
}

describe('yaml config examples in the docs load and compile', () => {
  it('finds the examples of docs/configuration.md', () => {
    assert.ok(examples.filter((e) => e.where.startsWith('docs/configuration.md:')).length >= 2);
  });

  for (const example of examples) {
    it(example.where, async () => {
      let config;
      try {
        config = parseConfig(example.text, example.where, EXAMPLE_ENV);
      } catch (err) {
        // Lines in the message count from the block's first line.
        if (err instanceof ConfigError) assert.fail(`${err.message}\n(lines are counted from the first line inside the block)`);
        throw err;
      }
      const runtime = new Runtime(config);
      await runtime.close();
    });
  }
});

describe('the block finder', () => {
  it('takes only yaml config blocks, keeps their text, strips list indentation', () => {
    const md = ['# t', '```yaml', 'not: this', '```', '```yaml config', 'a: 1', '  b: 2', '```', '- item', '  ```yaml config', '  c: 3', '  ```', ''].join('\n');
    assert.deepEqual(yamlConfigBlocks(md, 'x.md'), [
      { where: 'x.md:5', text: 'a: 1\n  b: 2\n' },
      { where: 'x.md:10', text: 'c: 3\n' },
    ]);
  });
});

describe('generated configuration docs', () => {
  it(`are up to date (regenerate with: ${GENERATE_COMMAND})`, async () => {
    assert.deepEqual(await staleConfigDocs(REPO_ROOT), [], `run ${GENERATE_COMMAND}`);
  });

  it('the check notices missing or different files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-docs-'));
    try {
      assert.deepEqual(await staleConfigDocs(dir), ['docs/gatehouse.schema.json', 'docs/configuration-reference.md']);
      await writeConfigDocs(dir);
      assert.deepEqual(await staleConfigDocs(dir), []);
      await appendFile(join(dir, 'docs/configuration-reference.md'), 'hand edit\n');
      assert.deepEqual(await staleConfigDocs(dir), ['docs/configuration-reference.md']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the JSON Schema is a draft 2020-12 schema of every top-level key', async () => {
    const schema = JSON.parse(await readFile(join(REPO_ROOT, 'docs/gatehouse.schema.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(typeof schema.$id, 'string');
    assert.equal(typeof schema.title, 'string');
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(Object.keys(schema.properties as object), Object.keys(configSchema.shape));
    const server = (schema.properties as Record<string, { properties: Record<string, { anyOf?: unknown[] }> }>).server;
    assert.ok(server?.properties.maxBodyBytes?.anyOf, 'the byte size (a transform) is described by its input');
  });

  it('the reference has a section per top-level key and documents each provider type', async () => {
    const md = await readFile(join(REPO_ROOT, 'docs/configuration-reference.md'), 'utf8');
    assert.ok(md.includes(GENERATE_COMMAND));
    for (const key of Object.keys(configSchema.shape)) assert.ok(md.includes(`\n## \`${key}\`\n`), key);
    for (const type of ['simulated', 'openai', 'openai-compatible']) assert.ok(md.includes(`with \`type: ${type}\``), type);
  });
});
