import { randomUUID } from 'node:crypto';

/**
 * Identifiers of a Response translated from a chat completion. They are derived from the chat
 * completion's id, so the same upstream answer always gets the same ids (and a stream's items
 * can be matched with the JSON it would have been). Only a provider that sends no usable id gets
 * random ones.
 */
export interface ResponseIds {
  readonly response: string;
  /** The n-th message item (0-based). */
  message(n: number): string;
  /** The n-th function_call item (0-based). */
  functionCall(n: number): string;
  /** A call_id for the n-th tool call when the provider sent none. */
  callId(n: number): string;
}

export function responseIds(chatId: unknown): ResponseIds {
  const stripped = typeof chatId === 'string' ? chatId.replace(/^chatcmpl[-_]?/, '').replace(/[^A-Za-z0-9]/g, '') : '';
  const base = stripped === '' ? randomUUID().replaceAll('-', '') : stripped;
  return {
    response: `resp_${base}`,
    message: (n) => (n === 0 ? `msg_${base}` : `msg_${base}_${n}`),
    functionCall: (n) => `fc_${base}_${n}`,
    callId: (n) => `call_${base}_${n}`,
  };
}
