import { hash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Exchange } from '../../pipeline/exchange.js';
import { compileModelMatcher } from '../../pipeline/glob.js';
import type { Identity } from '../../pipeline/identity.js';
import type { PolicyModule } from '../../pipeline/policy.js';
import { enforceField } from '../common-schema.js';

const keySchema = z
  .object({
    name: z.string().min(1).describe('Who this key belongs to; shown in logs and the audit trail. Unique.'),
    key: z
      .string()
      .min(1)
      .optional()
      .describe('The key itself. Prefer ${ENV} interpolation over writing it in the file.'),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters')
      .optional()
      .describe('The SHA-256 of the key, hex, for files that must not hold the key itself.'),
    kind: z.enum(['consumer', 'service', 'agent']).default('consumer').describe('What kind of caller holds the key.'),
    team: z.string().optional().describe('The team the caller belongs to.'),
    models: z
      .array(z.string().min(1))
      .describe('Model names or globs this key may use ("*" for all). Least privilege: list what is needed.'),
  })
  .strict()
  .refine((k) => (k.key === undefined) !== (k.sha256 === undefined), {
    message: 'give exactly one of "key" or "sha256"',
  });

const configSchema = z
  .object({
    enforce: enforceField,
    keys: z.array(keySchema).describe('Static API keys accepted on this route or gateway-wide.'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    const digests = new Map<string, string>();
    config.keys.forEach((k, i) => {
      if (names.has(k.name)) ctx.addIssue({ code: 'custom', path: ['keys', i, 'name'], message: `duplicate key name "${k.name}"` });
      names.add(k.name);
      // Two entries with the same key: one would silently shadow the other.
      const digest = (k.sha256 ?? (k.key === undefined ? '' : sha256(k.key).toString('hex'))).toLowerCase();
      const holder = digests.get(digest);
      if (digest !== '' && holder !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['keys', i, k.sha256 === undefined ? 'key' : 'sha256'], message: `the same key as "${holder}"` });
      }
      digests.set(digest, k.name);
    });
  })
  .describe('Identify callers by static API keys from the configuration, compared in constant time.');

export type ApiKeysConfig = z.infer<typeof configSchema>;

interface KeyEntry {
  readonly digest: Buffer;
  readonly identity: Identity;
}

/** Reads the caller's key: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(exchange: Exchange): string | undefined {
  const auth = exchange.headers.authorization;
  if (typeof auth === 'string' && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') {
    const key = auth.slice(7).trim();
    if (key.length > 0) return key;
  }
  const xApiKey = exchange.headers['x-api-key'];
  if (typeof xApiKey === 'string' && xApiKey.length > 0) return xApiKey.trim();
  return undefined;
}

export const apiKeysPolicy: PolicyModule<ApiKeysConfig> = {
  name: 'api-keys',
  description: 'Identifies callers by static API keys from the configuration.',
  configSchema,
  writes: ['identity', 'decisions'],
  create(config) {
    // Keys are looked up by the SHA-256 of what the caller presents, then confirmed with a
    // constant-time comparison: the lookup time depends only on a hash, never on the key.
    const byDigest = new Map<string, KeyEntry>();
    for (const k of config.keys) {
      const digest = k.sha256 !== undefined ? Buffer.from(k.sha256.toLowerCase(), 'hex') : sha256(k.key as string);
      byDigest.set(digest.toString('hex'), {
        digest,
        identity: Object.freeze({
          id: `key:${k.name}`,
          kind: k.kind,
          name: k.name,
          team: k.team,
          method: 'api-key',
          rule: `api-keys/${k.name}`,
          access: Object.freeze({ models: compileModelMatcher(k.models) }),
        }),
      });
    }
    return {
      name: 'api-keys',
      enforce: config.enforce,
      failMode: 'closed',
      hooks: {
        identify(exchange) {
          const key = presentedKey(exchange);
          if (key === undefined) {
            return { action: 'deny', error: new GatehouseError('missing_api_key'), reason: 'no key presented' };
          }
          const digest = sha256(key);
          const entry = byDigest.get(digest.toString('hex'));
          if (entry === undefined || !timingSafeEqual(entry.digest, digest)) {
            return { action: 'deny', error: new GatehouseError('invalid_api_key'), reason: 'unknown key' };
          }
          exchange.identity = entry.identity;
          return { action: 'allow', reason: entry.identity.rule };
        },
      },
    };
  },
};

function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}
