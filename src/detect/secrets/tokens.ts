// Vendor tokens recognisable by a fixed prefix and shape. Each rule is a Detector on its own;
// the group `body` is the random part, judged for placeholders and entropy.
import { hasCrc32Suffix } from './checksum.js';
import { shannonEntropy } from './entropy.js';
import { isDocumentationKey, looksLikePlaceholder } from './placeholder.js';
import { secretRule } from './rule.js';

/** The random part must not be a placeholder and must look random enough for its length. */
function random(body: string | undefined, minEntropy: number): boolean {
  return body !== undefined && !looksLikePlaceholder(body) && shannonEntropy(body) >= minEntropy;
}

/** ghp_/gho_/ghu_/ghs_/ghr_ + 36 base62, the last 6 a CRC32 of the first 30. */
export const githubToken = secretRule({
  detector: 'github-token',
  hint: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
  pattern: /(?<![A-Za-z0-9_])gh[pousr]_(?<body>[A-Za-z0-9]{36})(?![A-Za-z0-9_])/g,
  check: (_v, m) => {
    const body = m.groups?.body;
    if (!random(body, 3.5)) return null;
    return hasCrc32Suffix(body!) ? 0.99 : 0.8;
  },
});

/** Fine-grained personal access token: github_pat_ + 22 + _ + 59 base62. */
export const githubFineGrainedToken = secretRule({
  detector: 'github-fine-grained-token',
  hint: 'github_pat_',
  pattern: /(?<![A-Za-z0-9_])github_pat_(?<body>[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])/g,
  check: (_v, m) => (random(m.groups?.body, 4) ? 0.99 : null),
});

/** GitLab personal access token: glpat- + 20 (classic) or longer (newer, routable) characters. */
export const gitlabToken = secretRule({
  detector: 'gitlab-token',
  hint: 'glpat-',
  pattern: /(?<![A-Za-z0-9_-])glpat-(?<body>[A-Za-z0-9_-]{20}(?:[A-Za-z0-9_.-]{1,80})?)(?![A-Za-z0-9_.-])/g,
  check: (_v, m) => (random(m.groups?.body, 3.2) ? 0.97 : null),
});

/** Slack bot/user/app/refresh/legacy tokens: xoxb-123…-123…-abc… */
export const slackToken = secretRule({
  detector: 'slack-token',
  hint: 'xox',
  pattern: /(?<![A-Za-z0-9_-])xox[bpars]-(?<body>[0-9]{6,16}-[0-9A-Za-z-]{8,200})(?![A-Za-z0-9_-])/g,
  check: (_v, m) => (random(m.groups?.body, 3.2) ? 0.97 : null),
});

/** Incoming webhook URL: https://hooks.slack.com/services/T…/B…/secret */
export const slackWebhook = secretRule({
  detector: 'slack-webhook',
  hint: 'hooks.slack.com',
  pattern: /https?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<body>[A-Z0-9]{6,14}\/[A-Z0-9]{6,14}\/[A-Za-z0-9]{20,40})(?![A-Za-z0-9])/g,
  check: (_v, m) => (random(m.groups?.body, 3.5) ? 0.98 : null),
});

/**
 * Stripe secret and restricted keys; test-mode keys reach only test data, hence lower confidence.
 * The key of Stripe's own API reference is not a secret.
 */
export const stripeKey = secretRule({
  detector: 'stripe-key',
  hint: ['sk_', 'rk_'],
  pattern: /(?<![A-Za-z0-9_])[sr]k_(?<mode>live|test)_(?<body>[A-Za-z0-9]{20,247})(?![A-Za-z0-9_])/g,
  check: (v, m) => {
    if (!random(m.groups?.body, 3.5) || isDocumentationKey(v)) return null;
    return m.groups?.mode === 'live' ? 0.98 : 0.6;
  },
});

/**
 * OpenAI keys: sk-proj-/sk-svcacct-/sk-admin- + long base64url, and the legacy sk- + 48 base62.
 * Legacy keys carry "T3BlbkFJ" (base64 of "OpenAI") in the middle, which raises confidence.
 */
export const openaiKey = secretRule({
  detector: 'openai-key',
  hint: 'sk-',
  pattern: /(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin)-(?<body>[A-Za-z0-9_-]{40,250})|(?<legacy>[A-Za-z0-9]{48}))(?![A-Za-z0-9_-])/g,
  check: (_v, m) => {
    const legacy = m.groups?.legacy;
    if (legacy !== undefined) {
      if (!random(legacy, 3.8)) return null;
      return legacy.includes('T3BlbkFJ') ? 0.99 : 0.85;
    }
    if (!random(m.groups?.body, 4)) return null;
    return m.groups!.body!.includes('T3BlbkFJ') ? 0.99 : 0.95;
  },
});

/** Anthropic API and admin keys: sk-ant-api03-… / sk-ant-admin01-… */
export const anthropicKey = secretRule({
  detector: 'anthropic-key',
  hint: 'sk-ant-',
  pattern: /(?<![A-Za-z0-9_-])sk-ant-(?:api|admin)\d{2}-(?<body>[A-Za-z0-9_-]{80,120})(?![A-Za-z0-9_-])/g,
  check: (_v, m) => (random(m.groups?.body, 4) ? 0.99 : null),
});

/** npm access token: npm_ + 36 base62, the last 6 a CRC32 of the first 30 (as GitHub's). */
export const npmToken = secretRule({
  detector: 'npm-token',
  hint: 'npm_',
  pattern: /(?<![A-Za-z0-9_])npm_(?<body>[A-Za-z0-9]{36})(?![A-Za-z0-9_])/g,
  check: (_v, m) => {
    const body = m.groups?.body;
    if (!random(body, 3.5)) return null;
    return hasCrc32Suffix(body!) ? 0.99 : 0.8;
  },
});

/** Google API key: AIza + 35 base64url. */
export const googleApiKey = secretRule({
  detector: 'google-api-key',
  hint: 'AIza',
  pattern: /(?<![A-Za-z0-9_-])AIza(?<body>[A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])/g,
  check: (_v, m) => (random(m.groups?.body, 3.5) ? 0.97 : null),
});

/** Gatehouse's own virtual keys: gk- + 40 base62 (see identity/key-secrets.ts). */
export const gatehouseKey = secretRule({
  detector: 'gatehouse-key',
  hint: 'gk-',
  pattern: /(?<![A-Za-z0-9_-])gk-(?<body>[A-Za-z0-9]{40})(?![A-Za-z0-9_-])/g,
  check: (_v, m) => (random(m.groups?.body, 3.8) ? 0.99 : null),
});
