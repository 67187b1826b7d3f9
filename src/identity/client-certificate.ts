import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { globToRegExp } from '../pipeline/glob.js';

/** A client certificate that verified against `server.tls.ca`, in the shape identity rules match on. */
export interface PeerCertificate {
  /** Subject attributes (CN, O, OU, ...); an attribute given several times is joined with ", ". */
  readonly subject: Readonly<Record<string, string>>;
  readonly subjectCN?: string | undefined;
  /** Subject alternative names as 'DNS:x', 'URI:spiffe://...', 'email:x', 'IP:x' (other types keep OpenSSL's name). */
  readonly sans: readonly string[];
  /** SHA-256 of the DER certificate, colon-separated upper-case hex (as Node prints it). */
  readonly fingerprint256: string;
  readonly serialNumber: string;
  /** notAfter, in milliseconds since the epoch. */
  readonly validTo: number;
  readonly issuerCN?: string | undefined;
}

// Keep-alive connections carry many requests; the certificate cannot change after the handshake.
const parsed = new WeakMap<TLSSocket, PeerCertificate | undefined>();

/**
 * The verified client certificate of a connection, or undefined when there is none: a plain TCP
 * socket, no certificate sent, or one that did not verify (another CA, expired, wrong purpose).
 * With `clientCertificates: request` such clients still reach the handler, so checking
 * `authorized` here — not merely that a certificate was presented — is what makes it a credential.
 */
export function peerCertificate(socket: Socket): PeerCertificate | undefined {
  if (!(socket instanceof TLSSocket) || socket.authorized !== true) return undefined;
  let cert: PeerCertificate | undefined;
  if (parsed.has(socket)) cert = parsed.get(socket);
  else parsed.set(socket, (cert = parse(socket)));
  // A busy keep-alive connection can outlive the certificate it was verified with.
  return cert !== undefined && cert.validTo > Date.now() ? cert : undefined;
}

function parse(socket: TLSSocket): PeerCertificate | undefined {
  const raw = socket.getPeerCertificate(false);
  // An empty object means no certificate (it cannot be authorized then, but do not rely on it).
  if (raw === null || raw.raw === undefined || raw.fingerprint256 === undefined) return undefined;
  const subject = attributes(raw.subject);
  const issuer = attributes(raw.issuer);
  const validTo = Date.parse(raw.valid_to);
  return {
    subject,
    subjectCN: subject.CN,
    sans: raw.subjectaltname === undefined ? [] : parseSubjectAltName(raw.subjectaltname),
    fingerprint256: raw.fingerprint256,
    serialNumber: raw.serialNumber.toUpperCase(),
    validTo: Number.isNaN(validTo) ? 0 : validTo,
    issuerCN: issuer.CN,
  };
}

/** Node gives a repeated attribute (OU=a, OU=b) as an array, and a null-prototype object. */
function attributes(name: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (name === null || typeof name !== 'object') return out;
  for (const [key, value] of Object.entries(name as Record<string, unknown>)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value)) out[key] = value.map(String).join(', ');
  }
  return out;
}

const SAN_TYPES: Readonly<Record<string, string>> = { 'IP Address': 'IP' };

/**
 * Parses Node's `subjectaltname` string ("DNS:a, URI:spiffe://x, IP Address:10.0.0.1"). Node
 * JSON-quotes a value holding a comma or quote, so a SAN cannot smuggle in a second entry
 * ("URI:a, URI:spiffe://prod/..."); the quoted form is decoded, never split.
 */
export function parseSubjectAltName(text: string): string[] {
  const out: string[] = [];
  const entry = /([^:,]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y;
  while (entry.lastIndex < text.length) {
    const start = entry.lastIndex;
    const m = entry.exec(text);
    if (m === null || entry.lastIndex === start) break; // unknown shape: keep what was understood
    const type = m[1]!.trim();
    let value = m[2]!;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    out.push(`${SAN_TYPES[type] ?? type}:${value}`);
  }
  return out;
}

export const certificateRuleSchema = z
  .object({
    subject: z.string().min(1).optional().describe('Glob on the subject CN, e.g. "billing-*.svc.internal".'),
    san: z.string().min(1).optional().describe('Glob on any subject alternative name, e.g. "URI:spiffe://prod/ns/*/sa/*" or "DNS:*.internal". Note `*` also matches "/".'),
    consumer: z.string().min(1).describe('The consumer a certificate matching this rule authenticates as.'),
  })
  .strict()
  .refine((rule) => rule.subject !== undefined || rule.san !== undefined, { message: 'give `subject`, `san` or both' })
  .describe('Maps a verified client certificate to a consumer. When both globs are given, both must match.');

export type CertificateRule = z.infer<typeof certificateRuleSchema>;

/** Compiles rules once (at config load); the result returns the first matching rule's consumer. */
export function compileCertificateRules(rules: readonly CertificateRule[]): (cert: PeerCertificate) => string | undefined {
  const compiled = rules.map((rule) => ({
    subject: rule.subject === undefined ? undefined : globToRegExp(rule.subject),
    san: rule.san === undefined ? undefined : globToRegExp(rule.san),
    consumer: rule.consumer,
  }));
  return (cert) => {
    for (const rule of compiled) {
      if (rule.subject !== undefined && (cert.subjectCN === undefined || !rule.subject.test(cert.subjectCN))) continue;
      if (rule.san !== undefined && !cert.sans.some((san) => rule.san!.test(san))) continue;
      return rule.consumer;
    }
    return undefined;
  };
}

/** The first matching rule's consumer. Prefer compileCertificateRules on a hot path. */
export function matchCertificate(cert: PeerCertificate, rules: readonly CertificateRule[]): string | undefined {
  return compileCertificateRules(rules)(cert);
}
