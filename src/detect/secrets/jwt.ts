// JSON Web Tokens: three base64url segments whose header decodes to a JSON object with `alg`.
import { hasPlaceholderWord } from './placeholder.js';
import { secretRule } from './rule.js';

function decodeJson(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export const jwt = secretRule({
  detector: 'jwt',
  hint: 'eyJ',
  pattern:
    /(?<![A-Za-z0-9_-])(?<header>eyJ[A-Za-z0-9_-]{6,2000})\.(?<payload>[A-Za-z0-9_-]{4,8000})\.[A-Za-z0-9_-]{16,2000}(?![A-Za-z0-9_-])/g,
  check: (_v, m) => {
    const header = decodeJson(m.groups?.header ?? '');
    if (typeof header !== 'object' || header === null || !('alg' in header)) return null;
    const { alg } = header as { alg: unknown };
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none') return null;
    const payload = decodeJson(m.groups?.payload ?? '');
    if (payload === undefined) return 0.85;
    // The token every JWT tutorial shows (sub "1234567890", "John Doe") and its kin.
    const claims = JSON.stringify(payload);
    if (hasPlaceholderWord(claims) || /john doe/i.test(claims)) return null;
    return 0.95;
  },
});
