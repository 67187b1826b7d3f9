/**
 * Secret detectors: vendor credentials by prefix and shape (with checksums where the format has
 * one), private keys, JWTs, passwords in URLs and connection strings, and high-entropy values in a
 * key-like context. Every finding is type `secret`; `detector` names the kind. Placeholders and
 * documentation examples are skipped (precision first).
 */
import type { DetectedEntity, Detector } from '../types.js';
import { awsAccessKeyId, awsSecretAccessKey, azureConnectionStringKey, azureSasToken, gcpServiceAccountKey } from './cloud.js';
import { genericSecret } from './generic.js';
import { jwt } from './jwt.js';
import { connectionStringPassword, urlPassword } from './passwords.js';
import { privateKey } from './private-key.js';
import { HintFinder } from './hint-finder.js';
import type { SecretRule } from './rule.js';
import {
  anthropicKey,
  gatehouseKey,
  githubFineGrainedToken,
  githubToken,
  gitlabToken,
  googleApiKey,
  npmToken,
  openaiKey,
  slackToken,
  slackWebhook,
  stripeKey,
} from './tokens.js';

export {
  anthropicKey,
  awsAccessKeyId,
  awsSecretAccessKey,
  azureConnectionStringKey,
  azureSasToken,
  connectionStringPassword,
  gatehouseKey,
  gcpServiceAccountKey,
  genericSecret,
  githubFineGrainedToken,
  githubToken,
  gitlabToken,
  googleApiKey,
  jwt,
  npmToken,
  openaiKey,
  privateKey,
  slackToken,
  slackWebhook,
  stripeKey,
  urlPassword,
};
export { shannonEntropy } from './entropy.js';

const RULES: readonly SecretRule[] = [
  gatehouseKey,
  anthropicKey,
  openaiKey,
  githubFineGrainedToken,
  githubToken,
  gitlabToken,
  npmToken,
  slackWebhook,
  slackToken,
  stripeKey,
  googleApiKey,
  awsAccessKeyId,
  awsSecretAccessKey,
  gcpServiceAccountKey,
  privateKey,
  azureConnectionStringKey,
  azureSasToken,
  jwt,
  urlPassword,
  connectionStringPassword,
  genericSecret,
];
/** Most specific first: on equal confidence and length, the earlier rule wins an overlap. */
export const SECRET_RULES: readonly Detector[] = RULES;
const FALLBACK = RULES.indexOf(genericSecret);
// Every rule's hints, looked for in one pass; per rule, the masks of its any-of and all-of hints.
const HINTS = new HintFinder([...new Set(RULES.flatMap((r) => [...r.hints, ...r.requires]))]);
const ANY = RULES.map((r) => HINTS.maskOf(r.hints));
const ALL = RULES.map((r) => HINTS.maskOf(r.requires));

/**
 * Every secret rule over the text; where findings overlap, a specific rule beats the generic
 * key-context one (`api_key = "sk-proj-…"` is one `openai-key`), then the most confident, then the
 * longest is kept.
 */
export const detectSecrets: Detector = (text, facts) => {
  const present = HINTS.find(text);
  let all: Array<{ entity: DetectedEntity; rank: number }> | undefined;
  for (let rank = 0; rank < RULES.length; rank++) {
    if ((ANY[rank] !== 0 && (present & ANY[rank]) === 0) || (present & ALL[rank]) !== ALL[rank]) continue;
    const found = RULES[rank].scan(text, facts);
    for (let i = 0; i < found.length; i++) (all ??= []).push({ entity: found[i], rank });
  }
  if (all === undefined) return [];
  if (all.length === 1) return [all[0].entity];
  all.sort(
    (a, b) =>
      Number(a.rank === FALLBACK) - Number(b.rank === FALLBACK) ||
      b.entity.confidence - a.entity.confidence ||
      b.entity.end - b.entity.start - (a.entity.end - a.entity.start) ||
      a.rank - b.rank,
  );
  const kept: DetectedEntity[] = [];
  for (const { entity } of all) {
    if (!kept.some((k) => entity.start < k.end && k.start < entity.end)) kept.push(entity);
  }
  return kept.sort((a, b) => a.start - b.start);
};
