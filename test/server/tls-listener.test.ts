// The optional mTLS data listener (server.tls): serving, client certificates, drain, bad files, reload.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { request, type RequestOptions } from 'node:https';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { ConfigError } from '../../src/config/load.js';
import { startGateway } from '../../src/server/gateway.js';
import { createTestPki, type IssuedCertificate, type TestPki } from '../support/certificates.js';
import { startTestGateway, testConfig, type TestGateway } from '../support/gateway.js';

let pki: TestPki;
before(async () => {
  pki = await createTestPki();
});
after(() => pki.cleanup());

const tlsSection = (mode: 'request' | 'require', extra = '') => `
server:
  headersTimeoutMs: 1000
  tls:
    port: 0
    cert: ${JSON.stringify(pki.server.certFile)}
    key: ${JSON.stringify(pki.server.keyFile)}
    ca: ${JSON.stringify(pki.ca.certFile)}
    clientCertificates: ${mode}
${extra}`;

const gatewayConfig = (mode: 'request' | 'require', extra = '') =>
  testConfig({
    providers: '  sim: { type: simulated }\n  slow: { type: simulated, tokensPerSecond: 40, outputTokens: 30 }',
    models: '  - { name: sim, provider: sim }\n  - { name: slow, provider: slow }',
    extra: tlsSection(mode, extra),
  });

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One request over TLS on a fresh connection, presenting `client` (or no certificate). */
function tlsRequest(url: string, path: string, client: IssuedCertificate | undefined, options: RequestOptions = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { ca: pki.ca.cert, cert: client?.cert, key: client?.key, agent: false, ...options }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject).end(body);
  });
}

const withKey = { headers: { authorization: 'Bearer gk-test' } };

describe("clientCertificates: 'request'", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway(gatewayConfig('request'));
  });
  after(() => gw.stop());

  test('serves the data plane over TLS, next to the plain listener', async () => {
    assert.match(gw.tlsUrl ?? '', /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(gw.tlsUrl!).port, new URL(gw.url).port);
    const models = await tlsRequest(gw.tlsUrl!, '/v1/models', pki.client, withKey);
    assert.equal(models.status, 200);
    assert.ok((JSON.parse(models.body) as { data: { id: string }[] }).data.some((m) => m.id === 'sim'));
    assert.equal((await fetch(`${gw.url}/v1/models`, withKey)).status, 200, 'the plain listener still serves');
  });

  test('a client without a certificate, or with one from another CA, is still served; its other credentials decide', async () => {
    for (const client of [undefined, pki.foreignClient, pki.expiredClient]) {
      const anonymous = await tlsRequest(gw.tlsUrl!, '/v1/models', client);
      assert.equal(anonymous.status, 401, 'answered by the gateway (no API key), not refused at the handshake');
      assert.match(anonymous.body, /"error"/);
      assert.equal((await tlsRequest(gw.tlsUrl!, '/v1/models', client, withKey)).status, 200);
    }
  });

  test('the plain listener\'s client timeouts apply: slow headers get a JSON 408 over TLS', async () => {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(gw.tlsUrl!).port), ca: pki.ca.cert, servername: 'localhost' });
    let text = '';
    const answered = new Promise<string>((resolve, reject) => {
      socket.setEncoding('utf8').on('data', (c: string) => (text += c));
      socket.on('end', () => resolve(text)).on('error', reject);
    });
    socket.once('secureConnect', () => socket.write('GET /v1/models HTTP/1.1\r\nhost: localhost\r\n'));
    const raw = await answered;
    assert.match(raw, /^HTTP\/1\.1 408 /);
    assert.match(raw, /request_timeout/);
  });

  test('a changed server.tls takes effect on restart only: the reload warns and the listener keeps its settings', async () => {
    const before = gw.runtime().version;
    await gw.writeConfig(gatewayConfig('request').replace('clientCertificates: request', 'clientCertificates: require'));
    const result = await gw.reload();
    assert.equal(result.ok, true);
    assert.notEqual(result.version, before);
    const warning = gw.logs.find((l) => Array.isArray(l.settings) && (l.settings as string[]).includes('server.tls'));
    assert.ok(warning, JSON.stringify(gw.logs.filter((l) => l.level === 40)));
    assert.equal(gw.runtime().config.server.tls?.clientCertificates, 'request', 'the runtime says what is in force');
    assert.equal((await tlsRequest(gw.tlsUrl!, '/v1/models', undefined, withKey)).status, 200, 'still no certificate needed');
  });
});

describe("clientCertificates: 'require'", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway(gatewayConfig('require'));
  });
  after(() => gw.stop());

  test('the handshake fails without a certificate that chains to the CA', async () => {
    for (const client of [undefined, pki.foreignClient, pki.expiredClient]) {
      await assert.rejects(tlsRequest(gw.tlsUrl!, '/v1/models', client, withKey), (err: NodeJS.ErrnoException) => {
        // TLS 1.3 sends the refusal after the client's Finished: it surfaces as an alert or a reset.
        assert.match(`${err.code ?? ''} ${err.message}`, /alert|certificate|ECONNRESET|socket hang up/i);
        return true;
      });
    }
    assert.equal(gw.logs.filter((l) => l.path !== undefined).length, 0, 'no request reached the gateway');
  });

  test('a good certificate is served', async () => {
    assert.equal((await tlsRequest(gw.tlsUrl!, '/v1/models', pki.client, withKey)).status, 200);
  });
});

test('shutdown drains the TLS listener: an in-flight stream finishes, then new connections are refused', async () => {
  const gw = await startTestGateway(gatewayConfig('request'));
  const tlsUrl = gw.tlsUrl!;
  let stopping: Promise<void> | undefined;
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(
      `${tlsUrl}/v1/chat/completions`,
      { method: 'POST', ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key, agent: false, headers: { authorization: 'Bearer gk-test', 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => {
          text += c;
          stopping ??= gw.stop();
        });
        res.on('end', () => resolve(text)).on('error', reject);
      },
    );
    req.on('error', reject).end(JSON.stringify({ model: 'slow', stream: true, messages: [{ role: 'user', content: 'a story' }] }));
  });
  assert.ok(stopping, 'shutdown began while the stream was in flight');
  await stopping;
  assert.ok(body.trimEnd().endsWith('data: [DONE]'), 'the stream reached its end');
  await assert.rejects(tlsRequest(tlsUrl, '/v1/models', pki.client, withKey), /ECONNREFUSED/);
  assert.ok(gw.logs.some((l) => l.msg === 'gatehouse stopped'));
});

describe('bad files fail startup with the field and the file named', () => {
  const start = async (name: string, tls: Record<string, string>) => {
    const configPath = join(pki.dir, `${name}.yaml`);
    const section = Object.entries(tls)
      .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
      .join('\n');
    await writeFile(configPath, `server:\n  tls:\n    port: 0\n${section}\n`);
    return startGateway({ configPath, overrides: { host: '127.0.0.1', port: 0, adminPort: 0 }, logger: pino({ level: 'silent' }), env: {} });
  };
  const good = () => ({ cert: pki.server.certFile, key: pki.server.keyFile, ca: pki.ca.certFile });

  test('a missing certificate file', async () => {
    const missing = join(pki.dir, 'nope.pem');
    await assert.rejects(start('missing-cert', { ...good(), cert: missing }), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /server\.tls\.cert/);
      assert.ok(err.message.includes(missing), err.message);
      assert.match(err.message, /file not found/);
      return true;
    });
  });

  test('a file that is not what its field needs', async () => {
    await assert.rejects(start('key-as-ca', { ...good(), ca: pki.server.keyFile }), /server\.tls\.ca: .*no PEM certificate/);
    await assert.rejects(start('cert-as-key', { ...good(), key: pki.server.certFile }), /server\.tls\.key: .*not a PEM private key/);
    await assert.rejects(start('wrong-key', { ...good(), key: pki.client.keyFile }), /server\.tls\.key: .*does not match the certificate/);
  });

  test('relative paths are read from the configuration file\'s directory', async () => {
    const gw = await start('relative', { cert: 'server.pem', key: 'server.key', ca: 'test-ca.pem' });
    try {
      assert.equal((await tlsRequest(gw.tlsUrl!, '/v1/models', pki.client)).status, 200, 'no api-keys policy configured');
    } finally {
      await gw.shutdown();
    }
  });
});
