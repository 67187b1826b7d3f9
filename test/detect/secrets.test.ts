// Secret detectors: each rule on generated fakes (random characters in the right alphabet and
// length, from a seeded generator, so no real-looking credential is committed) and on the
// placeholders, documentation examples and near-misses that must not fire.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base62, crc32 } from '../../src/detect/secrets/checksum.js';
import { HintFinder } from '../../src/detect/secrets/hint-finder.js';
import { detectSecrets } from '../../src/detect/secrets/index.js';
import type { DetectedEntity } from '../../src/detect/types.js';
import { generateKeySecret } from '../../src/identity/key-secrets.js';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const B62 = DIGITS + UPPER + LOWER;
const B64 = B62 + '+/';
const B64URL = B62 + '-_';
const HEX = '0123456789abcdef';

let seed = 0x5eed;
/** mulberry32: deterministic, so failures reproduce. */
function next(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function rand(alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
  return s;
}
/** 30 random base62 + their CRC32 in base62 (GitHub and npm token shape). */
function withChecksum(): string {
  const entropy = rand(B62, 30);
  return entropy + base62(crc32(entropy), 6);
}
const b64url = (s: string) => Buffer.from(s).toString('base64url');
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)));
/** Text as the inside of a JSON string (a tool call's arguments: what a detector sees in a JSON slot). */
const jsonEscaped = (s: string) => JSON.stringify(s).slice(1, -1);
/** PEM lines of `width` characters, as key tools write them. */
const pemLines = (b64: string, width: number) => b64.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n');
/** An unencrypted ed25519 key laid out as ssh-keygen writes it (no kdf: a run of A's in base64). */
function openSshKey(): string {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const str = (b: Buffer | string) => Buffer.concat([u32(Buffer.byteLength(b)), Buffer.from(b)]);
  const pub = Buffer.concat([str('ssh-ed25519'), str(bytes(32))]);
  const check = bytes(4);
  const priv = Buffer.concat([check, check, pub, str(bytes(64)), str('deploy@ci'), Buffer.from([1, 2, 3, 4, 5])]);
  const blob = Buffer.concat([Buffer.from('openssh-key-v1\0'), str('none'), str('none'), str(''), u32(1), str(pub), str(priv)]);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${pemLines(blob.toString('base64'), 70)}\n-----END OPENSSH PRIVATE KEY-----`;
}

type Found = Pick<DetectedEntity, 'detector' | 'start' | 'end' | 'confidence'>;
function found(text: string): Found[] {
  return detectSecrets(text).map(({ detector, start, end, confidence }) => ({ detector, start, end, confidence }));
}
/** The one finding in `before + secret + after`, at exactly the secret's offsets. */
function assertOne(before: string, secret: string, after: string, detector: string, confidence?: number): void {
  const text = before + secret + after;
  const all = detectSecrets(text);
  assert.equal(all.length, 1, `expected one finding in ${JSON.stringify(text)}, got ${JSON.stringify(all)}`);
  const [f] = all;
  assert.equal(f!.type, 'secret');
  assert.equal(f!.detector, detector);
  assert.deepEqual([f!.start, f!.end], [before.length, before.length + secret.length], JSON.stringify(text.slice(f!.start, f!.end)));
  if (confidence !== undefined) assert.equal(f!.confidence, confidence);
}
function assertNone(text: string): void {
  assert.deepEqual(found(text), [], JSON.stringify(text));
}

describe('AWS', () => {
  it('finds access key ids (AKIA long-term, ASIA temporary)', () => {
    assertOne('export AWS_ACCESS_KEY_ID=', 'AKIA' + rand('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16), '\n', 'aws-access-key-id', 0.97);
    assertOne('id ', 'ASIA' + rand('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16), '.', 'aws-access-key-id', 0.97);
  });
  it('finds the secret access key only in key-like context, span = the value', () => {
    const secret = rand(B64, 40);
    assertOne('aws_secret_access_key = ', secret, '\n', 'aws-secret-access-key', 0.95);
    assertOne('{"AccessKeyId": "x", "SecretAccessKey": "', secret, '"}', 'aws-secret-access-key', 0.95);
    assertNone(`checksum ${secret} ok`);
  });
  it('finds the secret access key in JSON-escaped text (escaped quotes around the separator)', () => {
    const secret = rand(B64, 40);
    assertOne(jsonEscaped('aws_secret_access_key="'), secret, jsonEscaped('"\n'), 'aws-secret-access-key', 0.95);
    assertOne(jsonEscaped('{\n  "SecretAccessKey": "'), secret, jsonEscaped('",\n'), 'aws-secret-access-key', 0.95);
    assertNone(jsonEscaped('aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n'));
    assertNone(jsonEscaped(`{"ChecksumSHA1": "${secret}"}`));
  });
  it('skips the documentation examples and lookalikes', () => {
    assertNone('AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE');
    assertNone('aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    assertNone('AKIAXXXXXXXXXXXXXXXX AKIA1234567890ABCDEF');
    assertNone('XAKIA' + rand(UPPER, 16)); // inside a longer identifier
    assertNone('AKIA' + rand(UPPER, 20)); // too long
  });
});

describe('Google Cloud', () => {
  const pem = `-----BEGIN PRIVATE KEY-----\\n${rand(B64, 64)}\\n${rand(B64, 64)}\\n${rand(B64, 20)}=\\n-----END PRIVATE KEY-----\\n`;
  it('finds the private_key of a service-account JSON key file', () => {
    const before = `{"type": "service_account", "project_id": "p-1", "private_key_id": "${rand(HEX, 40)}", "private_key": "`;
    assertOne(before, pem, '", "client_email": "svc@p-1.iam.gserviceaccount.com"}', 'gcp-service-account-key', 0.99);
  });
  it('finds it when the key file is itself JSON-escaped (a tool call writing it: \\" and \\\\n)', () => {
    const before = jsonEscaped(`{\n  "type": "service_account",\n  "private_key_id": "${rand(HEX, 40)}",\n  "private_key": "`);
    assertOne(before, jsonEscaped(pem), jsonEscaped('",\n  "client_email": "svc@p-1.iam.gserviceaccount.com"\n}\n'), 'gcp-service-account-key', 0.99);
  });
  it('skips an elided key', () => {
    assertNone('{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n"}');
    assertNone(jsonEscaped('{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n"}'));
  });
  it('finds Google API keys, not placeholders', () => {
    assertOne('const key = "', 'AIza' + rand(B64URL, 35), '";', 'google-api-key', 0.97);
    assertNone('key=AIza' + 'x'.repeat(35));
    assertNone('key=AIza' + rand(B64URL, 20));
  });
});

describe('Azure', () => {
  it('finds AccountKey in a storage connection string, span = the key', () => {
    const key = rand(B64, 86) + '==';
    assertOne('DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey=', key, ';EndpointSuffix=core.windows.net', 'azure-connection-string-key', 0.97);
    assertNone('DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey=<your-account-key>;EndpointSuffix=core.windows.net');
  });
  it('finds the key at the end of a JSON-escaped string (followed by \\")', () => {
    const key = rand(B64, 86) + '==';
    assertOne(jsonEscaped('{"Blob": "DefaultEndpointsProtocol=https;AccountName=media6;AccountKey='), key, jsonEscaped('"}\n'), 'azure-connection-string-key', 0.97);
    assertOne('SharedAccessKeyName=Root;SharedAccessKey=', rand(B64, 43) + '=', '\\n', 'azure-connection-string-key', 0.97);
    assertNone(jsonEscaped('{"Blob": "DefaultEndpointsProtocol=https;AccountName=media6;AccountKey=<account-key>"}'));
    assertNone(`AccountKey=${key}x`); // runs on into more text: not a key
  });
  it('finds the signature of a SAS URL', () => {
    const sig = rand(B62, 20) + '%2B' + rand(B62, 20) + '%3D';
    const before = 'https://acct1.blob.core.windows.net/c/b.txt?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&spr=https&sig=';
    assertOne(before, sig, ' expires soon', 'azure-sas-token', 0.95);
    assertNone(`https://example.org/login?next=%2F&sig=${sig}`); // no signed version: not a SAS
  });
});

describe('GitHub and GitLab', () => {
  it('finds classic tokens; a valid CRC32 checksum raises confidence', () => {
    for (const p of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']) assertOne('token: ', p + withChecksum(), '\n', 'github-token', 0.99);
    const body = withChecksum();
    const broken = body.slice(0, 30) + (body[30] === 'A' ? 'B' : 'A') + body.slice(31);
    assertOne('GH_TOKEN=', 'ghp_' + broken, '', 'github-token', 0.8);
  });
  it('finds fine-grained tokens', () => {
    assertOne('', `github_pat_${rand(B62, 22)}_${rand(B62, 59)}`, ' ', 'github-fine-grained-token', 0.99);
  });
  it('skips placeholders and tokens inside longer identifiers', () => {
    assertNone('ghp_' + 'x'.repeat(36));
    assertNone('ghp_your_token_here');
    assertNone('myghp_' + withChecksum());
    assertNone('ghp_' + withChecksum() + 'abc');
  });
  it('finds GitLab personal access tokens', () => {
    assertOne('PRIVATE-TOKEN: ', 'glpat-' + rand(B62 + '-_', 20), '\n', 'gitlab-token', 0.97);
    assertNone('glpat-xxxxxxxxxxxxxxxxxxxx');
  });
});

describe('Slack', () => {
  it('finds bot and user tokens', () => {
    assertOne('SLACK_BOT_TOKEN=', `xoxb-${rand(DIGITS, 12)}-${rand(DIGITS, 13)}-${rand(B62, 24)}`, '\n', 'slack-token', 0.97);
    assertOne('', `xoxp-${rand(DIGITS, 12)}-${rand(DIGITS, 12)}-${rand(DIGITS, 13)}-${rand(HEX, 32)}`, '', 'slack-token', 0.97);
  });
  it('finds webhook URLs', () => {
    assertOne('POST ', `https://hooks.slack.com/services/T${rand(UPPER + DIGITS, 8)}/B${rand(UPPER + DIGITS, 10)}/${rand(B62, 24)}`, ' now', 'slack-webhook', 0.98);
  });
  it('skips placeholders', () => {
    assertNone('xoxb-your-bot-token');
    assertNone('xoxb-000000000000-0000000000000-xxxxxxxxxxxxxxxxxxxxxxxx');
    assertNone('https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX');
  });
});

describe('Stripe, OpenAI, Anthropic, npm, Gatehouse', () => {
  it('Stripe: live keys high, test keys lower, publishable keys not at all', () => {
    assertOne('stripe.api_key = "', 'sk_live_' + rand(B62, 24), '"', 'stripe-key', 0.98);
    assertOne('', 'rk_live_' + rand(B62, 99), '', 'stripe-key', 0.98);
    assertOne('', 'sk_test_' + rand(B62, 24), '', 'stripe-key', 0.6);
    assertNone('pk_live_' + rand(B62, 24));
    assertNone('sk_live_xxxxxxxxxxxxxxxxxxxxxxxx');
  });
  it("Stripe: the key of Stripe's own docs is not a secret, not even to the generic rule", () => {
    assertNone('stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"  # the key shown in Stripe\'s docs');
    assertNone('STRIPE_SECRET_KEY=sk_test_BQokikJOvBiI2HlWgH4olfQ2');
    assertOne('stripe.api_key = "', 'sk_test_4eC39HqLyjWDarjtT1zdp7dX', '"', 'stripe-key', 0.6); // not the docs key
  });
  it('OpenAI: project and legacy keys', () => {
    assertOne('OPENAI_API_KEY=', `sk-proj-${rand(B64URL, 74)}T3BlbkFJ${rand(B64URL, 74)}`, '\n', 'openai-key', 0.99);
    assertOne('', `sk-${rand(B62, 20)}T3BlbkFJ${rand(B62, 20)}`, '', 'openai-key', 0.99);
    assertOne('', `sk-${rand(B62, 48)}`, '', 'openai-key', 0.85);
    assertNone('OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
    assertNone('use sk-... or sk-proj-... keys');
    assertNone('task-' + rand(B62, 48)); // "sk-" inside a longer word
  });
  it('Anthropic keys', () => {
    assertOne('x-api-key: ', `sk-ant-api03-${rand(B64URL, 93)}AA`, '\n', 'anthropic-key', 0.99);
    assertNone('ANTHROPIC_API_KEY=sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
  });
  it('npm tokens', () => {
    assertOne('//registry.npmjs.org/:_authToken=', 'npm_' + withChecksum(), '\n', 'npm-token', 0.99);
    assertNone('npm_' + 'a'.repeat(36));
  });
  it("Gatehouse's own keys", () => {
    assertOne('Authorization: Bearer ', generateKeySecret(), '', 'gatehouse-key', 0.99);
    assertNone('gk-' + 'x'.repeat(40));
    assertNone('gk-' + rand(B62, 39));
  });
});

describe('private keys', () => {
  const lines = Array.from({ length: 8 }, () => rand(B64, 64)).join('\n');
  it('finds the whole PEM block', () => {
    for (const kind of ['', 'RSA ', 'EC ', 'OPENSSH ', 'ENCRYPTED ']) {
      assertOne('key:\n', `-----BEGIN ${kind}PRIVATE KEY-----\n${lines}\n-----END ${kind}PRIVATE KEY-----`, '\nthanks', 'private-key', 0.99);
    }
  });
  it('finds unencrypted OpenSSH keys, whose kdf fields are a run of A\'s', () => {
    const key = openSshKey();
    assert.match(key, /AAAAAA/);
    assertOne('$ cat ~/.ssh/id_deploy\n', key, '\n$ ssh -i ~/.ssh/id_deploy deploy@bastion', 'private-key', 0.99);
    assertOne('{"key":"', jsonEscaped(key), '"}', 'private-key', 0.99);
  });
  it('finds an encrypted PEM indented in a YAML block scalar', () => {
    const body = Array.from({ length: 6 }, () => rand(B64, 64)).join('\n    ');
    const key = `-----BEGIN RSA PRIVATE KEY-----\n    Proc-Type: 4,ENCRYPTED\n    DEK-Info: AES-128-CBC,${rand(HEX, 32).toUpperCase()}\n\n    ${body}\n    -----END RSA PRIVATE KEY-----`;
    assertOne('stringData:\n  tls.key: |\n    ', key, '\n', 'private-key', 0.99);
    assertOne(jsonEscaped('stringData:\n  tls.key: |\n    '), jsonEscaped(key), '', 'private-key', 0.99);
  });
  it('finds a PEM escaped twice (\\\\n: a key file written through a tool call)', () => {
    const key = `-----BEGIN EC PRIVATE KEY-----\n${lines}\n-----END EC PRIVATE KEY-----`;
    const once = key.replace(/\n/g, '\\n');
    assertOne(jsonEscaped('SSH_PRIVATE_KEY="'), jsonEscaped(once), jsonEscaped('"\n'), 'private-key', 0.99);
    assertNone(jsonEscaped('SSH_PRIVATE_KEY="-----BEGIN EC PRIVATE KEY-----\\n...\\n-----END EC PRIVATE KEY-----"'));
  });
  it('skips bodies of one repeated character and indented elided encrypted keys', () => {
    const runs = Array.from({ length: 4 }, () => 'A'.repeat(64)).join('\n');
    assertNone(`-----BEGIN OPENSSH PRIVATE KEY-----\n${runs}\n-----END OPENSSH PRIVATE KEY-----`);
    assertNone('tls.key: |\n    -----BEGIN RSA PRIVATE KEY-----\n    Proc-Type: 4,ENCRYPTED\n    DEK-Info: AES-128-CBC,0A1B\n\n    MIIEowIBAAKCAQEA...\n    -----END RSA PRIVATE KEY-----');
    assertNone(`-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.slice(0, 200)}your-key-here${lines.slice(200)}\n-----END OPENSSH PRIVATE KEY-----`);
  });
  it('skips elided keys, public keys and mismatched markers', () => {
    assertNone('-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----');
    assertNone('-----BEGIN RSA PRIVATE KEY-----\nMIIE...your key here...\n-----END RSA PRIVATE KEY-----');
    assertNone(`-----BEGIN PUBLIC KEY-----\n${lines}\n-----END PUBLIC KEY-----`);
    assertNone(`-----BEGIN RSA PRIVATE KEY-----\n${lines}\n-----END EC PRIVATE KEY-----`);
  });
});

describe('JWTs', () => {
  const token = (header: object, payload: object) => `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${rand(B64URL, 43)}`;
  it('finds a signed JWT', () => {
    assertOne('Authorization: Bearer ', token({ alg: 'RS256', typ: 'JWT' }, { sub: 'u_8f3k2', iat: 1700000000 }), '\n', 'jwt', 0.95);
  });
  it('skips the tutorial token, unsigned tokens and headers without alg', () => {
    assertNone(token({ alg: 'HS256', typ: 'JWT' }, { sub: '1234567890', name: 'John Doe', iat: 1516239022 }));
    assertNone(token({ alg: 'none' }, { sub: 'u1' }));
    assertNone(token({ typ: 'JWT' }, { sub: 'u1' }));
    assertNone(`eyJ${rand(B64URL, 30)}.${rand(B64URL, 30)}.${rand(B64URL, 30)}`);
  });
});

describe('passwords in URLs and connection strings', () => {
  it('finds the password of a URL, span = the password only', () => {
    const pw = rand(B62, 16);
    assertOne('DATABASE_URL=postgres://app:', pw, '@db.internal:5432/app', 'url-password', 0.9);
    assertOne('redis://:', pw, '@cache:6379/0', 'url-password', 0.9);
    assertOne('amqp://svc:', 'p@ss-' + pw, '@mq/vhost', 'url-password', 0.9); // an unescaped @ stays inside
  });
  it('skips obvious placeholders (precision first)', () => {
    for (const pw of ['password', 'pass', 'secret', 'changeme', '${DB_PASSWORD}', '<password>', '****', 'xxxxxxxx', 'PASSWORD'])
      assertNone(`postgres://user:${pw}@localhost/db`);
    assertNone('https://example.com:443@attacker.test/'); // a port, not a password
    assertNone('see http://localhost:8080/a@b');
  });
  it('finds Password=/Pwd= in connection strings and password= in query strings', () => {
    assertOne('Server=tcp:db1.example.net,1433;Database=app;User ID=svc;Password=', 'Tr0ub4dor&3x', ';Encrypt=true;', 'connection-string-password', 0.9);
    assertOne('Driver={ODBC Driver 18};Server=db;Uid=svc;Pwd={', 'a;b' + rand(B62, 10), '};', 'connection-string-password', 0.9);
    assertOne('jdbc:mysql://db/app?user=svc&password=', rand(B62, 12), '&useSSL=true', 'connection-string-password', 0.9);
  });
  it('skips placeholders in connection strings and bare prose', () => {
    assertNone('Server=db;Database=app;User Id=sa;Password=changeme;');
    assertNone('Server=db;Database=app;User Id=sa;Password=<your-password>;');
    assertNone('Server=db;Database=app;User Id=sa;Password=password;');
    assertNone('the password=hunter2 thing is a meme');
  });
});

describe('generic high-entropy values in key-like context', () => {
  it('finds them, span = the value', () => {
    assertOne('api_key = "', rand(B62, 32), '"', 'generic-secret');
    assertOne('{"clientSecret": "', rand(B62 + '-_.~', 40), '"}', 'generic-secret');
    assertOne('Authorization: Bearer ', rand(HEX, 40), '\n', 'generic-secret');
    assertOne('MY_SERVICE_TOKEN=', rand(B62, 24), '\n', 'generic-secret');
    assertOne("db_password: '", 'Xk7#pQ2m-Z9vL', "'", 'generic-secret', 0.75);
  });
  it('skips placeholders, code references, low entropy and values without context', () => {
    assertNone('api_key = "your_api_key_here"');
    assertNone('token: "<TOKEN>"');
    assertNone('api_key = process.env.API_KEY');
    assertNone('API_KEY=${API_KEY}');
    assertNone('secret: "aaaaaaaaaaaaaaaaaaaaaaaa"');
    assertNone('max_tokens: 123456789012345678');
    assertNone('tokenizer: cl100k_base');
    assertNone('password: "password123"');
    assertNone('password = getPassword()');
    assertNone(`commit ${rand(HEX, 40)} fixed it`);
    assertNone(`"private_key_id": "${rand(HEX, 40)}", "token_type": "Bearer", "secret_name": "${rand(B62, 20)}"`);
  });
  it('finds them in JSON-escaped text: a value before \\n, a value in \\"…\\"', () => {
    const hex = rand(HEX, 32);
    assertOne('{"content":"DD_API_KEY=', hex, '\\nDD_SITE=datadoghq.com\\n"}', 'generic-secret');
    assertOne(jsonEscaped('API_KEY = "'), hex, jsonEscaped('"\nBASE_URL = "https://api.example.net"\n'), 'generic-secret');
    assertOne(jsonEscaped('{\n  "client_secret": "'), 'GOCSPX-' + rand(B62, 28), jsonEscaped('",\n'), 'generic-secret');
    assertOne(jsonEscaped('{"user": "admin", "password": "'), 'v-p~&Gq7Zr2#', jsonEscaped('"}'), 'generic-secret', 0.75);
    assertNone(jsonEscaped('API_KEY = "your_api_key_here"\n'));
    assertNone(jsonEscaped('API_KEY=${API_KEY}\nDEBUG=1\n'));
    assertNone(jsonEscaped('{"token_type": "Bearer", "api_key_id": "' + rand(HEX, 32) + '"}'));
  });
  it('finds a value followed by a quote of the surrounding text (curl -H "…")', () => {
    assertOne('curl -H "x-api-key: ', rand(HEX, 32), '" https://api.example.net/v1', 'generic-secret');
    assertOne('curl https://api.example.net/v1/me -H "Authorization: Bearer ', rand(B62 + '-_', 36), '"', 'generic-secret');
    assertOne("http GET :8080 'X-Auth-Token: ", rand(B62, 30), "'", 'generic-secret');
    assertNone('curl -H "x-api-key: $API_KEY" https://api.example.net/v1');
    assertNone('curl -H "Authorization: Bearer <token>" https://api.example.net/v1');
    assertNone('token=get_token(user) and api_key=os.environ.get("K")');
  });
  it('finds quoted values that start with % or $; only ${…}, $NAME, $env:NAME and %NAME% are references', () => {
    assertOne("SECRET_KEY = '", '%*ux8Zq9!rT2vLp#4mW&k0', "'", 'generic-secret');
    assertOne('{"user": "reporting", "password": "', '%Ab-Dj7x!Qm2', '"}', 'generic-secret', 0.75);
    assertOne('DB_PASSWORD="', '$Tr0ub4dor&3x', '"', 'generic-secret', 0.75);
    for (const ref of ['${DB_PASSWORD}', '$DB_PASSWORD', '$env:DB_PASSWORD', '%DB_PASSWORD%', '$db_password2'])
      assertNone(`password: "${ref}"\napi_key = '${ref.replace(/DB_PASSWORD|db_password2/, 'API_KEY')}'`);
  });
  it('finds values up to 1000 characters (an STS session token), and no longer ones', () => {
    const session = 'IQoJb3JpZ2luX2Vj' + bytes(300).toString('base64');
    assert.ok(session.length > 400);
    assertOne('{"AccessKeyId": "ASIA", "SessionToken": "', session, '", "Expiration": "2024-06-01T12:00:00Z"}', 'generic-secret', 0.8);
    assertOne('export AWS_SESSION_TOKEN=', session, '\n', 'generic-secret', 0.8);
    assertOne(jsonEscaped('"SessionToken": "'), session, jsonEscaped('",\n'), 'generic-secret', 0.8);
    assertNone(`export AWS_SESSION_TOKEN=${rand(B64, 1001)}\n`);
    assertNone(`SESSION_TOKEN=${session}<`); // runs on into markup: not a whole value
  });
  it('finds nothing in a long run of key=value fragments, and scans it in linear time', () => {
    assertNone('token='.repeat(5000) + 'x<');
    assertNone(('token=token=token=' + rand(B62, 20) + '<').repeat(200));
    assertOne('token='.repeat(5) + 'x' + ' api_key=', rand(B62, 32), '', 'generic-secret');
  });
  it('skips pagination cursors, not other tokens named next to them', () => {
    const cursor = rand(B64URL, 40);
    for (const name of ['nextPageToken', 'pageToken', 'page_token', 'NextToken', 'next_token', 'continuationToken', 'ContinuationToken', 'syncToken', 'nextSyncToken', 'X-Next-Page-Token'])
      assertNone(`{"files": [], "${name}": "${cursor}"}`);
    assertOne('{"nextPageToken": null, "refreshToken": "', cursor, '"}', 'generic-secret');
    assertOne('{"access_token": "', cursor, '", "next_page": 2}', 'generic-secret');
  });
});

describe('detectSecrets over a whole text', () => {
  it('finds several secrets in order, with exact offsets', () => {
    const aws = 'AKIA' + rand('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16);
    const gh = 'ghp_' + withChecksum();
    const pw = rand(B62, 14);
    const text = `aws ${aws}, github ${gh} and postgres://u:${pw}@h/db — done ✓`;
    assert.deepEqual(found(text), [
      { detector: 'aws-access-key-id', start: 4, end: 24, confidence: 0.97 },
      { detector: 'github-token', start: 33, end: 73, confidence: 0.99 },
      { detector: 'url-password', start: 91, end: 91 + pw.length, confidence: 0.9 },
    ]);
  });
  it('offsets are UTF-16 code units after astral characters', () => {
    const key = 'sk_live_' + rand(B62, 30);
    assertOne('🔑🔑 key: ', key, ' 🔑', 'stripe-key', 0.98);
  });
  it('a specific rule wins over the generic one on the same value', () => {
    assertOne('api_key = "', 'sk_test_' + rand(B62, 24), '"', 'stripe-key', 0.6);
    assertOne('token: ', 'ghp_' + withChecksum(), '', 'github-token', 0.99);
  });
  it('keeps no state between calls', () => {
    const text = `${'npm_' + withChecksum()} and ${'gk-' + rand(B62, 40)}`;
    assert.deepEqual(found(text), found(text));
    assert.equal(found(text).length, 2);
  });
  it('finds nothing in ordinary prose', () => {
    assertNone('Please summarise the attached report on token economics and API key rotation best practices.');
    assertNone('The secret to good bread is time. Password managers help. Our auth flow uses OAuth 2.0.');
  });
});

// detectSecrets looks for every rule's hint (`ghp_`, `eyJ`, `sig=`…) in one pass anchored on each
// hint's rarest character, and key-context rules run only when their key words occur. These pin
// the edges of those prefilters.
describe('prefilters keep every finding', () => {
  it('finds a token at the very start and the very end of the text', () => {
    assertOne('', 'ghp_' + withChecksum(), '', 'github-token', 0.99);
    assertOne('', 'gk-' + rand(B62, 40), '', 'gatehouse-key', 0.99);
    assertOne('see ', 'AKIA' + rand('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16), '', 'aws-access-key-id', 0.97);
    const jwt = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url('{"sub":"u-81","iat":1700000000}')}.${rand(B64URL, 43)}`;
    assertOne('', jwt, '', 'jwt', 0.95);
  });
  it('finds a hint after many near-misses of its anchor character', () => {
    const noise = 'e-y-J eyj EYJ J J sk - k- _ _ = = '.repeat(20);
    assertOne(noise, 'sk-proj-' + rand(B64URL, 60), '', 'openai-key');
    assertOne(noise + 'token ', 'xoxb-' + rand(DIGITS, 10) + '-' + rand(B62, 24), ' end', 'slack-token', 0.97);
  });
  it('needs every required hint, wherever it is (a SAS signature and its sv=)', () => {
    const sig = rand(B64, 43).replace(/[+/]/g, 'a') + '%3D';
    assertOne('https://a.blob.core.windows.net/c/b?sp=r&sv=2022-11-02&sig=', sig, '', 'azure-sas-token', 0.95);
    assertNone(`https://a.blob.core.windows.net/c/b?sp=r&sig=${sig}`);
  });
  it('reads key-context words in any case', () => {
    const secret = rand(B64, 40);
    assertOne('AWS_SECRET_ACCESS_KEY=', secret, '', 'aws-secret-access-key', 0.95);
    assertOne('Aws_Secret_Access_Key: ', secret, '', 'aws-secret-access-key', 0.95);
    assertOne('Server=db;PASSWORD=', 'Tr0ub4dor&3x', ';', 'connection-string-password', 0.9);
    assertOne('API_KEY="', rand(B62, 32), '"', 'generic-secret');
  });
});

describe('HintFinder', () => {
  it('reports each hint wherever it occurs, including at offset 0 and at the end', () => {
    const hints = ['eyJ', 'sk-', 'ghp_', 'sig=', '://', 'hooks.slack.com', 'AKIA'];
    const finder = new HintFinder(hints);
    const names = (text: string): string[] => hints.filter((_, i) => (finder.find(text) & (1 << i)) !== 0);
    assert.deepEqual(names('eyJ'), ['eyJ']);
    assert.deepEqual(names('xx sk-'), ['sk-']);
    assert.deepEqual(names('ghp_ and sig= and http://x and hooks.slack.com and AKIA'), ['ghp_', 'sig=', '://', 'hooks.slack.com', 'AKIA']);
    assert.deepEqual(names('ey J s k- gh p_ sig = :/ / hooks.slack AKI'), []);
    assert.deepEqual(names(''), []);
    assert.equal(finder.maskOf(['sk-', 'AKIA']), (1 << 1) | (1 << 6));
  });
});
