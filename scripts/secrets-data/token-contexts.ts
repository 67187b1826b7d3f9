/**
 * Positive templates for credentials that stand alone as one token (vendor keys by prefix, JWTs):
 * every token kind × the places such a token turns up (env files, code, configs, shell history,
 * logs, chat, stack traces, curl). A template is one (kind, context) pair.
 */
import { type Composed, type Gold, doc, gold } from './compose.js';
import * as v from './values.js';
import type { Rng } from './values.js';

export interface TokenKind {
  readonly kind: string;
  readonly rule: string;
  readonly value: (r: Rng) => string;
  readonly env: readonly string[];
  readonly service: string;
  /** Sent as `Authorization: Bearer …` by its clients. */
  readonly bearer: boolean;
}

export const TOKEN_KINDS: readonly TokenKind[] = [
  { kind: 'aws-access-key-id', rule: 'aws-access-key-id', value: (r) => v.awsAccessKeyId(r, r.float() < 0.3), env: ['AWS_ACCESS_KEY_ID'], service: 'aws', bearer: false },
  { kind: 'google-api-key', rule: 'google-api-key', value: v.googleApiKey, env: ['GOOGLE_API_KEY', 'GEMINI_API_KEY', 'MAPS_API_KEY'], service: 'google', bearer: false },
  { kind: 'github-classic', rule: 'github-token', value: (r) => v.githubToken(r, 'ghp'), env: ['GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_PAT'], service: 'github', bearer: true },
  { kind: 'github-app', rule: 'github-token', value: (r) => v.githubToken(r, r.pick(['ghs', 'ghu', 'gho', 'ghr'] as const)), env: ['GITHUB_TOKEN', 'GH_APP_TOKEN'], service: 'github', bearer: true },
  { kind: 'github-fine-grained', rule: 'github-fine-grained-token', value: v.githubFineGrained, env: ['GITHUB_TOKEN', 'GH_PAT'], service: 'github', bearer: true },
  { kind: 'gitlab', rule: 'gitlab-token', value: v.gitlabToken, env: ['GITLAB_TOKEN', 'CI_JOB_PAT', 'GL_TOKEN'], service: 'gitlab', bearer: true },
  { kind: 'slack-bot', rule: 'slack-token', value: v.slackBotToken, env: ['SLACK_BOT_TOKEN'], service: 'slack', bearer: true },
  { kind: 'slack-user', rule: 'slack-token', value: v.slackUserToken, env: ['SLACK_USER_TOKEN', 'SLACK_TOKEN'], service: 'slack', bearer: true },
  { kind: 'stripe-live', rule: 'stripe-key', value: (r) => v.stripeKey(r, 'sk_live'), env: ['STRIPE_SECRET_KEY', 'STRIPE_API_KEY'], service: 'stripe', bearer: true },
  { kind: 'stripe-test', rule: 'stripe-key', value: (r) => v.stripeKey(r, 'sk_test'), env: ['STRIPE_SECRET_KEY', 'STRIPE_TEST_KEY'], service: 'stripe', bearer: true },
  { kind: 'stripe-restricted', rule: 'stripe-key', value: (r) => v.stripeKey(r, 'rk_live'), env: ['STRIPE_RESTRICTED_KEY'], service: 'stripe', bearer: true },
  { kind: 'openai-legacy', rule: 'openai-key', value: v.openaiLegacy, env: ['OPENAI_API_KEY'], service: 'openai', bearer: true },
  { kind: 'openai-project', rule: 'openai-key', value: (r) => v.openaiProject(r, r.float() < 0.8 ? 'proj' : 'svcacct'), env: ['OPENAI_API_KEY', 'OPENAI_KEY'], service: 'openai', bearer: true },
  { kind: 'anthropic', rule: 'anthropic-key', value: v.anthropicKey, env: ['ANTHROPIC_API_KEY', 'CLAUDE_API_KEY'], service: 'anthropic', bearer: false },
  { kind: 'npm', rule: 'npm-token', value: v.npmToken, env: ['NPM_TOKEN', 'NODE_AUTH_TOKEN'], service: 'npm', bearer: true },
  { kind: 'gatehouse', rule: 'gatehouse-key', value: v.gatehouseKey, env: ['GATEHOUSE_API_KEY', 'GATEHOUSE_KEY'], service: 'gatehouse', bearer: true },
  { kind: 'jwt', rule: 'jwt', value: v.jwt, env: ['ACCESS_TOKEN', 'SERVICE_ROLE_KEY', 'API_JWT'], service: 'auth', bearer: true },
];

const camel = (env: string): string => env.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const snake = (env: string): string => env.toLowerCase();
const HOSTS = ['api.internal.acmecorp.io', 'orders.svc.cluster.local', 'billing.fintrack.app', 'gw.northwind.dev'];
const ts = (r: Rng): string => `2024-${String(r.between(1, 12)).padStart(2, '0')}-${String(r.between(10, 28))}T${String(r.between(10, 23))}:${String(r.between(10, 59))}:${String(r.between(10, 59))}.${r.between(100, 999)}Z`;

type TokenContext = (k: TokenKind, s: Gold, r: Rng) => Composed;

export const TOKEN_CONTEXTS: Readonly<Record<string, TokenContext>> = {
  dotenv: (k, s, r) => {
    const env = r.pick(k.env);
    return doc`# ${k.service}\n${env}=${s}\nLOG_LEVEL=${r.pick(['info', 'debug'])}\nPORT=${r.between(3000, 9000)}\nNODE_ENV=production\n`;
  },
  'export-quoted': (k, s, r) => doc`export ${r.pick(k.env)}="${s}"\n`,
  'shell-history': (k, s, r) => {
    const n = r.between(100, 1900);
    return doc`  ${n}  cd ~/src/${r.pick(['billing', 'webapp', 'infra'])}\n  ${n + 1}  export ${r.pick(k.env)}=${s}\n  ${n + 2}  npm run dev\n  ${n + 3}  git status\n`;
  },
  'python-kwarg': (k, s, r) =>
    doc`import os\nimport ${k.service}_client\n\nclient = ${k.service}_client.Client(\n    ${r.pick(['api_key', 'token', 'auth_token'])}="${s}",\n    timeout=${r.between(5, 60)},\n)\n`,
  'js-const': (k, s, r) => {
    const name = camel(r.pick(k.env));
    return doc`const ${name} = '${s}';\n\nexport async function list() {\n  const res = await fetch('https://${r.pick(HOSTS)}/v1/items', { headers: { Authorization: ${'`Bearer ${'}${name}${'}`'} } });\n  return res.json();\n}\n`;
  },
  yaml: (k, s, r) => doc`${k.service}:\n  ${snake(r.pick(k.env))}: ${s}\n  timeout: ${r.between(5, 60)}s\n  retries: ${r.between(1, 5)}\n`,
  json: (k, s, r) => doc`{\n  "${camel(r.pick(k.env))}": "${s}",\n  "region": "${r.pick(['eu-west-1', 'us-east-2'])}",\n  "debug": false\n}\n`,
  toml: (k, s, r) => doc`[${k.service}]\n${snake(r.pick(k.env))} = "${s}"\nendpoint = "https://${r.pick(HOSTS)}"\n`,
  curl: (k, s, r) =>
    k.bearer
      ? doc`$ curl -sS https://${r.pick(HOSTS)}/v1/${r.pick(['users', 'charges', 'repos'])} \\\n    -H "Authorization: Bearer ${s}" \\\n    -H "Content-Type: application/json"\n`
      : doc`$ curl -sS "https://${r.pick(HOSTS)}/v1/${r.pick(['geocode', 'models', 'messages'])}?key=${s}&lang=en"\n`,
  'log-line': (k, s, r) =>
    k.bearer
      ? doc`${ts(r)} DEBUG outbound request method=GET url=https://${r.pick(HOSTS)}/v1/me headers={"authorization":"Bearer ${s}","user-agent":"node-fetch/3"}\n`
      : doc`${ts(r)} INFO  ${k.service} client configured key=${s} region=${r.pick(['eu', 'us'])}\n`,
  chat: (k, s, r) =>
    doc`${r.pick(['hey', 'hi all', 'quick q'])} — my ${k.service} calls started failing with 401 since this morning 😕 I'm using ${s} as the key, did something change?`,
  'stack-trace': (k, s, r) =>
    doc`Traceback (most recent call last):\n  File "/app/worker.py", line ${r.between(20, 300)}, in run\n    resp = session.get(url, headers={"Authorization": "Bearer ${s}"})\n  File "/usr/lib/python3.11/site-packages/requests/sessions.py", line 602, in get\nrequests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://${r.pick(HOSTS)}/v2/jobs\n`,
  'docker-run': (k, s, r) => doc`docker run --rm -e ${r.pick(k.env)}=${s} -p ${r.between(3000, 9000)}:8080 ${r.pick(['ghcr.io/acme/api', 'worker'])}:${r.between(1, 9)}.${r.between(0, 20)}\n`,
  'markdown-issue': (k, s, r) =>
    doc`### Steps to reproduce\n\n1. Put this in \`config/local.yml\`:\n\n\`\`\`yaml\n${snake(r.pick(k.env))}: "${s}"\n\`\`\`\n\n2. Run \`make serve\` — it crashes on startup.\n`,
};

export function tokenTemplates(): Array<{ id: string; kind: string; context: string; make: (r: Rng) => Composed }> {
  const out = [];
  for (const k of TOKEN_KINDS) {
    for (const [context, fn] of Object.entries(TOKEN_CONTEXTS)) {
      out.push({ id: `${k.kind}/${context}`, kind: k.kind, context, make: (r: Rng) => fn(k, gold(k.value(r), k.rule), r) });
    }
  }
  return out;
}
