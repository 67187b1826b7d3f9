// High-entropy values in a key-like context: `api_key = "…"`, `"clientSecret": "…"`,
// `Authorization: Bearer …`, `DB_PASSWORD=…`. The span is the value. Without the context a random
// string is just a random string (hashes, ids), so the context is required.
import { shannonEntropy } from './entropy.js';
import { isDocumentationKey, isPlaceholderPassword, looksLikePlaceholder } from './placeholder.js';
import { secretRule } from './rule.js';

/**
 * `process.env.API_KEY`, `config.apiKey`, `MY_ENV_VAR`, `${VAR}`, `$VAR`, `$env:VAR`, `%VAR%`: a
 * name, not a value. Any other value starting with `$` or `%` is a value (generated passwords,
 * Django secret keys).
 */
const CODE_REFERENCE =
  /^[A-Za-z_$][A-Za-z_$]*\d{0,2}(?:\.[A-Za-z_$][A-Za-z_$]*\d{0,2})+$|^[A-Z][A-Z0-9_]*$|^\$\{[^}]*\}$|^\$(?:env:)?[A-Za-z_][A-Za-z0-9_]*$|^%[A-Za-z_][A-Za-z0-9_]*%$/;
/** Key names that carry metadata about a secret, not the secret (`private_key_id`, `token_type`). */
const METADATA_KEY = /(?:id|ids|type|name|names|url|uri|file|path|length|len|size|count|expiry|expires|ttl|endpoint|header|prefix|hash)$/i;
const HEX = /^[0-9a-f]+$/i;
const DIGIT = /[0-9]/;
const LETTER = /[A-Za-z]/;
const CHARACTER_CLASSES = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/];

const MAX_VALUE = 1000;

/** Whether the character at `i` may follow an unquoted value (the pattern's final lookahead, for a `secretRun`). */
function endsValue(text: string, i: number): boolean {
  if (i >= text.length) return true;
  switch (text.charCodeAt(i)) {
    case 0x2c: // ,
    case 0x3b: // ;
    case 0x29: // )
    case 0x7d: // }
    case 0x5d: // ]
    case 0x22: // "
    case 0x27: // '
    case 0x60: // `
    case 0x5c: // backslash
      return true;
    default:
      return WHITESPACE_AT.test(text[i]);
  }
}
const WHITESPACE_AT = /^\s$/;

function tokenConfidence(v: string): number | null {
  if (v.length < 16 || !DIGIT.test(v) || !LETTER.test(v) || CODE_REFERENCE.test(v) || looksLikePlaceholder(v) || isDocumentationKey(v)) return null;
  const entropy = shannonEntropy(v);
  const threshold = HEX.test(v) ? 3.2 : 3.6;
  if (entropy < threshold) return null;
  return entropy >= 4.2 ? 0.8 : 0.7;
}

function passwordValueConfidence(v: string): number | null {
  if (v.length < 8 || isPlaceholderPassword(v) || CODE_REFERENCE.test(v)) return null;
  let classes = 0;
  for (const c of CHARACTER_CLASSES) if (c.test(v)) classes++;
  if (classes < 3 || shannonEntropy(v) < 2.8) return null;
  return 0.75;
}

export const genericSecret = secretRule({
  detector: 'generic-secret',
  // Every key name of the pattern contains one of these (the pattern is case-insensitive, not Unicode).
  gate: ['key', 'secret', 'token', 'passw', 'pwd', 'auth', 'credential'],
  // And every match assigns: `=`, `:=`, `:` or `=>`.
  operators: ':=',
  // In JSON-escaped text (a tool call's arguments) quotes come as `\"` and line ends as `\n`: a
  // backslash may precede a quote. Pagination cursors (`nextPageToken`, `NextToken`,
  // `continuation_token`, `syncToken`) are not credentials. Values reach 1000 characters (an STS
  // session token is ~400); a quoted one ends at its quote. An unquoted one must be followed by a
  // character that may end it (see endsValue). A run of 32 or more value characters (`secretRun`)
  // is matched whole whatever follows, and judged in `check`, so that the scan moves past it: a
  // bounded, backtracking run would make each `token=` inside a long run rescan up to 1000
  // characters. A shorter run that ends wrongly (`token=get_token(`) just fails.
  pattern:
    /(?<name>(?<key>api[_-]?key|secret|token(?<!(?:page|next|continuation|pagination|sync)[_-]?token)|passw(?:or)?d|pwd|auth|access[_-]?key|private[_-]?key|credential)[A-Za-z0-9_.-]{0,24})\\?["'`]?\s{0,4}(?:=|:=|:|=>)\s{0,4}(?:(?:Bearer|Basic|Token)\s{1,4})?(?:\\?"(?<secretD>[^"\s]{7,999}[^"\s\\])\\?"|'(?<secretS>[^'\s]{8,1000})'|`(?<secretT>[^`\s]{8,1000})`|(?=[A-Za-z0-9+/=_.~!@#%^&*-]{32})(?<secretRun>[A-Za-z0-9+/=_.~!@#%^&*-]+)|(?<secret>[A-Za-z0-9+/=_.~!@#%^&*-]{8,31})(?=$|[\s,;)}\]"'`\\]))/dgi,
  check: (v, m, text) => {
    if (METADATA_KEY.test(m.groups?.name ?? '')) return null;
    // An unquoted value must be whole: followed by the end, a space, a delimiter, a quote of the
    // surrounding text (`-H "x-api-key: …"`) or the backslash of an escape (`\n`, `\"`).
    if (m.groups?.secretRun !== undefined && (v.length > MAX_VALUE || !endsValue(text, m.index + m[0].length))) return null;
    const key = (m.groups?.key ?? '').toLowerCase();
    return key.startsWith('pass') || key === 'pwd' ? passwordValueConfidence(v) : tokenConfidence(v);
  },
});
