import { z } from 'zod';

/** Fields every policy's config has. */
export const enforceField = z
  .boolean()
  .default(true)
  .describe('false = shadow mode: the policy decides and records its verdict, but never blocks.');
