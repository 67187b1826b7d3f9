// Passwords in URLs (scheme://user:password@host) and in connection strings (Password=…;).
// The span is the password only. Obvious placeholders — "password", "pass", "secret",
// "changeme", ${VAR}, <password>, **** — are skipped: they are what documentation shows.
import { shannonEntropy } from './entropy.js';
import { isPlaceholderPassword } from './placeholder.js';
import { secretRule } from './rule.js';

function passwordConfidence(v: string, strong: number): number | null {
  if (isPlaceholderPassword(v)) return null;
  if (/^\d{1,5}$/.test(v)) return null; // a port (host:443@…), not a password
  if (v.startsWith('$') || v.startsWith('%') || v.startsWith('{')) return null; // a reference to a variable
  return v.length >= 8 || shannonEntropy(v) >= 3 ? strong : strong - 0.2;
}

const SCHEME_BEFORE = /(?:^|[^A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,30}$/;

export const urlPassword = secretRule({
  detector: 'url-password',
  hint: '://',
  // Anchored on "://" (a scheme-first pattern would be tried at every letter); the scheme is
  // checked behind it. The password is greedy up to the last @ before the host, so an unescaped
  // @ in it is kept whole.
  pattern: /:\/\/[^\s:/?#@"'<>]{0,128}:(?<secret>[^\s/?#"'<>]{1,256})@(?=[A-Za-z0-9[])/dg,
  check: (v, m, text) => {
    if (!SCHEME_BEFORE.test(text.slice(Math.max(0, m.index - 32), m.index))) return null;
    return passwordConfidence(v, 0.9);
  },
});

/**
 * `Password=`/`Pwd=` in a `;`-separated connection string, or `password=` in a query string. Bare
 * `password = …` elsewhere is left to the generic key-context rule, which demands entropy.
 */
export const connectionStringPassword = secretRule({
  detector: 'connection-string-password',
  gate: ['pass', 'pwd'],
  operators: '=',
  pattern:
    /(?<query>[?&])(?:password|pwd|pass)=(?<secretU>[^&#\s"'<>]{1,256})|(?<sep>;[ \t]*|^|(?<![A-Za-z0-9_]))(?:password|pwd)[ \t]*=[ \t]*(?:"(?<secretQ>[^"\r\n]{1,256})"|'(?<secretS>[^'\r\n]{1,256})'|\{(?<secretB>[^}\r\n]{1,256})\}|(?<secret>[^;\s"'{}][^;\s"']{0,255}))(?<end>;)?/dgim,
  check: (v, m) => {
    // Connection-string context: a query string, or a `;` before the key or right after the value.
    if (m.groups?.query === undefined && !(m.groups?.sep ?? '').startsWith(';') && m.groups?.end === undefined) return null;
    return passwordConfidence(v, 0.9);
  },
});
