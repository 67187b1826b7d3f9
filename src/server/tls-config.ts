import { z } from 'zod';

/**
 * `server.tls`: an optional second data-plane listener that speaks TLS and asks clients for a
 * certificate (mTLS). It serves the same routes as the plain listener; a verified client
 * certificate is one more credential the identity layer can read (see identity/client-certificate.ts).
 * Files are read once at startup (relative paths from the configuration file's directory);
 * changing this section takes effect on restart.
 */
export const tlsListenerSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1').describe('Bind address of the TLS listener. Use 0.0.0.0 to listen on all interfaces.'),
    port: z.number().int().min(0).max(65535).default(8443).describe('Port of the TLS listener. 0 = any free port.'),
    cert: z.string().min(1).describe("Path of the server's certificate chain (PEM), leaf first. Relative to the configuration file."),
    key: z.string().min(1).describe("Path of the server's private key (PEM, unencrypted). Relative to the configuration file."),
    ca: z.string().min(1).describe('Path of the CA bundle (PEM) that client certificates must chain to. Only these CAs are trusted for clients, not the system store. Relative to the configuration file.'),
    clientCertificates: z
      .enum(['request', 'require'])
      .default('request')
      .describe(
        '"request": ask for a client certificate; a request without a valid one is still served and other credentials (API keys, tokens) apply. ' +
          '"require": refuse the TLS handshake unless the client presents a certificate that chains to `ca`.',
      ),
    minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2').describe('Oldest TLS version accepted.'),
  })
  .strict();

export type TlsListenerConfig = z.infer<typeof tlsListenerSchema>;
