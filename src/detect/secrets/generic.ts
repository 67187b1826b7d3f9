// High-entropy values in a key-like context: `api_key = "…"`, `"clientSecret": "…"`,
// `Authorization: Bearer …`, `DB_PASSWORD=…`. The span is the value. Without the context a random
// string is just a random string (hashes, ids), so the context is required.
import { shannonEntropy } from './entropy.js';
import { isPlaceholderPassword, looksLikePlaceholder } from './placeholder.js';
import { secretRule } from './rule.js';

/** `process.env.API_KEY`, `config.apiKey`, `MY_ENV_VAR`, `$VAR`, `%VAR%`: a name, not a value. */
const CODE_REFERENCE = /^[A-Za-z_$][A-Za-z_$]*\d{0,2}(?:\.[A-Za-z_$][A-Za-z_$]*\d{0,2})+$|^[A-Z][A-Z0-9_]*$|^[$%]/;
/** Key names that carry metadata about a secret, not the secret (`private_key_id`, `token_type`). */
const METADATA_KEY = /(?:id|ids|type|name|names|url|uri|file|path|length|len|size|count|expiry|expires|ttl|endpoint|header|prefix|hash)$/i;

function tokenConfidence(v: string): number | null {
  if (v.length < 16 || !/[0-9]/.test(v) || !/[A-Za-z]/.test(v) || CODE_REFERENCE.test(v) || looksLikePlaceholder(v)) return null;
  const entropy = shannonEntropy(v);
  const threshold = /^[0-9a-f]+$/i.test(v) ? 3.2 : 3.6;
  if (entropy < threshold) return null;
  return entropy >= 4.2 ? 0.8 : 0.7;
}

function passwordValueConfidence(v: string): number | null {
  if (v.length < 8 || isPlaceholderPassword(v) || CODE_REFERENCE.test(v)) return null;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((c) => c.test(v)).length;
  if (classes < 3 || shannonEntropy(v) < 2.8) return null;
  return 0.75;
}

export const genericSecret = secretRule({
  detector: 'generic-secret',
  // Every key name of the pattern contains one of these (same flags: case-insensitive, not Unicode).
  gate: /key|secret|token|passw|pwd|auth|credential/i,
  pattern:
    /(?<name>(?<key>api[_-]?key|secret|token|passw(?:or)?d|pwd|auth|access[_-]?key|private[_-]?key|credential)[A-Za-z0-9_.-]{0,24})["'`]?\s{0,4}(?:=|:=|:|=>)\s{0,4}(?:(?:Bearer|Basic|Token)\s{1,4})?(?:"(?<secretD>[^"\s]{8,200})"|'(?<secretS>[^'\s]{8,200})'|`(?<secretT>[^`\s]{8,200})`|(?<secret>[A-Za-z0-9+/=_.~!@#%^&*-]{8,200})(?=$|[\s,;)}\]]))/dgi,
  check: (v, m) => {
    if (METADATA_KEY.test(m.groups?.name ?? '')) return null;
    const key = (m.groups?.key ?? '').toLowerCase();
    return key.startsWith('pass') || key === 'pwd' ? passwordValueConfidence(v) : tokenConfidence(v);
  },
});
