// The error catalogue, docs/errors.md and the code that throws must agree.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERROR_CATALOGUE, RETIRED_CODES } from '../../src/errors/catalogue.js';
import { REPO_ROOT } from '../support/process.js';

const docs = readFileSync(join(REPO_ROOT, 'docs/errors.md'), 'utf8');
const rows = new Map(
  [...docs.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| (caller|policy|provider|gateway) \| (.+) \|$/gm)].map((m) => [m[1], { status: Number(m[2]), fault: m[3], message: m[4] }]),
);

test('every catalogue code is documented with its status and fault domain', () => {
  for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
    const row = rows.get(code);
    assert.ok(row, `docs/errors.md has no row for ${code}`);
    assert.equal(row.status, entry.status, code);
    assert.equal(row.fault, entry.fault, code);
  }
});

test('the docs list no code the catalogue does not have', () => {
  for (const code of rows.keys()) assert.ok(code in ERROR_CATALOGUE, `docs/errors.md lists unknown code ${code}`);
});

test('no retired code is back in the catalogue', () => {
  for (const code of RETIRED_CODES) assert.ok(!(code in ERROR_CATALOGUE), code);
});

test('every catalogue code is used somewhere in src/', () => {
  const sources: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('catalogue.ts')) sources.push(readFileSync(path, 'utf8'));
    }
  };
  walk(join(REPO_ROOT, 'src'));
  const all = sources.join('\n');
  for (const code of Object.keys(ERROR_CATALOGUE)) assert.ok(all.includes(`'${code}'`), `${code} is never thrown: retire it or use it`);
});
