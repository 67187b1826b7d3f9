/**
 * Which translation serves a client operation on a provider that lacks it natively, and the
 * composition of the pairwise translators (chat completions is the hub: Responses reaches
 * Anthropic through it). Used only when passthrough is impossible.
 */
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Usage } from '../usage.js';
import { unsupported } from './translation-errors.js';
import type { StreamTranslator, WireEvent } from '../formats/wire-event.js';
import type { UpstreamOperation } from '../providers/types.js';
import { chatToMessagesRequest } from './chat-to-messages-request.js';
import { messagesToChatRequest } from './messages-to-chat-request.js';
import { chatToMessagesResponse, messagesToChatResponse } from './messages-chat-response.js';
import { MessagesToChatStream } from './messages-to-chat-stream.js';
import { ChatToMessagesStream } from './chat-to-messages-stream.js';
import { responsesToChatRequest } from './responses-to-chat-request.js';
import { chatToResponsesResponse } from './chat-to-responses-response.js';
import { ChatToResponsesStream } from './chat-to-responses-stream.js';

type Body = Record<string, unknown>;

export interface TranslationContext {
  /** The upstream model id. */
  readonly model: string;
  /** max_tokens for a native format that requires it when the client sent none. */
  readonly defaultMaxTokens: number;
  /** The client's request, as policies left it. */
  readonly clientBody: Body;
  /** A chat client asked for the usage chunk (stream_options.include_usage). */
  readonly includeUsage: boolean;
  /** The client's prompt tokens, counted (for an Anthropic message_start before usage is known). */
  estimatedInputTokens(): number;
  /** Usage to report if the provider's stream ends without any. */
  fallbackUsage(): Usage;
}

export interface Translation {
  /** The native operation the provider is asked for. */
  readonly upstream: 'chat' | 'messages';
  request(ctx: TranslationContext): Body;
  /** `usage` is what the gateway accounted: the provider's, or its count when the provider sent none. */
  response(json: Body, ctx: TranslationContext, usage: Usage): Body;
  stream(ctx: TranslationContext): StreamTranslator;
}

const CHAT_VIA_MESSAGES: Translation = {
  upstream: 'messages',
  request: (ctx) => chatToMessagesRequest(ctx.clientBody, { model: ctx.model, defaultMaxTokens: ctx.defaultMaxTokens }),
  response: (json) => messagesToChatResponse(json),
  stream: (ctx) => new MessagesToChatStream({ includeUsage: ctx.includeUsage }),
};

const MESSAGES_VIA_CHAT: Translation = {
  upstream: 'chat',
  request: (ctx) => messagesToChatRequest(ctx.clientBody, { model: ctx.model }),
  response: (json, _ctx, usage) => chatToMessagesResponse(json, { fallbackUsage: usage }),
  stream: (ctx) => new ChatToMessagesStream({ estimatedInputTokens: ctx.estimatedInputTokens(), fallbackUsage: ctx.fallbackUsage }),
};

const RESPONSES_VIA_CHAT: Translation = {
  upstream: 'chat',
  request: (ctx) => responsesToChatRequest(ctx.clientBody, { model: ctx.model }),
  response: (json, ctx, usage) => chatToResponsesResponse(json, { request: ctx.clientBody, fallbackUsage: () => usage }),
  stream: (ctx) => new ChatToResponsesStream({ request: ctx.clientBody, fallbackUsage: ctx.fallbackUsage }),
};

const RESPONSES_VIA_MESSAGES: Translation = {
  upstream: 'messages',
  request: (ctx) => {
    refuseForMessages(ctx.clientBody);
    const chat = responsesToChatRequest(ctx.clientBody, { model: ctx.model });
    try {
      return chatToMessagesRequest(chat, { model: ctx.model, defaultMaxTokens: ctx.defaultMaxTokens });
    } catch (err) {
      // The second step names paths in the intermediate chat request, which the client never saw.
      if (err instanceof GatehouseError && err.param?.startsWith('messages') === true) {
        throw new GatehouseError(err.code, `${err.message} (in input, translated for an Anthropic provider)`, { param: 'input' });
      }
      throw err;
    }
  },
  response: (json, ctx, usage) => chatToResponsesResponse(messagesToChatResponse(json), { request: ctx.clientBody, fallbackUsage: () => usage }),
  stream: (ctx) =>
    composeStreams(new MessagesToChatStream({ includeUsage: true }), new ChatToResponsesStream({ request: ctx.clientBody, fallbackUsage: ctx.fallbackUsage })),
};

/** What chat completions can carry but Anthropic cannot, refused with the client's own param names. */
function refuseForMessages(body: Body): void {
  const format = (body.text as { format?: { type?: unknown } } | null | undefined)?.format;
  if (format !== undefined && format !== null && format.type !== 'text') {
    throw unsupported('Structured output (text.format) cannot be translated for an Anthropic provider.', 'text.format');
  }
  if (typeof body.top_logprobs === 'number' && body.top_logprobs > 0) {
    throw unsupported('Log probabilities cannot be translated for an Anthropic provider.', 'top_logprobs');
  }
  if (Array.isArray(body.include) && body.include.includes('message.output_text.logprobs')) {
    throw unsupported('Log probabilities cannot be translated for an Anthropic provider.', 'include');
  }
}

/** Preference order per client operation: the first the provider serves natively wins. */
const TRANSLATIONS: Readonly<Record<'chat' | 'messages' | 'responses', readonly Translation[]>> = {
  chat: [CHAT_VIA_MESSAGES],
  messages: [MESSAGES_VIA_CHAT],
  responses: [RESPONSES_VIA_CHAT, RESPONSES_VIA_MESSAGES],
};

export function findTranslation(client: 'chat' | 'messages' | 'responses', provider: ReadonlySet<UpstreamOperation>): Translation | undefined {
  return TRANSLATIONS[client].find((t) => provider.has(t.upstream));
}

/** Two translators in a row: what the first emits, the second consumes. */
export function composeStreams(first: StreamTranslator, second: StreamTranslator): StreamTranslator {
  const through = (events: WireEvent[]): WireEvent[] => events.flatMap((e) => second.push(e));
  return {
    push: (event) => through(first.push(event)),
    end: () => [...through(first.end()), ...second.end()],
  };
}
