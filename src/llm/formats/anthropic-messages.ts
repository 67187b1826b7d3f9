import { z } from 'zod';
import { fieldSlot, stringLeaves, type TextSlot, type TextView, type SlotKind } from './text-view.js';
import { tokenCount, type Usage } from '../usage.js';
import { isJsonObject } from './json-object.js';

/**
 * Anthropic Messages: request validation, the text views of a request and a response, and usage.
 * Validation checks the fields the gateway relies on and the types Anthropic would reject anyway;
 * unknown and future fields (and block types) pass through untouched, because the parsed body, not
 * zod's output, is what is forwarded.
 */
const block = z.looseObject({ type: z.string() });
const message = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(block)]),
});
const systemTextBlock = z.looseObject({ type: z.literal('text'), text: z.string() });

// Optional fields accept null as well: a client that serialises absent fields as null should get
// Anthropic's answer, not ours.
const commonFields = {
  model: z.string().min(1),
  messages: z.array(message).min(1),
  system: z.union([z.string(), z.array(systemTextBlock)]).nullish(),
  stream: z.boolean().nullish(),
  tools: z.array(z.looseObject({})).nullish(),
  tool_choice: z.looseObject({ type: z.string() }).nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  top_k: z.number().int().min(0).nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).nullish(),
  thinking: z.looseObject({ type: z.string() }).nullish(),
};

export const messagesRequestSchema = z.looseObject({ ...commonFields, max_tokens: z.number().int().min(1) });

/** POST /v1/messages/count_tokens takes the same body, without max_tokens. */
export const countTokensRequestSchema = z.looseObject({ ...commonFields, max_tokens: z.number().int().min(1).optional() });

const ROLE_KIND: Record<string, SlotKind> = { user: 'user', assistant: 'assistant' };

/**
 * The text slots of a Messages request. `index` is the message's position in `messages`; the
 * top-level system prompt, which is not in that list, has index -1 so that message indices stay
 * equal to array positions.
 *
 * Thinking and redacted_thinking blocks are not exposed: Anthropic verifies them against their
 * signature when they are sent back, so rewriting one would make the request fail.
 */
export function messagesTextView(body: Record<string, unknown>, onChange: () => void): TextView {
  const slots: TextSlot[] = [];
  if (typeof body.system === 'string') {
    slots.push(fieldSlot('system', -1, body, 'system', onChange));
  } else if (Array.isArray(body.system)) {
    for (const b of body.system) {
      if (isJsonObject(b) && typeof b.text === 'string') slots.push(fieldSlot('system', -1, b, 'text', onChange));
    }
  }
  const messages = body.messages as Record<string, unknown>[];
  messages.forEach((m, index) => {
    const kind = ROLE_KIND[m.role as string] ?? 'user';
    if (typeof m.content === 'string') {
      slots.push(fieldSlot(kind, index, m, 'content', onChange));
      return;
    }
    if (!Array.isArray(m.content)) return;
    for (const b of m.content) {
      if (!isJsonObject(b)) continue;
      if (b.type === 'text' && typeof b.text === 'string') slots.push(fieldSlot(kind, index, b, 'text', onChange));
      else if (b.type === 'tool_use') stringLeaves(b.input, 'tool_call', index, slots, onChange);
      else if (b.type === 'tool_result') toolResultSlots(b, index, slots, onChange);
    }
  });
  return { slots };
}

function toolResultSlots(b: Record<string, unknown>, index: number, slots: TextSlot[], onChange: () => void): void {
  if (typeof b.content === 'string') {
    slots.push(fieldSlot('tool_result', index, b, 'content', onChange));
  } else if (Array.isArray(b.content)) {
    for (const part of b.content) {
      if (isJsonObject(part) && part.type === 'text' && typeof part.text === 'string') slots.push(fieldSlot('tool_result', index, part, 'text', onChange));
    }
  }
}

/** One slot per string anywhere inside a tool call's input, so a secret in a nested field is seen. */


/**
 * The generated text of a Messages response, for token estimates: text, thinking, and each tool
 * call's name and JSON input (thinking costs output tokens like any other text).
 */
export function messagesResponseText(json: Record<string, unknown>): string {
  let text = '';
  for (const b of contentBlocks(json)) {
    if (b.type === 'text' && typeof b.text === 'string') text += b.text;
    else if (b.type === 'thinking' && typeof b.thinking === 'string') text += b.thinking;
    else if (b.type === 'tool_use') text += String(b.name ?? '') + JSON.stringify(b.input ?? {});
  }
  return text;
}

/**
 * The text slots of a Messages response: text blocks ('output') and the string leaves of tool_use
 * inputs ('tool_call'). `index` is the block's position in `content`.
 */
export function messagesResponseTextView(json: Record<string, unknown>, onChange: () => void): TextView {
  const slots: TextSlot[] = [];
  contentBlocks(json).forEach((b, index) => {
    if (b.type === 'text' && typeof b.text === 'string') slots.push(fieldSlot('output', index, b, 'text', onChange));
    else if (b.type === 'tool_use') stringLeaves(b.input, 'tool_call', index, slots, onChange);
  });
  return { slots };
}

function contentBlocks(json: Record<string, unknown>): Record<string, unknown>[] {
  // Non-object entries keep their place so that indices stay equal to array positions.
  return Array.isArray(json.content) ? json.content.map((b: unknown) => (isJsonObject(b) ? b : {})) : [];
}


/**
 * Reads an Anthropic `usage` object (a message, message_start or message_delta). Anthropic's
 * `input_tokens` excludes the tokens read from or written to the prompt cache; ours includes them.
 */
export function usageFromAnthropic(raw: unknown): Usage | undefined {
  if (!isJsonObject(raw)) return undefined;
  if (typeof raw.input_tokens !== 'number' && typeof raw.output_tokens !== 'number') return undefined;
  const cacheRead = tokenCount(raw.cache_read_input_tokens);
  const cacheWrite = tokenCount(raw.cache_creation_input_tokens);
  const promptTokens = tokenCount(raw.input_tokens) + cacheRead + cacheWrite;
  const completionTokens = tokenCount(raw.output_tokens);
  const details = isJsonObject(raw.output_tokens_details) ? raw.output_tokens_details : {};
  return {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    cachedPromptTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: tokenCount(details.thinking_tokens),
    source: 'provider',
  };
}

export interface AnthropicUsageObject {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** Our Usage as Anthropic reports it: input_tokens counts only the uncached input. */
export function anthropicUsageObject(usage: Usage): AnthropicUsageObject {
  return {
    input_tokens: Math.max(0, usage.promptTokens - usage.cachedPromptTokens - usage.cacheWriteTokens),
    output_tokens: usage.completionTokens,
    cache_creation_input_tokens: usage.cacheWriteTokens,
    cache_read_input_tokens: usage.cachedPromptTokens,
  };
}

