/**
 * Fake credentials in the exact shape of the real ones (alphabet, length, fixed parts, checksums
 * where the format has one), drawn from the project's seeded PRNG so the set is reproducible and no
 * real credential is ever stored. Nothing here is a working key.
 */
import { base62, crc32 } from '../../src/detect/secrets/checksum.js';
import { type Random, prng } from '../../src/llm/providers/simulated/generate.js';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
export const B62 = DIGITS + UPPER + LOWER;
export const B64URL = B62 + '-_';
export const HEX = '0123456789abcdef';
const BASE32 = UPPER + '234567';

/** A seeded source of random choices. */
export class Rng {
  private readonly next: Random;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chars(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  hex(n: number): string {
    return this.chars(HEX, n);
  }
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.int(4)]}${h.slice(17, 20)}-${h.slice(20)}`;
  }
}

/** 30 random base62 + their CRC32 in base62 (GitHub classic and npm token body). */
function checksummed(r: Rng): string {
  const entropy = r.chars(B62, 30);
  return entropy + base62(crc32(entropy), 6);
}

export const awsAccessKeyId = (r: Rng, temporary = false): string => (temporary ? 'ASIA' : 'AKIA') + r.chars(BASE32, 16);
export const awsSecretAccessKey = (r: Rng): string => r.bytes(30).toString('base64');
export const awsSessionToken = (r: Rng): string => 'IQoJb3JpZ2luX2Vj' + r.bytes(300).toString('base64');
export const googleApiKey = (r: Rng): string => 'AIza' + r.chars(B64URL, 35);
export const azureStorageKey = (r: Rng): string => r.bytes(64).toString('base64');
export const azureSharedAccessKey = (r: Rng): string => r.bytes(32).toString('base64');
export const azureSasSig = (r: Rng): string => encodeURIComponent(r.bytes(32).toString('base64'));
export const githubToken = (r: Rng, prefix: 'ghp' | 'gho' | 'ghu' | 'ghs' | 'ghr' = 'ghp'): string => `${prefix}_${checksummed(r)}`;
export const githubFineGrained = (r: Rng): string => `github_pat_11${r.chars(DIGITS + UPPER, 20)}_${r.chars(B62, 59)}`;
export const gitlabToken = (r: Rng): string => 'glpat-' + r.chars(B64URL, 20);
export const slackBotToken = (r: Rng): string => `xoxb-${r.chars(DIGITS, 12)}-${r.chars(DIGITS, 13)}-${r.chars(B62, 24)}`;
export const slackUserToken = (r: Rng): string => `xoxp-${r.chars(DIGITS, 12)}-${r.chars(DIGITS, 12)}-${r.chars(DIGITS, 13)}-${r.hex(32)}`;
export const slackWebhook = (r: Rng): string =>
  `https://hooks.slack.com/services/T${r.chars(UPPER + DIGITS, 8)}/B${r.chars(UPPER + DIGITS, 10)}/${r.chars(B62, 24)}`;
export const stripeKey = (r: Rng, kind: 'sk_live' | 'sk_test' | 'rk_live' = 'sk_live'): string =>
  `${kind}_${r.pick(['51', '4e'])}${r.chars(B62, r.pick([22, 97]))}`;
export const openaiLegacy = (r: Rng): string => `sk-${r.chars(B62, 20)}T3BlbkFJ${r.chars(B62, 20)}`;
export const openaiProject = (r: Rng, kind: 'proj' | 'svcacct' = 'proj'): string =>
  `sk-${kind}-${r.chars(B64URL, 74)}T3BlbkFJ${r.chars(B64URL, 74)}`;
export const anthropicKey = (r: Rng): string => `sk-ant-api03-${r.chars(B64URL, 93)}AA`;
export const npmToken = (r: Rng): string => `npm_${checksummed(r)}`;
export const gatehouseKey = (r: Rng): string => `gk-${r.chars(B62, 40)}`;

function pemLines(b64: string, width: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += width) lines.push(b64.slice(i, i + width));
  return lines;
}

/** DER-shaped bodies: the real leading bytes of each key kind, then random bytes. */
const DER_PREFIX = {
  RSA: Buffer.from('308204a40201000282010100', 'hex'),
  PKCS8: Buffer.from('308204bd020100300d06092a864886f70d0101010500048204a7308204a30201000282010100', 'hex'),
  EC: Buffer.from('30770201010420', 'hex'),
};

function sshString(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** An unencrypted OpenSSH (ed25519) key laid out as ssh-keygen writes it, random key bytes. */
function openSshBody(r: Rng): Buffer {
  const pub = r.bytes(32);
  const pubBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = r.bytes(4);
  let priv = Buffer.concat([check, check, sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([r.bytes(32), pub])), sshString(`${r.pick(['deploy', 'ci', 'alice', 'ops'])}@${r.pick(['laptop', 'build-01', 'bastion'])}`)]);
  const pad: number[] = [];
  for (let i = 1; (priv.length + pad.length) % 8 !== 0; i++) pad.push(i);
  priv = Buffer.concat([priv, Buffer.from(pad)]);
  const one = Buffer.alloc(4);
  one.writeUInt32BE(1);
  return Buffer.concat([Buffer.from('openssh-key-v1\0'), sshString('none'), sshString('none'), sshString(''), one, sshString(pubBlob), sshString(priv)]);
}

export type PemKind = 'RSA' | 'EC' | 'OPENSSH' | 'PKCS8' | 'RSA-ENCRYPTED';

/** A PEM private key with real newlines. */
export function privateKeyPem(r: Rng, kind: PemKind): string {
  if (kind === 'OPENSSH') {
    return ['-----BEGIN OPENSSH PRIVATE KEY-----', ...pemLines(openSshBody(r).toString('base64'), 70), '-----END OPENSSH PRIVATE KEY-----'].join('\n');
  }
  if (kind === 'EC') {
    const der = Buffer.concat([DER_PREFIX.EC, r.bytes(32), Buffer.from('a00a06082a8648ce3d030107a144034200', 'hex'), Buffer.from([4]), r.bytes(64)]);
    return ['-----BEGIN EC PRIVATE KEY-----', ...pemLines(der.toString('base64'), 64), '-----END EC PRIVATE KEY-----'].join('\n');
  }
  if (kind === 'RSA-ENCRYPTED') {
    const body = pemLines(r.bytes(1200).toString('base64'), 64);
    return ['-----BEGIN RSA PRIVATE KEY-----', 'Proc-Type: 4,ENCRYPTED', `DEK-Info: AES-128-CBC,${r.hex(32).toUpperCase()}`, '', ...body, '-----END RSA PRIVATE KEY-----'].join('\n');
  }
  const prefix = kind === 'RSA' ? DER_PREFIX.RSA : DER_PREFIX.PKCS8;
  const der = Buffer.concat([prefix, r.bytes(kind === 'RSA' ? 1180 : 1205)]);
  const label = kind === 'RSA' ? 'RSA PRIVATE KEY' : 'PRIVATE KEY';
  return [`-----BEGIN ${label}-----`, ...pemLines(der.toString('base64'), 64), `-----END ${label}-----`].join('\n');
}

/** A signed JWT with realistic claims (no placeholder words, real-looking issuers). */
export function jwt(r: Rng): string {
  const rs = r.float() < 0.4;
  const header = rs ? { alg: 'RS256', typ: 'JWT', kid: r.chars(B64URL, 22) } : { alg: r.pick(['HS256', 'HS512']), typ: 'JWT' };
  const iat = 1_700_000_000 + r.int(60_000_000);
  const payload = r.pick([
    () => ({ sub: r.uuid(), iss: `https://auth.${r.pick(['acmecorp.io', 'fintrack.app', 'northwind.dev'])}/`, aud: 'api', iat, exp: iat + 3600, scope: 'read:orders write:orders' }),
    () => ({ user_id: r.between(1000, 9_999_999), role: r.pick(['admin', 'member', 'viewer']), iat, exp: iat + 86400 }),
    () => ({ sub: `auth0|${r.hex(24)}`, email_verified: true, iat, exp: iat + 7200, azp: r.chars(B62, 32) }),
  ])();
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc(header)}.${enc(payload)}.${r.bytes(rs ? 256 : 32).toString('base64url')}`;
}

const WORDS = ['river', 'Falcon', 'copper', 'Maple', 'orbit', 'Tiger', 'harbor', 'Violet', 'summit', 'Cobalt'];
/** A password: random (password-manager style) or human-made (word + digits + symbol). */
export function password(r: Rng, urlSafe = true): string {
  const symbols = urlSafe ? '!*_-.~' : '!*_-.~#$%^&()';
  if (r.float() < 0.6) return r.chars(B62 + symbols, r.between(14, 24));
  return `${r.pick(WORDS)}${r.pick(WORDS).toLowerCase()}${r.between(10, 99)}${symbols[r.int(symbols.length)]}${r.chars(B62, 2)}`;
}

/** An opaque API key of an unnamed vendor: hex or base62. */
export const opaqueKey = (r: Rng): string => (r.float() < 0.5 ? r.hex(r.pick([32, 40, 64])) : r.chars(B62, r.between(24, 48)));
