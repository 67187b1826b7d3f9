/** Token usage of one Exchange, normalised across wire formats. */
export interface Usage {
  /** All input tokens, cached ones included. */
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
  /** Input tokens served from the provider's prompt cache (billed at the cached rate). */
  readonly cachedPromptTokens: number;
  /** Input tokens written to the provider's prompt cache (Anthropic bills these apart). */
  readonly cacheWriteTokens: number;
  /** Reasoning tokens, already included in completionTokens. */
  readonly reasoningTokens: number;
  /** `provider` when the provider reported it; `estimated` when the gateway counted tokens itself. */
  readonly source: 'provider' | 'estimated';
}

/** A token count read from a provider's usage object: anything but a finite non-negative number is 0. */
export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** Reads an OpenAI `usage` object (chat completions or embeddings). Returns undefined if absent. */
export function usageFromOpenAI(raw: unknown): Usage | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const u = raw as Record<string, unknown>;
  if (typeof u.prompt_tokens !== 'number' && typeof u.total_tokens !== 'number') return undefined;
  const promptDetails = (u.prompt_tokens_details ?? {}) as Record<string, unknown>;
  const completionDetails = (u.completion_tokens_details ?? {}) as Record<string, unknown>;
  const promptTokens = tokenCount(u.prompt_tokens);
  const completionTokens = tokenCount(u.completion_tokens);
  return {
    promptTokens,
    completionTokens,
    totalTokens: tokenCount(u.total_tokens) || promptTokens + completionTokens,
    cachedPromptTokens: tokenCount(promptDetails?.cached_tokens),
    cacheWriteTokens: 0,
    reasoningTokens: tokenCount(completionDetails?.reasoning_tokens),
    source: 'provider',
  };
}

export function estimatedUsage(promptTokens: number, completionTokens: number): Usage {
  return {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    cachedPromptTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    source: 'estimated',
  };
}
