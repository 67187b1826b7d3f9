import { z } from 'zod';

/** Fields every policy's config has. */
export const enforceField = z
  .boolean()
  .default(true)
  .describe('false = shadow mode: the policy decides and records its verdict, but never blocks.');

/** The guardrails' scan cache (src/detect/scan-cache.ts). */
export const scanCacheField = z
  .number()
  .int()
  .min(0)
  .max(100_000_000)
  .default(1_000_000)
  .describe(
    'Characters of recently scanned text whose detector results are kept, so a conversation history re-sent on every turn is scanned once (kept apart per caller; least recently used dropped first; ~2 bytes of memory per character). 0 scans every text every time.',
  );
