import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { resolve } from 'node:path';
import type { TlsListenerConfig } from './tls-config.js';

/** The `server.tls` fields that name a file. */
export type TlsFileField = 'cert' | 'key' | 'ca';

/** A PEM file of `server.tls` is missing, unreadable or not what its field needs. */
export class TlsFileError extends Error {
  readonly field: TlsFileField;
  readonly file: string;
  readonly reason: string;
  constructor(field: TlsFileField, file: string, reason: string) {
    super(`server.tls.${field}: ${file}: ${reason}`);
    this.name = 'TlsFileError';
    this.field = field;
    this.file = file;
    this.reason = reason;
  }
}

export interface TlsListenerOptions {
  /** The plain data listener's options (timeouts), so both listeners treat clients alike. */
  readonly serverOptions?: ServerOptions;
  /** Relative file paths are resolved from here (the configuration file's directory). */
  readonly baseDir?: string;
}

/**
 * Creates (does not start) the mTLS data listener. Every file is read and checked here, so a bad
 * path or PEM fails startup with the field and the file named, rather than a bare OpenSSL error.
 *
 * `requestCert` is always on. With 'request', `rejectUnauthorized` is off: a client without a valid
 * certificate completes the handshake and the HTTP layer decides (its other credentials apply, or
 * it gets a JSON 401); `socket.authorized` tells the two apart (see identity/client-certificate.ts).
 */
export async function createTlsListener(
  config: TlsListenerConfig,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: TlsListenerOptions = {},
): Promise<Server> {
  const baseDir = options.baseDir ?? process.cwd();
  // One after the other, so the field reported first is always the same one.
  const cert = await readPem('cert', resolve(baseDir, config.cert));
  const key = await readPem('key', resolve(baseDir, config.key));
  const ca = await readPem('ca', resolve(baseDir, config.ca));
  const leaf = certificates('cert', cert.file, cert.pem)[0]!;
  certificates('ca', ca.file, ca.pem);
  const privateKey = parseKey(key.file, key.pem);
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new TlsFileError('key', key.file, `the key does not match the certificate in ${cert.file} (server.tls.cert)`);
  }
  try {
    return createServer(
      {
        ...options.serverOptions,
        cert: cert.pem,
        key: key.pem,
        ca: ca.pem,
        minVersion: config.minVersion,
        requestCert: true,
        rejectUnauthorized: config.clientCertificates === 'require',
      },
      handler,
    );
  } catch (err) {
    // Checked above, so this is rare (e.g. a key type OpenSSL refuses for TLS); still name the files.
    throw new TlsFileError('cert', cert.file, `cannot be used with the key ${key.file}: ${(err as Error).message}`);
  }
}

async function readPem(field: TlsFileField, file: string): Promise<{ file: string; pem: string }> {
  try {
    return { file, pem: await readFile(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read the file (${code ?? (err as Error).message})`;
    throw new TlsFileError(field, file, reason);
  }
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM file; at least one, each one parseable. */
function certificates(field: TlsFileField, file: string, pem: string): X509Certificate[] {
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) throw new TlsFileError(field, file, 'no PEM certificate in the file (expected -----BEGIN CERTIFICATE-----)');
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new TlsFileError(field, file, `certificate ${i + 1} of ${blocks.length} is not valid: ${(err as Error).message}`);
    }
  });
}

function parseKey(file: string, pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ERR_MISSING_PASSPHRASE' ? 'the key is encrypted; give an unencrypted key' : `not a PEM private key (${(err as Error).message})`;
    throw new TlsFileError('key', file, reason);
  }
}
