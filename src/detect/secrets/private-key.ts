// PEM private keys: the whole block, BEGIN to END, whether its newlines are real or escaped (`\n`
// inside JSON or an env file). The body may not contain "-----", so an unterminated BEGIN is
// scanned only up to the next marker: linear time however many BEGINs a text holds.
import { looksLikePlaceholder } from './placeholder.js';
import { secretRule } from './rule.js';

const HEADER_LINE = /^(?:Proc-Type|DEK-Info|Comment|Version):.*$/gm;

export const privateKey = secretRule({
  detector: 'private-key',
  hint: '-----BEGIN ',
  pattern:
    /-----BEGIN (?<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----(?<body>(?:[A-Za-z0-9+/=\s\\:,.]|-(?!----)){20,16000}?)-----END \k<kind>-----/g,
  check: (_v, m) => {
    const body = (m.groups?.body ?? '').replace(/\\[nr]/g, '\n').replace(HEADER_LINE, '').replace(/\s+/g, '');
    if (body.length < 64 || !/^[A-Za-z0-9+/=]+$/.test(body) || looksLikePlaceholder(body)) return null;
    return 0.99;
  },
});
