/**
 * Positive templates for credentials that come with their own structure: AWS key pairs, Google
 * service-account files, Azure connection strings and SAS URLs, Slack webhooks, PEM private keys,
 * passwords in URLs and connection strings, and high-entropy values after key-like names.
 */
import { type Composed, doc, gold } from './compose.js';
import * as v from './values.js';
import type { PemKind, Rng } from './values.js';

export interface PositiveTemplate {
  readonly id: string;
  readonly kind: string;
  readonly context: string;
  readonly make: (r: Rng) => Composed;
}

const DB_HOSTS = ['db.internal', 'pg-primary.prod.svc', '10.0.3.17', 'orders-db.cluster-c9x2.eu-west-1.rds.amazonaws.com'];
const USERS = ['app', 'svc_orders', 'admin', 'reporting', 'deploy'];

function awsPair(r: Rng) {
  return { id: gold(v.awsAccessKeyId(r), 'aws-access-key-id'), secret: gold(v.awsSecretAccessKey(r), 'aws-secret-access-key') };
}

const AWS: Record<string, (r: Rng) => Composed> = {
  'credentials-file': (r) => {
    const k = awsPair(r);
    return doc`[default]\naws_access_key_id = ${k.id}\naws_secret_access_key = ${k.secret}\nregion = ${r.pick(['us-east-1', 'eu-central-1'])}\n`;
  },
  'env-export': (r) => {
    const k = awsPair(r);
    return doc`export AWS_ACCESS_KEY_ID=${k.id}\nexport AWS_SECRET_ACCESS_KEY=${k.secret}\nexport AWS_DEFAULT_REGION=us-west-2\n`;
  },
  boto3: (r) => {
    const k = awsPair(r);
    return doc`s3 = boto3.client(\n    "s3",\n    aws_access_key_id="${k.id}",\n    aws_secret_access_key="${k.secret}",\n)\n`;
  },
  'iam-create-output': (r) => {
    const k = awsPair(r);
    return doc`{\n    "AccessKey": {\n        "UserName": "${r.pick(USERS)}",\n        "AccessKeyId": "${k.id}",\n        "Status": "Active",\n        "SecretAccessKey": "${k.secret}",\n        "CreateDate": "2024-03-02T10:11:12+00:00"\n    }\n}\n`;
  },
  'sts-output': (r) => {
    const id = gold(v.awsAccessKeyId(r, true), 'aws-access-key-id');
    const secret = gold(v.awsSecretAccessKey(r), 'aws-secret-access-key');
    const session = gold(v.awsSessionToken(r), 'generic-secret');
    return doc`{\n  "Credentials": {\n    "AccessKeyId": "${id}",\n    "SecretAccessKey": "${secret}",\n    "SessionToken": "${session}",\n    "Expiration": "2024-06-01T12:00:00Z"\n  }\n}\n`;
  },
  'chat-pair': (r) => {
    const k = awsPair(r);
    return doc`can someone check why terraform can't reach the bucket? I set access key ${k.id} and AWS_SECRET_ACCESS_KEY: ${k.secret} in the pipeline vars`;
  },
};

function serviceAccountJson(r: Rng, escapedPem: string, project: string): { before: string; after: string } {
  const before = `{\n  "type": "service_account",\n  "project_id": "${project}",\n  "private_key_id": "${r.hex(40)}",\n  "private_key": "`;
  const after = `\\n",\n  "client_email": "ci-runner@${project}.iam.gserviceaccount.com",\n  "client_id": "${r.between(100000000, 999999999)}${r.between(100000000, 999999999)}",\n  "auth_uri": "https://accounts.google.com/o/oauth2/auth",\n  "token_uri": "https://oauth2.googleapis.com/token"\n}\n`;
  return { before, after };
}

const GCP: Record<string, (r: Rng) => Composed> = {
  'key-file': (r) => {
    const pem = v.privateKeyPem(r, 'PKCS8').replace(/\n/g, '\\n');
    const { before, after } = serviceAccountJson(r, pem, r.pick(['acme-prod-3921', 'data-platform-dev']));
    return doc`${before}${gold(pem, 'gcp-service-account-key')}${after}`;
  },
  'chat-paste': (r) => {
    const pem = v.privateKeyPem(r, 'PKCS8').replace(/\n/g, '\\n');
    const { before, after } = serviceAccountJson(r, pem, 'analytics-7712');
    return doc`here's the json key the pipeline uses, it says invalid_grant:\n${before}${gold(pem, 'gcp-service-account-key')}${after}`;
  },
};

const AZURE_CONNECTION_STRING: Record<string, (r: Rng) => Composed> = {
  'storage-env': (r) =>
    doc`AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=https;AccountName=${r.pick(['acmeprodlogs', 'stdata01'])};AccountKey=${gold(v.azureStorageKey(r), 'azure-connection-string-key')};EndpointSuffix=core.windows.net"\n`,
  'storage-appsettings': (r) =>
    doc`{\n  "ConnectionStrings": {\n    "Blob": "DefaultEndpointsProtocol=https;AccountName=media${r.between(1, 99)};AccountKey=${gold(v.azureStorageKey(r), 'azure-connection-string-key')}"\n  }\n}\n`,
  'storage-python': (r) =>
    doc`svc = BlobServiceClient.from_connection_string(\n    "DefaultEndpointsProtocol=https;AccountName=exports;AccountKey=${gold(v.azureStorageKey(r), 'azure-connection-string-key')};EndpointSuffix=core.windows.net"\n)\n`,
  'servicebus-env': (r) =>
    doc`SERVICEBUS_CONNECTION=Endpoint=sb://${r.pick(['orders-bus', 'events-prod'])}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${gold(v.azureSharedAccessKey(r), 'azure-connection-string-key')}\n`,
};

const AZURE_SAS: Record<string, (r: Rng) => Composed> = {
  'sas-curl': (r) =>
    doc`curl -o report.csv "https://${r.pick(['acmeexports', 'stbackup'])}.blob.core.windows.net/reports/2024/q1.csv?sv=2022-11-02&ss=b&srt=o&sp=r&se=2024-12-31T23:59:59Z&st=2024-01-01T00:00:00Z&spr=https&sig=${gold(v.azureSasSig(r), 'azure-sas-token')}"\n`,
  'sas-log': (r) =>
    doc`${'2024-04-11 09:12:44'} WARN upload retry 2/5 url=https://stmedia.blob.core.windows.net/uploads/img_${r.between(1000, 9999)}.png?sp=racwd&st=2024-04-11T08:00:00Z&se=2024-04-12T08:00:00Z&spr=https&sv=2022-11-02&sr=c&sig=${gold(v.azureSasSig(r), 'azure-sas-token')} status=503\n`,
};

const SLACK_WEBHOOK: Record<string, (r: Rng) => Composed> = {
  curl: (r) => doc`curl -X POST -H 'Content-type: application/json' --data '{"text":"deploy ${r.between(100, 999)} done"}' ${gold(v.slackWebhook(r), 'slack-webhook')}\n`,
  dotenv: (r) => doc`SLACK_WEBHOOK_URL=${gold(v.slackWebhook(r), 'slack-webhook')}\nALERT_CHANNEL=#ops\n`,
  alertmanager: (r) => doc`receivers:\n  - name: ops\n    slack_configs:\n      - api_url: '${gold(v.slackWebhook(r), 'slack-webhook')}'\n        channel: '#alerts'\n`,
  python: (r) => doc`requests.post("${gold(v.slackWebhook(r), 'slack-webhook')}", json={"text": msg}, timeout=5)\n`,
};

const PEM_KINDS: PemKind[] = ['RSA', 'EC', 'OPENSSH', 'PKCS8', 'RSA-ENCRYPTED'];
const indent = (s: string, n: number): string => s.split('\n').map((l) => ' '.repeat(n) + l).join('\n');

const PEM_CONTEXTS: Record<string, (pem: string, r: Rng) => Composed> = {
  'cat-file': (pem) => doc`$ cat ~/.ssh/id_deploy\n${gold(pem, 'private-key')}\n$ ssh -i ~/.ssh/id_deploy deploy@bastion\n`,
  chat: (pem) => doc`this is the key the CI uses, can you see why it's rejected?\n\n${gold(pem, 'private-key')}\n\nthanks!`,
  'k8s-yaml': (pem) => {
    // The gold span is the block as it appears, indentation of the inner lines included.
    const block = indent(pem, 4).slice(4);
    return doc`apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls-origin\nstringData:\n  tls.key: |\n    ${gold(block, 'private-key')}\n`;
  },
  'json-escaped': (pem) => doc`{"name":"deploy-key","key":"${gold(pem.replace(/\n/g, '\\n'), 'private-key')}","read_only":true}\n`,
  'env-escaped': (pem) => doc`SSH_PRIVATE_KEY="${gold(pem.replace(/\n/g, '\\n'), 'private-key')}"\n`,
  'terraform-heredoc': (pem) => doc`resource "tls_locally_signed_cert" "origin" {\n  ca_private_key_pem = <<EOT\n${gold(pem, 'private-key')}\nEOT\n}\n`,
};

const URL_PASSWORD: Record<string, (pw: string, r: Rng) => Composed> = {
  'dotenv-postgres': (pw, r) => doc`DATABASE_URL=postgres://${r.pick(USERS)}:${gold(pw, 'url-password')}@${r.pick(DB_HOSTS)}:5432/${r.pick(['orders', 'app'])}\nREDIS_URL=redis://cache:6379/0\n`,
  sqlalchemy: (pw, r) => doc`engine = create_engine("postgresql+psycopg2://${r.pick(USERS)}:${gold(pw, 'url-password')}@${r.pick(DB_HOSTS)}/analytics", pool_size=10)\n`,
  'mongodb-srv': (pw, r) => doc`MONGO_URI=mongodb+srv://${r.pick(USERS)}:${gold(pw, 'url-password')}@cluster0.${r.chars(v.B62.toLowerCase().slice(0, 36), 5)}.mongodb.net/shop?retryWrites=true&w=majority\n`,
  'redis-no-user': (pw, r) => doc`cache:\n  url: redis://:${gold(pw, 'url-password')}@${r.pick(['redis-master', '10.1.0.9'])}:6379/2\n`,
  'amqp-log': (pw, r) => doc`${'[2024-02-03 10:00:01]'} INFO connecting to amqp://${r.pick(USERS)}:${gold(pw, 'url-password')}@rabbit.${r.pick(['prod', 'stage'])}.local:5672/%2F\n`,
  'git-clone': (pw, r) => doc`$ git clone https://${r.pick(['jdoe', 'build-bot'])}:${gold(pw, 'url-password')}@git.${r.pick(['acmecorp.io', 'northwind.dev'])}/platform/api.git\n`,
  'compose-mysql': (pw, r) => doc`services:\n  api:\n    environment:\n      - DB_URL=mysql://${r.pick(USERS)}:${gold(pw, 'url-password')}@mysql:3306/shop\n`,
  'chat-url': (pw, r) => doc`try connecting with postgresql://${r.pick(USERS)}:${gold(pw, 'url-password')}@${r.pick(DB_HOSTS)}:5432/app and tell me if it still times out`,
};

const CONNECTION_STRING: Record<string, (pw: string, r: Rng) => Composed> = {
  'ado-appsettings': (pw, r) =>
    doc`"ConnectionStrings": {\n  "Default": "Server=tcp:${r.pick(['sql-prod', 'acme-db'])}.database.windows.net,1433;Initial Catalog=shop;Persist Security Info=False;User ID=${r.pick(USERS)};Password=${gold(pw, 'connection-string-password')};MultipleActiveResultSets=False;Encrypt=True;"\n}\n`,
  odbc: (pw, r) => doc`conn = pyodbc.connect("DRIVER={ODBC Driver 18 for SQL Server};SERVER=${r.pick(DB_HOSTS)};DATABASE=erp;UID=${r.pick(USERS)};PWD=${gold(pw, 'connection-string-password')}")\n`,
  npgsql: (pw, r) => doc`Host=${r.pick(DB_HOSTS)};Port=5432;Database=ledger;Username=${r.pick(USERS)};Password=${gold(pw, 'connection-string-password')};SSL Mode=Require\n`,
  'jdbc-query': (pw, r) => doc`spring.datasource.url=jdbc:postgresql://${r.pick(DB_HOSTS)}:5432/app?user=${r.pick(USERS)}&password=${gold(pw, 'connection-string-password')}&ssl=true\n`,
  'jdbc-sqlserver': (pw, r) => doc`jdbc:sqlserver://${r.pick(DB_HOSTS)}:1433;databaseName=crm;user=${r.pick(USERS)};password=${gold(pw, 'connection-string-password')};encrypt=true;\n`,
  'web-config': (pw, r) =>
    doc`<add name="Main" connectionString="Data Source=${r.pick(DB_HOSTS)};Initial Catalog=Main;User Id=${r.pick(USERS)};Password=${gold(pw, 'connection-string-password')};" providerName="System.Data.SqlClient" />\n`,
};

const GENERIC: Record<string, (r: Rng) => Composed> = {
  'django-secret': (r) => doc`SECRET_KEY = '${gold(r.chars('abcdefghijklmnopqrstuvwxyz0123456789!@#%^&*-_=+', 50), 'generic-secret')}'\nDEBUG = False\n`,
  'dd-api-key': (r) => doc`DD_API_KEY=${gold(r.hex(32), 'generic-secret')}\nDD_SITE=datadoghq.eu\n`,
  'twilio-auth-token': (r) => doc`TWILIO_ACCOUNT_SID=AC${r.hex(32)}\nTWILIO_AUTH_TOKEN=${gold(r.hex(32), 'generic-secret')}\n`,
  'oauth-client-secret': (r) =>
    doc`{\n  "web": {\n    "client_id": "${r.between(100000, 999999)}-${r.chars('abcdefghijklmnopqrstuvwxyz0123456789', 32)}.apps.googleusercontent.com",\n    "client_secret": "${gold(`GOCSPX-${r.chars(v.B64URL, 28)}`, 'generic-secret')}",\n    "redirect_uris": ["https://app.acmecorp.io/oauth/callback"]\n  }\n}\n`,
  'x-api-key-curl': (r) => doc`curl https://api.${r.pick(['weatherly.io', 'geodata.net'])}/v3/forecast -H "x-api-key: ${gold(v.opaqueKey(r), 'generic-secret')}"\n`,
  'bearer-opaque-log': (r) => doc`${'2024-05-09T08:01:02Z'} DEBUG > GET /v2/accounts\n> Authorization: Bearer ${gold(r.chars(v.B62, 40), 'generic-secret')}\n> Accept: */*\n`,
  'yaml-api-key': (r) => doc`mailer:\n  provider: ${r.pick(['postmark', 'mailgun'])}\n  api_key: ${gold(v.opaqueKey(r), 'generic-secret')}\n  from: noreply@acmecorp.io\n`,
  'python-constant': (r) => doc`API_KEY = "${gold(v.opaqueKey(r), 'generic-secret')}"\nBASE_URL = "https://api.${r.pick(['weatherly.io', 'geodata.net'])}/v1"\n`,
  'json-password': (r) => doc`{\n  "db": {\n    "host": "${r.pick(DB_HOSTS)}",\n    "user": "${r.pick(USERS)}",\n    "password": "${gold(v.password(r, false), 'generic-secret')}"\n  }\n}\n`,
  'env-db-password': (r) => doc`DB_HOST=${r.pick(DB_HOSTS)}\nDB_USER=${r.pick(USERS)}\nDB_PASSWORD=${gold(v.password(r), 'generic-secret')}\n`,
  'webhook-secret': (r) => doc`STRIPE_WEBHOOK_SECRET=${gold(`whsec_${r.chars(v.B62, 32)}`, 'generic-secret')}\n`,
  'sendgrid-key': (r) => doc`SENDGRID_API_KEY=${gold(`SG.${r.chars(v.B64URL, 22)}.${r.chars(v.B64URL, 43)}`, 'generic-secret')}\n`,
  'k8s-configmap-token': (r) => doc`data:\n  LOG_FORMAT: json\n  AUTH_TOKEN: "${gold(r.chars(v.B62, 32), 'generic-secret')}"\n`,
  'js-client-secret': (r) => doc`const oauth = new OAuthClient({\n  clientId: '${r.hex(20)}',\n  clientSecret: '${gold(r.hex(40), 'generic-secret')}',\n});\n`,
};

export function structuredTemplates(): PositiveTemplate[] {
  const out: PositiveTemplate[] = [];
  const add = (kind: string, table: Record<string, (r: Rng) => Composed>): void => {
    for (const [context, make] of Object.entries(table)) out.push({ id: `${kind}/${context}`, kind, context, make });
  };
  add('aws-key-pair', AWS);
  add('gcp-service-account', GCP);
  add('azure-connection-string', AZURE_CONNECTION_STRING);
  add('azure-sas', AZURE_SAS);
  add('slack-webhook', SLACK_WEBHOOK);
  for (const kind of PEM_KINDS) {
    const table: Record<string, (r: Rng) => Composed> = {};
    for (const [c, f] of Object.entries(PEM_CONTEXTS)) table[c] = (r) => f(v.privateKeyPem(r, kind), r);
    add(`private-key-${kind.toLowerCase()}`, table);
  }
  const withPassword = (table: Record<string, (pw: string, r: Rng) => Composed>): Record<string, (r: Rng) => Composed> =>
    Object.fromEntries(Object.entries(table).map(([c, f]) => [c, (r: Rng) => f(v.password(r), r)]));
  add('url-password', withPassword(URL_PASSWORD));
  add('connection-string-password', withPassword(CONNECTION_STRING));
  add('generic', GENERIC);
  return out;
}
