import { z } from 'zod';
import { fieldSlot, type TextSlot, type TextView, type SlotKind } from './text-view.js';
import { contentText, countTextTokens } from '../tokens.js';
import { tokenCount, type Usage } from '../usage.js';
import { isJsonObject } from './json-object.js';

/**
 * OpenAI Responses API: request validation, the text views of a request and of a response, usage
 * and a prompt-token estimate. As for chat completions, validation checks the fields the gateway
 * relies on and the types OpenAI would reject anyway; unknown and future fields pass untouched.
 */
const inputItem = z
  .looseObject({ type: z.string().optional(), role: z.string().optional() })
  .refine((item) => item.type !== undefined || item.role !== undefined, {
    message: 'An input item needs a "type" (or a "role", for a message).',
  });

export const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItem)]).optional(),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).nullish(),
  tool_choice: z.union([z.enum(['auto', 'none', 'required']), z.looseObject({ type: z.string() })]).nullish(),
  max_output_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  previous_response_id: z.string().nullish(),
  store: z.boolean().nullish(),
  background: z.boolean().nullish(),
  text: z.looseObject({ format: z.looseObject({ type: z.string() }).optional() }).nullish(),
  reasoning: z.looseObject({ effort: z.string().nullish() }).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
});

const ROLE_KIND: Record<string, SlotKind> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  assistant: 'assistant',
};

/** Text-bearing content parts of input messages (input_text) and of replayed outputs (output_text). */
const TEXT_PARTS = new Set(['input_text', 'output_text']);

type Item = Record<string, unknown>;


/** A message item may omit `type` (OpenAI's "easy input message"). */
export function inputItemType(item: Item): string | undefined {
  if (typeof item.type === 'string') return item.type;
  return typeof item.role === 'string' ? 'message' : undefined;
}

/**
 * The text slots of a Responses request: `instructions` (index -1: it comes before every input
 * item), a string `input` (index 0), and per input item (index = its position in `input`) the
 * message text, function-call arguments and function-call outputs.
 */
export function responsesTextView(body: Record<string, unknown>, onChange: () => void): TextView {
  const slots: TextSlot[] = [];
  if (typeof body.instructions === 'string') slots.push(fieldSlot('system', -1, body, 'instructions', onChange));
  if (typeof body.input === 'string') slots.push(fieldSlot('user', 0, body, 'input', onChange));
  if (!Array.isArray(body.input)) return { slots };
  (body.input as unknown[]).forEach((item, index) => {
    if (!isJsonObject(item)) return;
    switch (inputItemType(item)) {
      case 'message': {
        const kind = ROLE_KIND[item.role as string] ?? 'user';
        if (typeof item.content === 'string') slots.push(fieldSlot(kind, index, item, 'content', onChange));
        else pushTextParts(slots, kind, index, item.content, onChange);
        break;
      }
      case 'function_call':
        if (typeof item.arguments === 'string') slots.push(fieldSlot('tool_call', index, item, 'arguments', onChange, 'json'));
        break;
      case 'function_call_output':
        if (typeof item.output === 'string') slots.push(fieldSlot('tool_result', index, item, 'output', onChange));
        else pushTextParts(slots, 'tool_result', index, item.output, onChange);
        break;
      default:
        break;
    }
  });
  return { slots };
}

function pushTextParts(slots: TextSlot[], kind: SlotKind, index: number, parts: unknown, onChange: () => void): void {
  if (!Array.isArray(parts)) return;
  for (const part of parts) {
    if (isJsonObject(part) && TEXT_PARTS.has(part.type as string) && typeof part.text === 'string') slots.push(fieldSlot(kind, index, part, 'text', onChange));
  }
}

/** The text slots of a Response: output_text parts ('output') and function-call arguments ('tool_call'); index = output item. */
export function responsesResponseTextView(json: Record<string, unknown>, onChange: () => void): TextView {
  const slots: TextSlot[] = [];
  outputItems(json).forEach((item, index) => {
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content) {
        if (isJsonObject(part) && part.type === 'output_text' && typeof part.text === 'string') slots.push(fieldSlot('output', index, part, 'text', onChange));
      }
    } else if (item.type === 'function_call' && typeof item.arguments === 'string') {
      slots.push(fieldSlot('tool_call', index, item, 'arguments', onChange, 'json'));
    }
  });
  return { slots };
}

/** The generated text of a Response (output text, refusals, function names and arguments), for token estimates. */
export function responsesResponseText(json: Record<string, unknown>): string {
  let text = '';
  for (const item of outputItems(json)) {
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content) {
        if (!isJsonObject(part)) continue;
        if (part.type === 'output_text' && typeof part.text === 'string') text += part.text;
        else if (part.type === 'refusal' && typeof part.refusal === 'string') text += part.refusal;
      }
    } else if (item.type === 'function_call') {
      text += (typeof item.name === 'string' ? item.name : '') + (typeof item.arguments === 'string' ? item.arguments : '');
    }
  }
  return text;
}

function outputItems(json: Record<string, unknown>): Item[] {
  return Array.isArray(json.output) ? (json.output as unknown[]).filter(isJsonObject) : [];
}



/** Reads a Responses `usage` object. Returns undefined if absent. */
export function usageFromResponses(raw: unknown): Usage | undefined {
  if (!isJsonObject(raw)) return undefined;
  if (typeof raw.input_tokens !== 'number' && typeof raw.total_tokens !== 'number') return undefined;
  const inputDetails = isJsonObject(raw.input_tokens_details) ? raw.input_tokens_details : {};
  const outputDetails = isJsonObject(raw.output_tokens_details) ? raw.output_tokens_details : {};
  const promptTokens = tokenCount(raw.input_tokens);
  const completionTokens = tokenCount(raw.output_tokens);
  return {
    promptTokens,
    completionTokens,
    totalTokens: tokenCount(raw.total_tokens) || promptTokens + completionTokens,
    cachedPromptTokens: tokenCount(inputDetails.cached_tokens),
    cacheWriteTokens: tokenCount(inputDetails.cache_write_tokens),
    reasoningTokens: tokenCount(outputDetails.reasoning_tokens),
    source: 'provider',
  };
}

/**
 * Prompt tokens of a Responses request, estimated like countChatPromptTokens: 3 tokens of framing
 * per message-like entry (instructions, each input item) plus its text, tool calls and tool
 * definitions as their JSON text, and 3 to prime the reply.
 */
export function countResponsesPromptTokens(body: Readonly<Record<string, unknown>>): number {
  let total = 3;
  if (typeof body.instructions === 'string') total += 3 + countTextTokens(body.instructions);
  if (typeof body.input === 'string') total += 3 + countTextTokens(body.input);
  else if (Array.isArray(body.input)) {
    for (const item of body.input as unknown[]) {
      if (!isJsonObject(item)) continue;
      total += 3 + countTextTokens(inputItemText(item));
    }
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) total += countTextTokens(JSON.stringify(body.tools));
  return total;
}

function inputItemText(item: Item): string {
  switch (inputItemType(item)) {
    case 'message':
      return contentText(item.content);
    case 'function_call':
      return JSON.stringify({ name: item.name, arguments: item.arguments });
    case 'function_call_output':
      return contentText(item.output);
    case 'reasoning':
      // Replayed reasoning summaries are text the model reads again.
      return contentText(item.summary);
    default:
      return '';
  }
}
