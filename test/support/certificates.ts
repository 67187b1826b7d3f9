// Test PKI made with the openssl CLI (OpenSSL 3) in a temp dir: CAs, server and client certificates.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const OPENSSL = process.env.OPENSSL ?? 'openssl';

/** A certificate and its key, as files (for config) and as PEM text (for clients). */
export interface IssuedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export interface CertificateRequest {
  /** File name stem in the PKI dir. */
  readonly name: string;
  /** OpenSSL subject, e.g. '/CN=svc-a/O=Acme/OU=ml'. */
  readonly subject: string;
  /** subjectAltName entries in openssl's section syntax, e.g. ['DNS.1 = localhost', 'URI.1 = spiffe://prod/ns/a/sa/b']. */
  readonly sans?: readonly string[];
  readonly usage: 'server' | 'client';
  /** Validity in days; negative gives a certificate that has already expired. */
  readonly days?: number;
}

export interface CertificateAuthority extends IssuedCertificate {
  issue(request: CertificateRequest): Promise<IssuedCertificate>;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run(OPENSSL, args);
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

async function issued(certFile: string, keyFile: string): Promise<IssuedCertificate> {
  return { certFile, keyFile, cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
}

// P-256 keys: generated in milliseconds, unlike RSA.
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A self-signed CA in `dir` that issues server and client certificates. */
export async function createCertificateAuthority(dir: string, name: string): Promise<CertificateAuthority> {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  await openssl([
    'req', '-x509', ...NEW_KEY, '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${name}`, '-days', '2',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const ca = await issued(certFile, keyFile);
  return {
    ...ca,
    async issue(request) {
      const base = join(dir, request.name);
      const ext = [
        'basicConstraints = CA:FALSE',
        'keyUsage = critical, digitalSignature',
        `extendedKeyUsage = ${request.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
        ...(request.sans !== undefined && request.sans.length > 0 ? ['subjectAltName = @alt', '[alt]', ...request.sans] : []),
      ];
      await writeFile(`${base}.ext`, `${ext.join('\n')}\n`);
      await openssl(['req', ...NEW_KEY, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', request.subject]);
      await openssl([
        'x509', '-req', '-in', `${base}.csr`, '-CA', certFile, '-CAkey', keyFile, '-days', String(request.days ?? 1),
        '-extfile', `${base}.ext`, '-out', `${base}.pem`,
      ]);
      return issued(`${base}.pem`, `${base}.key`);
    },
  };
}

/** The usual set: a CA, a server certificate for 127.0.0.1/localhost, and clients good and bad. */
export interface TestPki {
  readonly dir: string;
  readonly ca: CertificateAuthority;
  readonly server: IssuedCertificate;
  /** CN=svc-billing, O=Acme, OU=ml and OU=inference; SANs: a SPIFFE URI, a DNS name, an email. */
  readonly client: IssuedCertificate;
  /** Same shape as `client`, but issued by another CA. */
  readonly foreignClient: IssuedCertificate;
  /** Issued by the CA, expired a day ago. */
  readonly expiredClient: IssuedCertificate;
  cleanup(): Promise<void>;
}

export const CLIENT_SPIFFE_ID = 'spiffe://prod/ns/billing/sa/invoicer';

export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-pki-'));
  const ca = await createCertificateAuthority(dir, 'test-ca');
  const other = await createCertificateAuthority(dir, 'other-ca');
  const clientSans = [`URI.1 = ${CLIENT_SPIFFE_ID}`, 'DNS.1 = invoicer.billing.svc', 'email.1 = invoicer@example.com'];
  const clientSubject = '/CN=svc-billing/O=Acme/OU=ml/OU=inference';
  const [server, client, foreignClient, expiredClient] = await Promise.all([
    ca.issue({ name: 'server', subject: '/CN=localhost', sans: ['DNS.1 = localhost', 'IP.1 = 127.0.0.1'], usage: 'server' }),
    ca.issue({ name: 'client', subject: clientSubject, sans: clientSans, usage: 'client' }),
    other.issue({ name: 'foreign-client', subject: clientSubject, sans: clientSans, usage: 'client' }),
    ca.issue({ name: 'expired-client', subject: '/CN=svc-expired', usage: 'client', days: -1 }),
  ]);
  return { dir, ca, server, client, foreignClient, expiredClient, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
