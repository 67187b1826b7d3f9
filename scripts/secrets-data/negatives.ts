/**
 * Hard negatives: text that looks like a credential to a careless pattern but is not one —
 * documentation examples and placeholders, references to variables, identifiers and hashes, public
 * keys and certificates, random strings without a key-like name, broken JWTs, public ids. No
 * secret rule may fire anywhere in these texts.
 */
import * as v from './values.js';
import type { Rng } from './values.js';

export interface NegativeTemplate {
  readonly id: string;
  readonly category: string;
  readonly make: (r: Rng) => string;
}

const X = (n: number, c = 'x'): string => c.repeat(n);
const HOSTS = ['api.acmecorp.io', 'shop.northwind.dev', 'billing.fintrack.app'];
const sha = (r: Rng): string => r.hex(40);
const b64 = (r: Rng, bytes: number): string => r.bytes(bytes).toString('base64');
const pemBody = (r: Rng, bytes: number): string => (b64(r, bytes).match(/.{1,64}/g) ?? []).join('\n');

const T: Array<[string, string, (r: Rng) => string]> = [
  // — documentation examples (AWS publishes these two pairs in its docs)
  ['doc-example', 'aws-configure', (r) => `$ aws configure\nAWS Access Key ID [None]: AKIAIOSFODNN7EXAMPLE\nAWS Secret Access Key [None]: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nDefault region name [None]: ${r.pick(['us-west-2', 'eu-west-1'])}\nDefault output format [None]: json\n`],
  ['doc-example', 'aws-credentials-doc', () => `[default]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n`],
  ['doc-example', 'aws-env-doc', (r) => `To use the CLI with environment variables (${r.pick(['Linux', 'macOS'])}):\n\n    export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n    export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n`],
  ['doc-example', 'jwt-io-example', () => `Example token (from jwt.io):\neyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\n`],
  ['doc-example', 'stripe-doc-key', () => `stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"  # the key shown in Stripe's docs`],
  ['doc-example', 'openai-sdk-readme', () => `client = OpenAI(\n    # This is the default and can be omitted\n    api_key=os.environ.get("OPENAI_API_KEY"),\n)\n`],
  // — placeholders: x's, stars, ellipses
  ['placeholder-xxxx', 'openai-xxxx', (r) => `OPENAI_API_KEY=sk-${X(48, r.pick(['x', 'X']))}\n`],
  ['placeholder-xxxx', 'openai-proj-xxxx', () => `# .env.example\nOPENAI_API_KEY=sk-proj-${X(60)}\n`],
  ['placeholder-xxxx', 'github-xxxx', () => `git remote set-url origin https://ghp_${X(36)}@github.com/acme/api.git`],
  ['placeholder-xxxx', 'slack-xxxx', () => `SLACK_BOT_TOKEN=xoxb-${X(11, '0')}-${X(13, '0')}-${X(24)}\n`],
  ['placeholder-xxxx', 'stripe-xxxx', () => `STRIPE_SECRET_KEY=sk_live_${X(24)}\n`],
  ['placeholder-xxxx', 'aws-xxxx', () => `aws_access_key_id = AKIA${X(16, 'X')}\naws_secret_access_key = ${X(40, 'X')}\n`],
  ['placeholder-xxxx', 'anthropic-xxxx', () => `ANTHROPIC_API_KEY=sk-ant-api03-${X(95)}\n`],
  ['placeholder-xxxx', 'masked-key-ui', (r) => `Your keys:\n  ${r.pick(['prod', 'ci'])}   sk-...${r.chars(v.B62, 4)}   created 2024-02-01\n  dev    sk-****************${r.chars(v.B62, 4)}   created 2024-03-11\n`],
  ['placeholder-xxxx', 'masked-password-log', (r) => `connecting to postgres://app:********@${r.pick(HOSTS)}:5432/app\n`],
  ['placeholder-xxxx', 'redacted-log', (r) => `${'2024-05-01T00:00:00Z'} INFO auth header=Bearer [REDACTED] user=${r.between(100, 999)}\n`],
  ['placeholder-xxxx', 'gk-xxxx', () => `curl -H "Authorization: Bearer gk-${X(40)}" http://localhost:8080/v1/models`],
  ['placeholder-xxxx', 'npm-xxxx', () => `//registry.npmjs.org/:_authToken=npm_${X(36)}\n`],
  // — placeholders in angle brackets / words
  ['placeholder-angle', 'bearer-token', (r) => `curl https://${r.pick(HOSTS)}/v1/me -H "Authorization: Bearer <token>"`],
  ['placeholder-angle', 'api-key-angle', () => `API_KEY=<your-api-key>\nAPI_SECRET=<your-api-secret>\n`],
  ['placeholder-angle', 'url-password-angle', () => `DATABASE_URL=postgres://<user>:<password>@<host>:5432/<db>\n`],
  ['placeholder-angle', 'azure-angle', () => `DefaultEndpointsProtocol=https;AccountName=<account-name>;AccountKey=<account-key>;EndpointSuffix=core.windows.net`],
  ['placeholder-angle', 'conn-string-angle', () => `Server=myServerAddress;Database=myDataBase;User Id=myUsername;Password=<password>;`],
  ['placeholder-word', 'your-api-key', (r) => `${r.pick(['openai.api_key', 'API_KEY', 'apiKey'])} = "your_api_key"`],
  ['placeholder-word', 'your-key-here', () => `ANTHROPIC_API_KEY=YOUR_API_KEY_HERE\nOPENAI_API_KEY=sk-your-key-here\n`],
  ['placeholder-word', 'changeme', () => `POSTGRES_PASSWORD=changeme\nADMIN_PASSWORD=change_me\n`],
  ['placeholder-word', 'password-literal', (r) => `mysql://root:password@localhost:${r.pick([3306, 3307])}/test`],
  ['placeholder-word', 'replace-me', () => `secret_key: REPLACE_ME\njwt_secret: "replace-me-with-a-long-random-string"\n`],
  ['placeholder-word', 'dummy-test', () => `# tests/conftest.py\nos.environ["STRIPE_API_KEY"] = "dummy-key-for-tests"\nos.environ["API_TOKEN"] = "not-a-real-token"\n`],
  ['placeholder-word', 'conn-changeme', () => `Data Source=localhost;Initial Catalog=dev;User Id=sa;Password=changeme;`],
  ['placeholder-word', 'guide-prose', () => `Set the password to something like "password123" for local development only, and never commit a real API key.`],
  // — references to variables and templates
  ['placeholder-var', 'shell-var', (r) => `curl -H "Authorization: Bearer $${r.pick(['GITHUB_TOKEN', 'TOKEN', 'API_KEY'])}" https://api.github.com/user`],
  ['placeholder-var', 'dollar-brace', () => `OPENAI_API_KEY=\${OPENAI_API_KEY}\nDATABASE_URL=postgres://\${DB_USER}:\${DB_PASSWORD}@\${DB_HOST}:5432/app\n`],
  ['placeholder-var', 'gha-secrets', () => `env:\n  AWS_ACCESS_KEY_ID: \${{ secrets.AWS_ACCESS_KEY_ID }}\n  AWS_SECRET_ACCESS_KEY: \${{ secrets.AWS_SECRET_ACCESS_KEY }}\n  NPM_TOKEN: \${{ secrets.NPM_TOKEN }}\n`],
  ['placeholder-var', 'helm', () => `env:\n  - name: DB_PASSWORD\n    value: {{ .Values.db.password | quote }}\n  - name: API_TOKEN\n    value: "{{ secret }}"\n`],
  ['placeholder-var', 'windows-var', () => `set API_KEY=%API_KEY%\nsqlcmd -S srv -U sa -P %SA_PASSWORD%\n`],
  ['placeholder-var', 'code-env-lookup', (r) => `api_key = os.environ["${r.pick(['OPENAI_API_KEY', 'STRIPE_SECRET_KEY'])}"]\ntoken = os.getenv("GITHUB_TOKEN")\npassword = settings.DB_PASSWORD\n`],
  ['placeholder-var', 'js-env-lookup', () => `const client = new Stripe(process.env.STRIPE_SECRET_KEY);\nconst token = config.auth.token;\n`],
  ['placeholder-var', 'k8s-secret-ref', () => `- name: API_KEY\n  valueFrom:\n    secretKeyRef:\n      name: api-credentials\n      key: api-key\n`],
  // — identifiers and hashes
  ['uuid', 'request-id-log', (r) => `${'2024-06-01T10:00:00Z'} INFO request_id=${r.uuid()} trace_id=${r.hex(32)} span_id=${r.hex(16)} status=200 latency_ms=${r.between(3, 900)}\n`],
  ['uuid', 'json-ids', (r) => `{"id":"${r.uuid()}","customer_id":"${r.uuid()}","order_id":"${r.uuid()}","status":"shipped"}`],
  ['uuid', 'url-uuid', (r) => `See https://${r.pick(HOSTS)}/orders/${r.uuid()}/invoice for the invoice.`],
  ['uuid', 'key-id-metadata', (r) => `{"api_key_id": "${r.uuid()}", "token_type": "Bearer", "expires_in": 3599, "secret_name": "prod/db/${r.pick(['orders', 'ledger'])}"}`],
  ['git-sha', 'git-log', (r) => `commit ${sha(r)}\nAuthor: Dana Lee <dana@acmecorp.io>\nDate:   Tue Apr 2 10:11:12 2024 +0200\n\n    Fix token refresh race\n\ncommit ${sha(r)}\nMerge: ${r.hex(7)} ${r.hex(7)}\n`],
  ['git-sha', 'commit-url', (r) => `Fixed in https://github.com/acme/api/commit/${sha(r)} (see also ${r.hex(12)}).`],
  ['git-sha', 'pinned-action', (r) => `steps:\n  - uses: actions/checkout@${sha(r)} # v4.1.1\n  - uses: actions/setup-node@${sha(r)} # v4.0.2\n`],
  ['git-sha', 'lock-git-dep', (r) => `"resolved": "git+ssh://git@github.com/acme/utils.git#${sha(r)}",`],
  ['content-hash', 'sha256sum', (r) => `$ sha256sum dist/*.tar.gz\n${r.hex(64)}  dist/gatehouse-0.1.0.tar.gz\n${r.hex(64)}  dist/gatehouse-0.1.1.tar.gz\n`],
  ['content-hash', 'docker-digest', (r) => `FROM node:20-alpine@sha256:${r.hex(64)}\nRUN npm ci --omit=dev\n`],
  ['content-hash', 'npm-integrity', (r) => `"node_modules/undici": {\n  "version": "7.3.0",\n  "resolved": "https://registry.npmjs.org/undici/-/undici-7.3.0.tgz",\n  "integrity": "sha512-${b64(r, 64)}",\n  "license": "MIT"\n},`],
  ['content-hash', 'go-sum', (r) => `github.com/pkg/errors v0.9.1 h1:${b64(r, 32)}\ngithub.com/pkg/errors v0.9.1/go.mod h1:${b64(r, 32)}\n`],
  ['content-hash', 'cargo-lock', (r) => `[[package]]\nname = "serde"\nversion = "1.0.197"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "${r.hex(64)}"\n`],
  ['content-hash', 'pip-hash', (r) => `requests==2.31.0 \\\n    --hash=sha256:${r.hex(64)} \\\n    --hash=sha256:${r.hex(64)}\n`],
  ['content-hash', 'sri-script', (r) => `<script src="https://cdn.jsdelivr.net/npm/chart.js@4.4.0" integrity="sha384-${b64(r, 48)}" crossorigin="anonymous"></script>`],
  ['content-hash', 'etag', (r) => `HTTP/1.1 200 OK\nETag: "${r.hex(32)}"\nCache-Control: max-age=3600\n`],
  ['content-hash', 'bundle-names', (r) => `dist/assets/index-${r.chars(v.B64URL, 8)}.js   142.31 kB\ndist/assets/vendor.${r.hex(20)}.js  80.02 kB\n`],
  ['base64-data', 'data-uri-png', (r) => `<img alt="logo" src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9h${b64(r, 240)}" />`],
  ['base64-data', 'css-font', (r) => `@font-face { font-family: Inter; src: url(data:font/woff2;base64,d09GMgABAAAA${b64(r, 300)}) format("woff2"); }`],
  ['base64-data', 'email-attachment', (r) => `Content-Type: application/pdf; name="invoice.pdf"\nContent-Transfer-Encoding: base64\n\n${pemBody(r, 400)}\n`],
  ['url-id', 'youtube', (r) => `watch this: https://www.youtube.com/watch?v=${r.chars(v.B64URL, 11)}&t=${r.between(10, 600)}s`],
  ['url-id', 'google-doc', (r) => `notes are in https://docs.google.com/document/d/1${r.chars(v.B64URL, 43)}/edit?usp=sharing`],
  ['url-id', 'drive-file', (r) => `https://drive.google.com/file/d/1${r.chars(v.B64URL, 32)}/view?usp=drive_link`],
  ['url-id', 'presigned-like', (r) => `download: https://cdn.${r.pick(HOSTS)}/files/${r.chars(v.B62, 24)}/report.pdf?download=1&v=${r.hex(8)}`],
  ['url-id', 'sentry-dsn', (r) => `SENTRY_DSN=https://${r.hex(32)}@o${r.between(100000, 999999)}.ingest.sentry.io/${r.between(1000000, 9999999)}\n`],
  ['url-id', 'userinfo-no-password', (r) => `git clone https://${r.pick(['jdoe', 'build'])}@bitbucket.org/acme/api.git\ngit clone git@github.com:acme/api.git\nssh://git@gitlab.com:2222/acme/api.git\n`],
  ['url-id', 'npm-scope-url', () => `npm view https://registry.npmjs.org/@types%2fnode\nhttp://localhost:3000/@acme/ui?tab=readme\n`],
  // — public material
  ['public-key', 'pem-public', (r) => `-----BEGIN PUBLIC KEY-----\n${pemBody(r, 294)}\n-----END PUBLIC KEY-----\n`],
  ['public-key', 'certificate', (r) => `-----BEGIN CERTIFICATE-----\nMIID${pemBody(r, 800)}\n-----END CERTIFICATE-----\n`],
  ['public-key', 'authorized-keys', (r) => `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${r.chars(v.B62 + '+/', 43)} ${r.pick(['dana', 'ci'])}@${r.pick(['laptop', 'runner'])}\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ${r.chars(v.B62 + '+/', 340)} deploy@bastion\n`],
  ['public-key', 'pgp-public', (r) => `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBG${pemBody(r, 600)}\n=${r.chars(v.B62, 4)}\n-----END PGP PUBLIC KEY BLOCK-----\n`],
  ['public-key', 'jwks', (r) => `{"keys":[{"kty":"RSA","use":"sig","kid":"${r.chars(v.B64URL, 22)}","alg":"RS256","n":"${r.bytes(256).toString('base64url')}","e":"AQAB"}]}`],
  ['public-key', 'csr', (r) => `-----BEGIN CERTIFICATE REQUEST-----\nMIIC${pemBody(r, 500)}\n-----END CERTIFICATE REQUEST-----\n`],
  ['public-key', 'publishable-keys', (r) => `<script>const stripe = Stripe('pk_live_51${r.chars(v.B62, 97)}');</script>\nNEXT_PUBLIC_STRIPE_KEY=pk_test_51${r.chars(v.B62, 97)}\n`],
  ['public-key', 'oauth-client-id', (r) => `GOOGLE_CLIENT_ID=${r.between(100000000000, 999999999999)}-${r.chars('abcdefghijklmnopqrstuvwxyz0123456789', 32)}.apps.googleusercontent.com\n`],
  // — random strings without a key-like name
  ['no-key-context', 'nonce-prose', (r) => `The server replied with nonce ${b64(r, 24)} and session ${r.chars(v.B62, 32)}; the retry used ${r.hex(32)}.`],
  ['no-key-context', 'csp-nonce', (r) => `<script nonce="${b64(r, 18)}">window.__STATE__ = {"cart": ${r.between(1, 9)}}</script>`],
  ['no-key-context', 'pagination-cursor', (r) => `{"data": [], "has_more": true, "cursor": "${r.bytes(48).toString('base64url')}"}`],
  ['no-key-context', 'base58-address', (r) => `Send the refund to wallet ${r.chars('123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz', 44)} before Friday.`],
  ['no-key-context', 'ids-in-table', (r) => `| job | run id | artifact |\n|---|---|---|\n| build | ${r.chars(v.B62, 20)} | ${r.hex(40)} |\n| test | ${r.chars(v.B62, 20)} | ${r.hex(40)} |\n`],
  ['no-key-context', 'word-lookalikes', () => `Run the task-manager and the disk-usage report, then check risk-assessment.md and desk-proj-notes; see AKIA-style ids in the docs.`],
  ['no-key-context', 'llm-usage', (r) => `{"usage": {"prompt_tokens": ${r.between(10, 4000)}, "completion_tokens": ${r.between(10, 800)}, "total_tokens": ${r.between(100, 5000)}}, "max_tokens": 4096, "tokenizer": "o200k_base"}`],
  ['no-key-context', 'key-words-prose', (r) => `Tokens expire after ${r.between(5, 60)} minutes; the password policy requires 12 characters and the API key rotates every 90 days.`],
  ['key-name-not-credential', 'page-token', (r) => `{"files": [], "nextPageToken": "${r.chars(v.B64URL, 40)}"}`],
  // — JWT lookalikes
  // An unsigned token has an empty signature; shown without a key-like name (after `token=` it would be a bearer credential).
  ['jwt-invalid', 'alg-none', (r) => `The decoder rejected eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.${Buffer.from(JSON.stringify({ sub: r.uuid() })).toString('base64url')}. because its alg is none.`],
  ['jwt-invalid', 'truncated', () => `Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOi...`],
  ['jwt-invalid', 'not-json-header', (r) => `ref eyJ${r.chars(v.B64URL, 30)}.${r.chars(v.B64URL, 40)}.${r.chars(v.B64URL, 43)} in the logs`],
  ['jwt-invalid', 'json-no-alg', (r) => `state=${Buffer.from(JSON.stringify({ returnTo: '/dashboard', n: r.hex(8) })).toString('base64url')}.${Buffer.from('{"v":1}').toString('base64url')}.${r.chars(v.B64URL, 22)}`],
  // — test data and lookalikes of other kinds
  ['test-data', 'stripe-test-cards', () => `Use card 4242 4242 4242 4242 with any future date and CVC 123; 4000 0000 0000 9995 is declined.`],
  ['test-data', 'fixture-tokens', (r) => `expect(mask("ghp_abc")).toBe("ghp_***");\nexpect(isKey("sk-")).toBe(false);\nconst id = "${r.uuid()}";\n`],
  ['test-data', 'private-key-elided', () => `-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n`],
  ['test-data', 'private-key-doc', () => `Paste the key between the markers:\n-----BEGIN OPENSSH PRIVATE KEY-----\n<your private key here>\n-----END OPENSSH PRIVATE KEY-----\n`],
  ['test-data', 'conn-no-password', (r) => `Server=${r.pick(['.', 'localhost'])};Database=dev;Trusted_Connection=True;\nData Source=db;Integrated Security=SSPI;\nredis://localhost:6379/0\n`],
  ['test-data', 'host-port', (r) => `listening on http://0.0.0.0:${r.between(3000, 9000)}/ and https://${r.pick(HOSTS)}:8443/health`],
];

export const NEGATIVE_TEMPLATES: readonly NegativeTemplate[] = T.map(([category, id, make]) => ({ id: `${category}/${id}`, category, make }));
