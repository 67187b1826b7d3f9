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

/** Most specific first: on equal confidence and length, the earlier rule wins an overlap. */
export const SECRET_RULES: readonly Detector[] = [
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

/**
 * Every secret rule over the text; where findings overlap, a specific rule beats the generic
 * key-context one (`api_key = "sk-proj-…"` is one `openai-key`), then the most confident, then the
 * longest is kept.
 */
export const detectSecrets: Detector = (text) => {
  const all: Array<{ entity: DetectedEntity; rank: number }> = [];
  SECRET_RULES.forEach((rule, rank) => {
    for (const entity of rule(text)) all.push({ entity, rank });
  });
  if (all.length <= 1) return all.map((a) => a.entity);
  const fallback = SECRET_RULES.indexOf(genericSecret);
  all.sort(
    (a, b) =>
      Number(a.rank === fallback) - Number(b.rank === fallback) ||
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
