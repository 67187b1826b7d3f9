/**
 * Why generation stopped, in both vocabularies. Anthropic's is finer: several of its reasons fold
 * into one chat finish_reason, and a chat `stop` cannot say whether a stop sequence matched.
 */
const FINISH_REASON: Readonly<Record<string, string>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  // Only server tools pause a turn, and requests with server tools are not translated.
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

const STOP_REASON: Readonly<Record<string, string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

/** An Anthropic stop_reason as a chat finish_reason; an unknown or missing reason reads as `stop`. */
export function chatFinishReason(stopReason: unknown): string {
  return (typeof stopReason === 'string' ? FINISH_REASON[stopReason] : undefined) ?? 'stop';
}

export interface AnthropicStop {
  readonly stop_reason: string;
  readonly stop_sequence: string | null;
}

/**
 * A chat choice's finish_reason as Anthropic's stop_reason and stop_sequence. vLLM-style servers
 * name the stop string that matched in the choice's non-standard `stop_reason`; when they do, it
 * becomes Anthropic's `stop_sequence`. An unknown or missing reason reads as `end_turn`.
 */
export function anthropicStop(finishReason: unknown, matchedStop?: unknown): AnthropicStop {
  if (finishReason === 'stop' && typeof matchedStop === 'string') return { stop_reason: 'stop_sequence', stop_sequence: matchedStop };
  const reason = typeof finishReason === 'string' ? STOP_REASON[finishReason] : undefined;
  return { stop_reason: reason ?? 'end_turn', stop_sequence: null };
}
