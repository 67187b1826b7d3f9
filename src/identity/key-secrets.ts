import { hash, randomBytes, randomUUID } from 'node:crypto';

/** Every virtual key starts with this, so leaked keys are recognisable (and scannable). */
export const KEY_PREFIX = 'gk-';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 40 base62 characters: ~238 bits. */
const SECRET_LENGTH = 40;

/** A new key secret: `gk-` and 40 random base62 characters (rejection sampling keeps it uniform). */
export function generateKeySecret(): string {
  let out = KEY_PREFIX;
  while (out.length < KEY_PREFIX.length + SECRET_LENGTH) {
    for (const byte of randomBytes(SECRET_LENGTH)) {
      if (byte < 248 && out.length < KEY_PREFIX.length + SECRET_LENGTH) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** What is stored and looked up: the SHA-256 of the secret, hex. */
export function hashKeySecret(secret: string): string {
  // crypto.hash: one call, no Hash object (about a third of createHash's time; per request).
  return hash('sha256', secret, 'hex');
}

/** The part of a secret shown in lists, enough to tell keys apart and nothing to use. */
export function keyDisplayPrefix(secret: string): string {
  return secret.slice(0, KEY_PREFIX.length + 6);
}

export function newKeyId(): string {
  return `key_${randomUUID().replace(/-/g, '')}`;
}
