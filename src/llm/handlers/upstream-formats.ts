/**
 * What the gateway reads from a provider's answer, per native operation: usage, the generated
 * text (to count tokens when usage is missing), and a stream observer.
 */
import { chatResponseText } from '../formats/openai-chat.js';
import { ChatStreamObserver } from '../formats/openai-chat-stream.js';
import { messagesResponseText, usageFromAnthropic } from '../formats/anthropic-messages.js';
import { AnthropicStreamObserver } from '../formats/anthropic-stream.js';
import { countResponsesPromptTokens, responsesResponseText, usageFromResponses } from '../formats/openai-responses.js';
import { ResponsesStreamObserver } from '../formats/responses-stream.js';
import type { StreamObserver } from '../formats/wire-event.js';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import { parseProviderJson, providerUsage } from './provider-json.js';
import { countChatPromptTokens, countMessagesPromptTokens, countTextTokens } from '../tokens.js';
import { estimatedUsage, usageFromOpenAI, type Usage } from '../usage.js';
import type { GenerativeOperation } from './surfaces.js';

export interface UpstreamFormat {
  usageOf(json: Record<string, unknown>): Usage | undefined;
  responseText(json: Record<string, unknown>): string;
  /** Estimated prompt tokens of a request body in this format. */
  countPrompt(body: Readonly<Record<string, unknown>>): number;
  observer(): StreamObserver;
  /** The member every successful answer has, checked before an answer is translated. */
  readonly answerMember: string;
}

export const UPSTREAM_FORMATS: Readonly<Record<GenerativeOperation, UpstreamFormat>> = {
  chat: {
    usageOf: (json) => usageFromOpenAI(json.usage),
    responseText: chatResponseText,
    countPrompt: countChatPromptTokens,
    observer: () => new ChatStreamObserver(),
    answerMember: 'choices',
  },
  messages: {
    usageOf: (json) => usageFromAnthropic(json.usage),
    responseText: messagesResponseText,
    countPrompt: countMessagesPromptTokens,
    observer: () => new AnthropicStreamObserver(),
    answerMember: 'content',
  },
  responses: {
    usageOf: (json) => usageFromResponses(json.usage),
    responseText: responsesResponseText,
    countPrompt: countResponsesPromptTokens,
    observer: () => new ResponsesStreamObserver(),
    answerMember: 'output',
  },
};

/** The provider's usage, or the gateway's count when the provider reported none. */
export function usageOrEstimate(format: UpstreamFormat, upstreamBody: Readonly<Record<string, unknown>>, json: Record<string, unknown>): Usage {
  return format.usageOf(json) ?? estimatedUsage(format.countPrompt(upstreamBody), countTextTokens(format.responseText(json)));
}

/**
 * The usage of an answer forwarded as the provider sent it: the body is checked to be a JSON object
 * and only its `usage` is parsed (providerUsage); the whole answer is parsed only when that holds
 * no usage and the answer's text must be counted, and only then is the request body asked for.
 */
export function forwardedUsage(format: UpstreamFormat, upstreamBody: () => Readonly<Record<string, unknown>>, buf: Buffer, provider: string): Usage {
  return format.usageOf({ usage: providerUsage(buf, provider) }) ?? usageOrEstimate(format, upstreamBody(), parseProviderJson(buf, provider));
}

/**
 * The provider's final usage; else, for a stream that ended early, what it reported so far (the
 * input side) with the output counted from the text received; else all counted (and only then is
 * the request body asked for).
 */
export function streamUsage(observer: StreamObserver, format: UpstreamFormat, upstreamBody: () => Record<string, unknown>): Usage {
  if (observer.usage !== undefined) return observer.usage;
  const output = countTextTokens(observer.text);
  const early = observer.earlyUsage;
  if (early === undefined) return estimatedUsage(format.countPrompt(upstreamBody()), output);
  const completionTokens = Math.max(early.completionTokens, output);
  return { ...early, completionTokens, totalTokens: early.promptTokens + completionTokens, source: 'estimated' };
}

/**
 * A 200 that is not an answer (an error document, `{}`) must not be translated into an empty
 * success: it is the provider's error, or an unreadable response.
 */
export function checkAnswer(format: UpstreamFormat, json: Record<string, unknown>, provider: string): void {
  if (Array.isArray(json[format.answerMember])) return;
  const error = json.error as { message?: unknown } | null | undefined;
  if (error !== undefined && error !== null) {
    const message = typeof error === 'object' && typeof error.message === 'string' ? error.message : JSON.stringify(error);
    throw new GatehouseError('upstream_error', `Provider "${provider}" answered 200 with an error: ${message}`, { upstreamStatus: 200 });
  }
  throw new GatehouseError('upstream_invalid_response', `Provider "${provider}" answered 200 without "${format.answerMember}".`);
}
