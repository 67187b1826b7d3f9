import type { Usage } from '../usage.js';

export interface ChatUsageObject {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

/**
 * Our Usage as a chat completion reports it. prompt_tokens counts all input. Chat has a field for
 * cache reads but none for cache writes: Anthropic's cache-creation tokens are inside
 * prompt_tokens and nowhere else.
 */
export function chatUsageObject(usage: Usage): ChatUsageObject {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedPromptTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}
