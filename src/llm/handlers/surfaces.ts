/**
 * The generative surfaces a client can call, each in its own wire format: how its request is
 * validated, what text a policy may see, and how its streams are framed and end.
 */
import type { z } from 'zod';
import type { GatehouseError } from '../../errors/gatehouse-error.js';
import { chatRequestSchema, chatTextView } from '../formats/openai-chat.js';
import { messagesRequestSchema, messagesTextView } from '../formats/anthropic-messages.js';
import { responsesRequestSchema, responsesTextView } from '../formats/openai-responses.js';
import { openAIErrorObject } from '../formats/openai-errors.js';
import { anthropicErrorObject } from '../formats/anthropic-errors.js';
import type { TextView } from '../formats/text-view.js';
import type { WireEvent } from '../formats/wire-event.js';
import type { WireFormat } from '../formats/wire-format.js';

export type GenerativeOperation = 'chat' | 'messages' | 'responses';

export interface ClientSurface {
  readonly operation: GenerativeOperation;
  /** The error-document family the client understands. */
  readonly family: WireFormat;
  readonly schema: z.ZodType;
  readonly textView: (body: Record<string, unknown>, onChange: () => void) => TextView;
  /** The in-band error event of a stream already under way; `sequence` numbers Responses events. */
  streamError(error: GatehouseError, requestId: string, sequence: number): WireEvent;
  /** Written after the last event of a complete stream. */
  readonly terminal: string;
}

export const CHAT_SURFACE: ClientSurface = {
  operation: 'chat',
  family: 'openai',
  schema: chatRequestSchema,
  textView: chatTextView,
  streamError: (error, requestId) => ({ data: openAIErrorObject(error, requestId) }),
  terminal: 'data: [DONE]\n\n',
};

export const MESSAGES_SURFACE: ClientSurface = {
  operation: 'messages',
  family: 'anthropic',
  schema: messagesRequestSchema,
  textView: messagesTextView,
  streamError: (error, requestId) => ({ event: 'error', data: anthropicErrorObject(error, requestId) }),
  terminal: '',
};

export const RESPONSES_SURFACE: ClientSurface = {
  operation: 'responses',
  family: 'openai',
  schema: responsesRequestSchema,
  textView: responsesTextView,
  // The Responses API's stream-level error event. The `error` member is ours: with it the openai
  // SDK raises the event as an APIError carrying our code, as it does for chat streams.
  streamError: (error, requestId, sequence) => ({
    event: 'error',
    data: {
      type: 'error',
      code: error.code,
      message: error.message,
      param: error.param ?? null,
      sequence_number: sequence,
      error: openAIErrorObject(error, requestId).error,
    },
  }),
  terminal: '',
};

/** One event as SSE text: named events get an `event:` line; chat chunks are data only. */
export function serializeEvent(event: WireEvent): string {
  const data = JSON.stringify(event.data);
  return event.event === undefined ? `data: ${data}\n\n` : `event: ${event.event}\ndata: ${data}\n\n`;
}
