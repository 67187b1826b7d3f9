// Reading a verified client certificate off a TLS socket, and mapping it to a consumer.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { Agent, createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import {
  certificateRuleSchema,
  compileCertificateRules,
  matchCertificate,
  parseSubjectAltName,
  peerCertificate,
  type PeerCertificate,
} from '../../src/identity/client-certificate.js';
import { CLIENT_SPIFFE_ID, createTestPki, type IssuedCertificate, type TestPki } from '../support/certificates.js';

let pki: TestPki;
let server: Server;
let url: string;
/** Every object peerCertificate returned, to see that a connection's certificate is parsed once. */
const seen = new Set<PeerCertificate>();

before(async () => {
  pki = await createTestPki();
  // As the gateway's 'request' mode: ask for a certificate, let the handler see unverified clients.
  server = createServer({ cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const cert = peerCertificate(req.socket);
    if (cert !== undefined) seen.add(cert);
    res.setHeader('content-type', 'application/json');
    // What the client presented, verified or not, so the negative cases are known to have sent one.
    const socket = req.socket as TLSSocket;
    res.end(JSON.stringify({ cert: cert ?? null, presented: socket.getPeerCertificate().subject?.CN ?? null, error: socket.authorizationError ?? null }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await pki.cleanup();
});

interface Seen {
  readonly cert: PeerCertificate | null;
  readonly presented: string | null;
  readonly error: string | null;
}

/** GET / with the given client certificate (or none); the server's view of it. */
function fetchCert(client: IssuedCertificate | undefined, agent: Agent | false = false): Promise<PeerCertificate | null> {
  return fetchSeen(client, agent).then((seen) => seen.cert);
}

function fetchSeen(client: IssuedCertificate | undefined, agent: Agent | false = false): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: pki.ca.cert, cert: client?.cert, key: client?.key, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve(JSON.parse(body) as Seen));
    });
    req.on('error', reject).end();
  });
}

describe('peerCertificate', () => {
  test('a certificate that chains to the CA: subject, SANs, fingerprint, serial, expiry, issuer', async () => {
    const cert = await fetchCert(pki.client);
    const x509 = new X509Certificate(pki.client.cert);
    assert.deepEqual(cert, {
      subject: { CN: 'svc-billing', O: 'Acme', OU: 'ml, inference' },
      subjectCN: 'svc-billing',
      sans: [`URI:${CLIENT_SPIFFE_ID}`, 'DNS:invoicer.billing.svc', 'email:invoicer@example.com'],
      fingerprint256: x509.fingerprint256,
      serialNumber: x509.serialNumber.toUpperCase(),
      validTo: Date.parse(x509.validTo),
      issuerCN: 'test-ca',
    });
  });

  test('no certificate, one from another CA, or an expired one: undefined, though the request is served', async () => {
    const none = await fetchSeen(undefined);
    assert.deepEqual([none.cert, none.presented], [null, null]);
    // Same subject and SANs as the good one, but not signed by the configured CA.
    const foreign = await fetchSeen(pki.foreignClient);
    assert.deepEqual([foreign.cert, foreign.presented], [null, 'svc-billing'], 'presented, not verified');
    assert.equal(typeof foreign.error, 'string');
    assert.deepEqual(await fetchSeen(pki.expiredClient), { cert: null, presented: 'svc-expired', error: 'CERT_HAS_EXPIRED' });
  });

  test('a keep-alive connection parses its certificate once', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key });
    try {
      seen.clear();
      await fetchCert(pki.client, agent);
      await fetchCert(pki.client, agent);
      assert.equal(seen.size, 1);
    } finally {
      agent.destroy();
    }
  });

  test('a plain TCP connection has no certificate', async () => {
    let result: PeerCertificate | undefined | 'unset' = 'unset';
    const plain: HttpServer = createHttpServer((req, res) => {
      result = peerCertificate(req.socket);
      res.end();
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    try {
      await fetch(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/`);
      assert.equal(result, undefined);
    } finally {
      plain.closeAllConnections();
      plain.close();
    }
  });

  test('a SAN holding ", URI:..." stays one entry and cannot pose as a second SAN', async () => {
    const sneaky = await pki.ca.issue({
      name: 'sneaky',
      subject: '/CN=sneaky',
      sans: ['URI.1 = spiffe://dev/ns/x, URI:spiffe://prod/ns/admin/sa/root'],
      usage: 'client',
    });
    const cert = (await fetchCert(sneaky))!;
    assert.deepEqual(cert.sans, ['URI:spiffe://dev/ns/x, URI:spiffe://prod/ns/admin/sa/root']);
    assert.equal(matchCertificate(cert, [{ san: 'URI:spiffe://prod/*', consumer: 'admin' }]), undefined);
  });
});

describe('parseSubjectAltName', () => {
  test("names types as the rules do, and decodes Node's quoted values", () => {
    assert.deepEqual(parseSubjectAltName('DNS:a.example, IP Address:10.0.0.1, IP Address:0:0:0:0:0:0:0:1, URI:spiffe://p/ns/a/sa/b, email:x@y.z'), [
      'DNS:a.example',
      'IP:10.0.0.1',
      'IP:0:0:0:0:0:0:0:1',
      'URI:spiffe://p/ns/a/sa/b',
      'email:x@y.z',
    ]);
    assert.deepEqual(parseSubjectAltName('URI:"spiffe://a\\u002c URI:spiffe://b", DNS:c'), ['URI:spiffe://a, URI:spiffe://b', 'DNS:c']);
    assert.deepEqual(parseSubjectAltName(''), []);
  });
});

describe('certificate rules', () => {
  const cert: PeerCertificate = {
    subject: { CN: 'svc-billing', O: 'Acme' },
    subjectCN: 'svc-billing',
    sans: [`URI:${CLIENT_SPIFFE_ID}`, 'DNS:invoicer.billing.svc'],
    fingerprint256: 'AA',
    serialNumber: '01',
    validTo: Date.now() + 60_000,
    issuerCN: 'test-ca',
  };

  test('the schema needs subject or san, and knows no other fields', () => {
    assert.equal(certificateRuleSchema.safeParse({ consumer: 'x' }).success, false);
    assert.equal(certificateRuleSchema.safeParse({ subject: 'a', consumer: 'x', extra: 1 }).success, false);
    assert.equal(certificateRuleSchema.safeParse({ subject: 'a' }).success, false);
    assert.deepEqual(certificateRuleSchema.parse({ san: 'URI:spiffe://prod/*', consumer: 'x' }), { san: 'URI:spiffe://prod/*', consumer: 'x' });
  });

  test('the first matching rule names the consumer; with subject and san, both must match', () => {
    const rules = [
      { subject: 'svc-*', san: 'DNS:*.payments.svc', consumer: 'payments' },
      { san: 'URI:spiffe://prod/ns/*/sa/*', consumer: 'prod-workload' },
      { subject: 'svc-billing', consumer: 'billing' },
    ];
    assert.equal(matchCertificate(cert, rules), 'prod-workload');
    assert.equal(matchCertificate(cert, rules.slice(2)), 'billing');
    assert.equal(matchCertificate(cert, [{ subject: 'svc-other', consumer: 'x' }, { san: 'URI:spiffe://dev/*', consumer: 'y' }]), undefined);
    assert.equal(matchCertificate({ ...cert, subjectCN: undefined, subject: {} }, [{ subject: '*', consumer: 'any' }]), undefined, 'no CN: a subject rule cannot match');
    assert.equal(compileCertificateRules([{ san: 'DNS:invoicer.*', consumer: 'inv' }])(cert), 'inv');
  });
});
