// PEM private keys: the whole block, BEGIN to END, whether its newlines are real or escaped (`\n`
// inside JSON or an env file, `\\n` when that JSON is itself a JSON string, as in a tool call's
// arguments). The body may not contain "-----", so an unterminated BEGIN is scanned only up to the
// next marker: linear time however many BEGINs a text holds.
import { shannonEntropy } from './entropy.js';
import { hasPlaceholderWord } from './placeholder.js';
import { secretRule } from './rule.js';

/** An escaped newline, escaped once (`\n`) or twice (`\\n`): base64 has no backslash. */
const ESCAPED_NEWLINE = /\\+[nr]/g;
/** Encrypted PEM header lines, also indented (a key in a YAML block scalar). */
const HEADER_LINE = /^[ \t]*(?:Proc-Type|DEK-Info|Comment|Version):.*$/gm;
const WHITESPACE = /\s+/g;
const BASE64 = /^[A-Za-z0-9+/=]+$/;

export const privateKey = secretRule({
  detector: 'private-key',
  hint: '-----BEGIN ',
  pattern:
    /-----BEGIN (?<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----(?<body>(?:[A-Za-z0-9+/=\s\\:,.]|-(?!----)){20,16000}?)-----END \k<kind>-----/g,
  check: (_v, m) => {
    const body = (m.groups?.body ?? '').replace(ESCAPED_NEWLINE, '\n').replace(HEADER_LINE, '').replace(WHITESPACE, '');
    // Placeholder words only: real keys hold long runs (an OpenSSH key's `AAAAAAAAAAAB`, DER
    // length bytes), which the trivial-run test would take for a placeholder. A body of one
    // repeated character (`AAAA…`) still has too little entropy to be a key.
    if (body.length < 64 || !BASE64.test(body) || hasPlaceholderWord(body) || shannonEntropy(body) < 4) return null;
    return 0.99;
  },
});
