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
import { countChatPromptTokens, countMessagesPromptTokens, countTextTokens } from '../tokens.js';
import { estimatedUsage, usageFromOpenAI, type Usage } from '../usage.js';
import type { GenerativeOperation } from './surfaces.js';

export interface UpstreamFormat {
  usageOf(json: Record<string, unknown>): Usage | undefined;
  responseText(json: Record<string, unknown>): string;
  /** Estimated prompt tokens of a request body in this format. */
  countPrompt(body: Readonly<Record<string, unknown>>): number;
  observer(): StreamObserver;
}

export const UPSTREAM_FORMATS: Readonly<Record<GenerativeOperation, UpstreamFormat>> = {
  chat: {
    usageOf: (json) => usageFromOpenAI(json.usage),
    responseText: chatResponseText,
    countPrompt: countChatPromptTokens,
    observer: () => new ChatStreamObserver(),
  },
  messages: {
    usageOf: (json) => usageFromAnthropic(json.usage),
    responseText: messagesResponseText,
    countPrompt: countMessagesPromptTokens,
    observer: () => new AnthropicStreamObserver(),
  },
  responses: {
    usageOf: (json) => usageFromResponses(json.usage),
    responseText: responsesResponseText,
    countPrompt: countResponsesPromptTokens,
    observer: () => new ResponsesStreamObserver(),
  },
};

/** The provider's usage, or the gateway's count when the provider reported none. */
export function usageOrEstimate(format: UpstreamFormat, upstreamBody: Readonly<Record<string, unknown>>, json: Record<string, unknown>): Usage {
  return format.usageOf(json) ?? estimatedUsage(format.countPrompt(upstreamBody), countTextTokens(format.responseText(json)));
}
