import { detectPii } from './pii/index.js';
import { detectSecrets } from './secrets/index.js';
import type { DetectedEntity } from './types.js';
import type { TextFacts } from './text-facts.js';

export { scoreInjection } from './injection/index.js';
export type { DetectedEntity, Detector, EntityType } from './types.js';
export type { TextFacts } from './text-facts.js';

/**
 * Every PII and secret detector over one text, in order of position. Where a secret and a PII
 * entity overlap (a password that looks like a phone number), the secret wins: it is the more
 * specific finding and the one that must never leak. `facts`: what an earlier pass learnt of the
 * text (the injection classifier's, text-facts.ts), which lets detectors skip what it rules out.
 */
export function detectEntities(text: string, facts?: TextFacts): DetectedEntity[] {
  const secrets = detectSecrets(text, facts);
  const pii = detectPii(text, facts).filter((p) => !secrets.some((s) => p.start < s.end && s.start < p.end));
  return [...secrets, ...pii].sort((a, b) => a.start - b.start || b.end - a.end);
}
