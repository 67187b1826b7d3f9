/**
 * The labelled secrets set: generated positives (token-contexts.ts, structured-contexts.ts) with
 * gold spans, generated hard negatives (negatives.ts) and hand-written tricky cases
 * (hand-written.txt). Deterministic: every instance is drawn from the seeded PRNG with a seed made
 * from its template id and index, so adding a template changes no other example.
 *
 * Split by template, never by instance, stratified: within each group (a credential kind for
 * positives, a category for negatives, hand-written blocks as one group each side) the templates
 * are ordered by a hash of their id and 40% (at least one) go to `test`, the rest to `dev`.
 * Figures are reported on `test`; `dev` is for looking at mistakes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Composed, type GoldSpan, asToolCallArguments, doc, gold } from './compose.js';
import { NEGATIVE_TEMPLATES } from './negatives.js';
import { structuredTemplates } from './structured-contexts.js';
import { tokenTemplates } from './token-contexts.js';
import * as v from './values.js';
import { Rng } from './values.js';

export type SecretsSplit = 'dev' | 'test';

export interface SecretExample {
  readonly id: string;
  readonly template: string;
  /** Positives: the credential kind (`github-classic`, `private-key-openssh`…); negatives: the category. */
  readonly group: string;
  /** Where it sits: the context of a positive (`dotenv`, `curl`…) or the negative's template name. */
  readonly context: string;
  readonly label: 0 | 1;
  readonly text: string;
  readonly gold: readonly GoldSpan[];
  readonly source: 'generated' | 'hand-written';
  /** `json`: escaped once inside JSON source, as in a tool call's arguments. */
  readonly encoding: 'text' | 'json';
  readonly split: SecretsSplit;
}

const POSITIVE_INSTANCES = 3;
/** Each negative template is drawn this many times in every frame (fixed texts only once). */
const NEGATIVE_ROUNDS = 2;
const TEST_SHARE = 0.4;

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const rngFor = (key: string): Rng => new Rng(fnv1a(`secrets-eval/${key}`));

const PATHS = ['notes/setup.md', 'config/local.env', 'scratch/debug.txt', 'docs/runbook.md'];

/**
 * Negatives are shown as they would be pasted: bare, in a chat message, in a fence, as a quote,
 * commented out, in an e-mail, and JSON-escaped as a tool call's arguments (what a gateway sees in
 * a tool-call slot).
 */
const FRAMES: ReadonlyArray<(s: string, r: Rng) => string> = [
  (s) => s,
  (s) => `can you help me with this? ${s.includes('\n') ? '\n\n' : ''}${s}`,
  (s) => `\`\`\`\n${s}\n\`\`\``,
  (s) => s.split('\n').map((l) => `> ${l}`).join('\n'),
  (s) => s.split('\n').map((l) => `# ${l}`).join('\n'),
  (s) => `Hi team,\n\nfrom the runbook:\n\n${s}\n\nThanks,\nDana`,
  (s, r) => asToolCallArguments({ text: s, gold: [] }, r.pick(PATHS)).text,
];

/** Value generators that hand-written blocks can name with ⟦rule@name⟧. */
const NAMED: Readonly<Record<string, (r: Rng) => string>> = {
  'aws-secret': v.awsSecretAccessKey,
  hex64: (r) => r.hex(64),
  'b62-40': (r) => r.chars(v.B62, 40),
  'b62-32': (r) => r.chars(v.B62, 32),
  password: (r) => v.password(r),
  basic: (r) => Buffer.from(`svc-${r.chars(v.B62, 6)}:${v.password(r)}`).toString('base64'),
  pypi: (r) => `pypi-AgEIcHlwaS5vcmc${r.chars(v.B64URL, 150)}`,
  'pem-one-line': (r) => v.privateKeyPem(r, 'RSA').replace(/\n/g, '\\n'),
};

/** The default generator per rule, for ⟦rule⟧. */
const BY_RULE: Readonly<Record<string, (r: Rng) => string>> = {
  'github-token': (r) => v.githubToken(r),
  'npm-token': v.npmToken,
  'openai-key': (r) => v.openaiProject(r),
  'anthropic-key': v.anthropicKey,
  jwt: v.jwt,
  'slack-token': v.slackBotToken,
  'gatehouse-key': v.gatehouseKey,
  'gitlab-token': v.gitlabToken,
  'google-api-key': v.googleApiKey,
  'stripe-key': (r) => v.stripeKey(r, 'sk_live'),
  'aws-access-key-id': (r) => v.awsAccessKeyId(r),
};

/** Expands one hand-written block: ⟦rule⟧, ⟦rule@generator⟧, ⟦rule|literal⟧. */
function expandHandWritten(body: string, r: Rng): Composed {
  const strings: string[] = [];
  const parts: ReturnType<typeof gold>[] = [];
  let last = 0;
  for (const m of body.matchAll(/⟦([a-z0-9-]+)(?:@([a-z0-9-]+)|\|([^⟧]+))?⟧/g)) {
    strings.push(body.slice(last, m.index));
    const [, rule, named, literal] = m;
    const make = named !== undefined ? NAMED[named] : BY_RULE[rule];
    if (literal === undefined && make === undefined) throw new Error(`hand-written.txt: no generator for ${m[0]}`);
    parts.push(gold(literal ?? make!(r), rule));
    last = m.index + m[0].length;
  }
  strings.push(body.slice(last));
  return doc(Object.assign(strings, { raw: strings }), ...parts);
}

interface Template {
  readonly id: string;
  readonly group: string;
  readonly context: string;
  readonly label: 0 | 1;
  readonly source: SecretExample['source'];
  /** The texts; `json` marks one escaped inside JSON source. */
  readonly instances: (id: string) => Array<Composed & { json: boolean }>;
}

function handWrittenTemplates(): Template[] {
  const file = fileURLToPath(new URL('./hand-written.txt', import.meta.url));
  const blocks = readFileSync(file, 'utf8').split(/^---$/m).slice(1);
  return blocks.map((block) => {
    const [header, ...lines] = block.replace(/^\n/, '').replace(/\n$/, '').split('\n');
    const note = header.replace(/^#\s*/, '');
    const body = lines.join('\n');
    const label: 0 | 1 = body.includes('⟦') ? 1 : 0;
    const id = `hand-written/${note}`;
    return { id, group: label ? 'hand-written' : 'hand-written-negative', context: note, label, source: 'hand-written' as const, instances: () => [{ ...expandHandWritten(body, rngFor(id)), json: false }] };
  });
}

function allTemplates(): Template[] {
  const positives: Template[] = [...tokenTemplates(), ...structuredTemplates()].map((t) => ({
    id: t.id,
    group: t.kind,
    context: t.context,
    label: 1,
    source: 'generated',
    // The last instance is JSON-escaped, as the arguments of a file-writing tool call.
    instances: (id) =>
      Array.from({ length: POSITIVE_INSTANCES }, (_x, i) => {
        const r = rngFor(`${id}#${i}`);
        const c = t.make(r);
        return i === POSITIVE_INSTANCES - 1 ? { ...asToolCallArguments(c, r.pick(PATHS)), json: true } : { ...c, json: false };
      }),
  }));
  const negatives: Template[] = NEGATIVE_TEMPLATES.map((t) => ({
    id: t.id,
    group: t.category,
    context: t.id.slice(t.category.length + 1),
    label: 0,
    source: 'generated',
    instances: (id) => {
      const texts = Array.from({ length: NEGATIVE_ROUNDS * FRAMES.length }, (_x, i) => {
        const r = rngFor(`${id}#${i}`);
        return FRAMES[i % FRAMES.length](t.make(r), r);
      });
      // Fixed texts repeat across rounds; keep the first of each (empty text = dropped).
      return texts.map((text, i) => ({ text: texts.indexOf(text) === i ? text : '', gold: [], json: i % FRAMES.length === FRAMES.length - 1 }));
    },
  }));
  return [...positives, ...negatives, ...handWrittenTemplates()];
}

/** Template id → split (see the header comment). */
function splitTemplates(templates: readonly Template[]): Map<string, SecretsSplit> {
  const byGroup = new Map<string, Template[]>();
  for (const t of templates) {
    const list = byGroup.get(t.group) ?? [];
    list.push(t);
    byGroup.set(t.group, list);
  }
  const split = new Map<string, SecretsSplit>();
  for (const list of byGroup.values()) {
    const ordered = [...list].sort((a, b) => fnv1a(a.id) - fnv1a(b.id) || (a.id < b.id ? -1 : 1));
    const nTest = Math.max(1, Math.round(TEST_SHARE * ordered.length));
    ordered.forEach((t, i) => split.set(t.id, i < nTest ? 'test' : 'dev'));
  }
  return split;
}

export function buildSecretsCorpus(): SecretExample[] {
  const templates = allTemplates();
  const split = splitTemplates(templates);
  const out: SecretExample[] = [];
  for (const t of templates) {
    t.instances(t.id).forEach((c, i) => {
      if (c.text === '') return;
      const encoding = c.json ? 'json' : 'text';
      out.push({ id: `${t.id}#${i}`, template: t.id, group: t.group, context: t.context, label: t.label, text: c.text, gold: c.gold, source: t.source, encoding, split: split.get(t.id)! });
    });
  }
  return out;
}
