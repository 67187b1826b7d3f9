// Cloud-provider credentials: AWS, Google Cloud, Azure.
import { shannonEntropy } from './entropy.js';
import { hasPlaceholderWord, looksLikePlaceholder } from './placeholder.js';
import { secretRule } from './rule.js';

/** AWS access key id: AKIA (long-term) or ASIA (temporary) + 16 upper-case base32 characters. */
export const awsAccessKeyId = secretRule({
  detector: 'aws-access-key-id',
  hint: ['AKIA', 'ASIA'],
  pattern: /(?<![A-Za-z0-9_])(?:AKIA|ASIA)(?<body>[A-Z0-9]{16})(?![A-Za-z0-9_])/g,
  check: (_v, m) => {
    const body = m.groups?.body ?? '';
    if (looksLikePlaceholder(body) || shannonEntropy(body) < 2.8) return null;
    // Real ids use the base32 alphabet (A-Z, 2-7); 0, 1, 8, 9 suggest a lookalike.
    return /^[A-Z2-7]+$/.test(body) ? 0.97 : 0.75;
  },
});

/**
 * AWS secret access key: 40 base64 characters, only in a key-like context (the shape alone is
 * too common). The span is the value. Quotes may be escaped (`\"`): JSON inside a JSON string.
 */
export const awsSecretAccessKey = secretRule({
  detector: 'aws-secret-access-key',
  // Every key name says `secret`, at most 4 characters after its start (`aws_secret…`).
  near: { words: ['secret'], reach: 4 },
  operators: ':=',
  pattern:
    /(?:aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key)\\?["']?\s*(?:=|:|=>)\s*\\?["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi,
  check: (v) => (looksLikePlaceholder(v) || shannonEntropy(v) < 4 ? null : 0.95),
});

const SERVICE_ACCOUNT_TYPE = /\\?"type\\?"\s*:\s*\\?"service_account\\?"/;

/**
 * A Google service-account key file: the `private_key` JSON string (a PEM with escaped newlines).
 * The file may itself sit in a JSON string (a tool call writing it): quotes escaped once (`\"`),
 * newlines twice (`\\n`). Confidence is highest when the same text says `"type": "service_account"`.
 */
export const gcpServiceAccountKey = secretRule({
  detector: 'gcp-service-account-key',
  hint: 'private_key',
  pattern:
    /\\?"private_key\\?"\s*:\s*\\?"(?<secret>-----BEGIN (?:RSA )?PRIVATE KEY-----(?:\\\\?[nr]|[A-Za-z0-9+/=\s]){64,12000}?-----END (?:RSA )?PRIVATE KEY-----(?:\\\\?n)?)\\?"/dg,
  check: (v, _m, text) => {
    // As for private-key: placeholder words, not runs (a DER body has runs of `A`).
    if (hasPlaceholderWord(v) || shannonEntropy(v) < 4) return null;
    return SERVICE_ACCOUNT_TYPE.test(text) ? 0.99 : 0.95;
  },
});

/**
 * Azure storage AccountKey / Service Bus & Event Hubs SharedAccessKey in a connection string. A
 * backslash also ends the key: the `\"` or `\n` after it in JSON-escaped text.
 */
export const azureConnectionStringKey = secretRule({
  detector: 'azure-connection-string-key',
  hint: ['AccountKey=', 'SharedAccessKey='],
  pattern: /(?<![A-Za-z])(?:AccountKey|SharedAccessKey)=(?<secret>[A-Za-z0-9+/]{40,100}={0,2})(?=$|[;"'\s\\])/dg,
  check: (v) => (looksLikePlaceholder(v) || shannonEntropy(v) < 4 ? null : 0.97),
});

/** Whitespace, quotes and angle brackets end a URL. */
function isUrlEnd(c: number): boolean {
  return c <= 32 || c === 34 || c === 39 || c === 60 || c === 62;
}

/**
 * Azure shared access signature: the `sig=` of a query string that also has a signed version
 * (`sv=`) — the signature is what grants access. The span is the signature.
 */
export const azureSasToken = secretRule({
  detector: 'azure-sas-token',
  hint: 'sig=',
  requires: ['sv='],
  pattern: /[?&]sig=(?<secret>[A-Za-z0-9%+/=]{30,150})(?![A-Za-z0-9%+/=])/dg,
  check: (v, m, text) => {
    // The URL (or bare query string) this sig belongs to: the run of non-space characters around it.
    let from = m.index;
    while (from > 0 && m.index - from < 1000 && !isUrlEnd(text.charCodeAt(from - 1))) from--;
    let to = m.index + m[0].length;
    while (to < text.length && to - m.index < 1000 && !isUrlEnd(text.charCodeAt(to))) to++;
    if (!/(?:^|[?&])sv=\d{4}-\d{2}-\d{2}(?:$|&)/.test(text.slice(from, to))) return null;
    const decoded = v.replace(/%2B/gi, '+').replace(/%2F/gi, '/').replace(/%3D/gi, '=');
    return looksLikePlaceholder(decoded) || shannonEntropy(decoded) < 4 ? null : 0.95;
  },
});
