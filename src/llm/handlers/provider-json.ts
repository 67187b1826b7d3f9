/**
 * A provider's JSON answer as the gateway reads it: parsed whole, or only checked and its usage
 * read when the answer is forwarded as received.
 */
import { GatehouseError } from '../../errors/gatehouse-error.js';
import { scanObjectMember } from '../formats/json-member.js';

const notJson = (provider: string): GatehouseError => new GatehouseError('upstream_invalid_response', `Provider "${provider}" sent a body that is not JSON.`);
const notObject = (provider: string): GatehouseError =>
  new GatehouseError('upstream_invalid_response', `Provider "${provider}" sent JSON that is not an object.`);

/** Parses a provider's JSON body; anything but a JSON object is an invalid response. */
export function parseProviderJson(buf: Buffer, provider: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(buf.toString('utf8'));
  } catch {
    throw notJson(provider);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw notObject(provider);
  return json as Record<string, unknown>;
}

const USAGE_KEY = Buffer.from('"usage"');

/**
 * The top-level `usage` of a provider's JSON body (undefined when it has none), refusing what
 * parseProviderJson refuses, with the same errors, and reading it as JSON.parse would — without
 * building the rest of the body: for an answer the gateway forwards as received. Only when a
 * top-level key is written with escapes (it might be `usage` spelt another way) is the whole body
 * parsed.
 */
export function providerUsage(buf: Buffer, provider: string): unknown {
  const scan = scanObjectMember(buf, USAGE_KEY);
  if (scan === 'not_json') throw notJson(provider);
  if (scan === 'not_object') throw notObject(provider);
  if (scan.escapedKey) return parseProviderJson(buf, provider).usage;
  return scan.start < 0 ? undefined : JSON.parse(buf.toString('utf8', scan.start, scan.end)) as unknown;
}
