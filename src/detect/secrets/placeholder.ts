/**
 * Documentation examples and placeholders must not fire (precision first). These are judged on
 * the secret's variable part, never on a fixed prefix such as `sk_test_`.
 */
const PLACEHOLDER_WORDS =
  /example|dummy|placeholder|sample|your[_-]|yourkey|yoursecret|replace[_-]?me|changeme|change[_-]me|redacted|insert[_-]|fake|notreal|not[_-]a[_-]real|xxxx|\*\*\*\*|\.\.\.|…|<[^>]*>|\$\{|\{\{|%s|0123456789|123456789|abcdefgh|qwerty/i;

/** Words that, as a whole password, are obvious placeholders in docs and tutorials. */
const PLACEHOLDER_PASSWORDS = new Set([
  'password', 'passwd', 'pass', 'pwd', 'secret', 'changeme', 'change_me', 'admin', 'root', 'test',
  'user', 'username', 'mypassword', 'yourpassword', 'your_password', 'pa55word', 'p@ssw0rd',
  'p@ssword', 'passw0rd', 'password1', 'password123', 'secret123', 'letmein', 'hunter2', 'xxx',
  'foo', 'bar', 'foobar', 'postgres', 'mysql', 'guest', 'default', 'none', 'null', 'undefined',
  'true', 'false', 'empty', 'redacted', 'hidden', 'masked', 'pw',
]);

/**
 * Keys published in vendors' documentation, shown whole in tutorials and READMEs (AWS's own
 * examples end in `EXAMPLE`/`EXAMPLEKEY` and are caught by the word above).
 */
const DOCUMENTATION_KEYS = new Set([
  'sk_test_4eC39HqLyjWDarjtT1zdp7dc', // Stripe API reference
  'sk_test_BQokikJOvBiI2HlWgH4olfQ2', // Stripe docs, earlier years
]);

/** A run of 6+ identical characters, or 6+ consecutive ascending/descending characters. */
function hasTrivialRun(s: string): boolean {
  let same = 1;
  let up = 1;
  let down = 1;
  for (let i = 1; i < s.length; i++) {
    const d = s.charCodeAt(i) - s.charCodeAt(i - 1);
    same = d === 0 ? same + 1 : 1;
    up = d === 1 ? up + 1 : 1;
    down = d === -1 ? down + 1 : 1;
    if (same >= 6 || up >= 6 || down >= 6) return true;
  }
  return false;
}

/** Placeholder words and markers only (for decoded structured text, where runs like 000000 are normal). */
export function hasPlaceholderWord(value: string): boolean {
  return PLACEHOLDER_WORDS.test(value);
}

export function looksLikePlaceholder(value: string): boolean {
  return PLACEHOLDER_WORDS.test(value) || hasTrivialRun(value);
}

/** One of the well-known documentation keys, compared whole (prefix included). */
export function isDocumentationKey(value: string): boolean {
  return DOCUMENTATION_KEYS.has(value);
}

export function isPlaceholderPassword(value: string): boolean {
  const v = value.toLowerCase();
  return PLACEHOLDER_PASSWORDS.has(v) || looksLikePlaceholder(value) || /^[*x.•?#_-]+$/i.test(value) || /^(.)\1*$/.test(value);
}
