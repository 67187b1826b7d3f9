/**
 * A provider's own error document (a 4xx the caller caused, passed through) in the other family's
 * shape, for a client whose format differs from the provider's: OpenAI `{error:{message,type,
 * param,code}}` ⇄ Anthropic `{type:"error", error:{type,message}}`. The status stays as it was.
 */
import type { WireFormat } from '../formats/wire-format.js';
import { anthropicErrorType } from '../formats/anthropic-errors.js';
import { isJsonObject } from '../formats/json-object.js';

export function translateErrorDocument(body: Buffer, from: WireFormat, to: WireFormat, status: number): Buffer {
  if (from === to) return body;
  let doc: Record<string, unknown>;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (!isJsonObject(parsed)) return body;
    doc = parsed;
  } catch {
    return body;
  }
  // `{error:{message}}` (OpenAI, Anthropic), `{error:"..."}` and `{message}` (vLLM, Ollama...).
  const inner = (typeof doc.error === 'object' && doc.error !== null ? doc.error : {}) as Record<string, unknown>;
  const message =
    typeof inner.message === 'string'
      ? inner.message
      : typeof doc.error === 'string'
        ? doc.error
        : typeof doc.message === 'string'
          ? doc.message
          : `The provider answered HTTP ${status}.`;
  if (to === 'anthropic') {
    return Buffer.from(JSON.stringify({ type: 'error', error: { type: anthropicErrorType(status), message } }));
  }
  const type = typeof inner.type === 'string' ? inner.type : 'invalid_request_error';
  return Buffer.from(JSON.stringify({ error: { message, type, param: null, code: null } }));
}
