import { z } from 'zod';
import { fieldSlot, type TextSlot, type TextView, type SlotKind } from './text-view.js';
import { contentText } from '../tokens.js';

/**
 * OpenAI chat completions: request validation and the text view. Validation checks the fields the
 * gateway relies on and the types a provider would reject anyway; unknown and future fields pass
 * through untouched (the parsed body, not zod's output, is what is forwarded).
 */
const contentPart = z.looseObject({ type: z.string() });
const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(z.looseObject({ id: z.string(), type: z.string() })).optional(),
  tool_call_id: z.string().optional(),
});

export const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  n: z.number().int().min(1).nullish(),
  temperature: z.number().nullish(),
});

export const embeddingsRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int()).min(1)).min(1),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).optional(),
});

const ROLE_KIND: Record<string, SlotKind> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  assistant: 'assistant',
  tool: 'tool_result',
  function: 'tool_result',
};

/**
 * The text slots of a chat request: each message's text (a string content, or each text part of a
 * parts array) and each tool call's arguments. `onChange` is called when a slot is rewritten.
 */
export function chatTextView(body: Record<string, unknown>, onChange: () => void): TextView {
  const slots: TextSlot[] = [];
  const messages = body.messages as Record<string, unknown>[];
  messages.forEach((m, index) => {
    const kind = ROLE_KIND[m.role as string] ?? 'user';
    if (typeof m.content === 'string') {
      slots.push(fieldSlot(kind, index, m, 'content', onChange));
    } else if (Array.isArray(m.content)) {
      for (const part of m.content as Record<string, unknown>[]) {
        if (typeof part.text === 'string') slots.push(fieldSlot(kind, index, part, 'text', onChange));
      }
    }
    if (Array.isArray(m.tool_calls)) {
      for (const call of m.tool_calls as Record<string, unknown>[]) {
        const fn = call.function as Record<string, unknown> | null | undefined;
        if (fn !== null && typeof fn === 'object' && typeof fn.arguments === 'string') slots.push(fieldSlot('tool_call', index, fn, 'arguments', onChange, 'json'));
      }
    }
  });
  return { slots };
}

/** The text slots of an embeddings request: each string input. */
export function embeddingsTextView(body: Record<string, unknown>, onChange: () => void): TextView {
  if (typeof body.input === 'string') return { slots: [fieldSlot('input', 0, body, 'input', onChange)] };
  const input = body.input as unknown[];
  const slots: TextSlot[] = [];
  input.forEach((item, index) => {
    if (typeof item === 'string') slots.push(fieldSlot('input', index, input, index, onChange));
  });
  return { slots };
}



/** The text of a chat completion response (all choices), for token estimates. */
export function chatResponseText(json: Record<string, unknown>): string {
  let text = '';
  const choices = Array.isArray(json.choices) ? (json.choices as Record<string, unknown>[]) : [];
  for (const choice of choices) {
    if (choice === null || typeof choice !== 'object') continue;
    const msg = (choice.message ?? {}) as Record<string, unknown>;
    if (msg === null || typeof msg !== 'object') continue;
    text += contentText(msg.content);
    if (Array.isArray(msg.tool_calls)) {
      for (const call of msg.tool_calls as (Record<string, Record<string, unknown> | undefined> | null)[]) {
        const fn = call?.function;
        if (fn && typeof fn.arguments === 'string') text += String(fn.name ?? '') + fn.arguments;
      }
    }
  }
  return text;
}

/**
 * The text slots of a chat completion response: each choice's text content ('output', index =
 * choice index) and each tool call's arguments ('tool_call').
 */
export function chatResponseTextView(json: Record<string, unknown>, onChange: () => void): TextView {
  const slots: TextSlot[] = [];
  const choices = Array.isArray(json.choices) ? (json.choices as Record<string, unknown>[]) : [];
  choices.forEach((choice, index) => {
    const msg = choice?.message as Record<string, unknown> | null | undefined;
    if (msg === null || typeof msg !== 'object') return;
    if (typeof msg.content === 'string') slots.push(fieldSlot('output', index, msg, 'content', onChange));
    if (Array.isArray(msg.tool_calls)) {
      for (const call of msg.tool_calls as Record<string, unknown>[]) {
        const fn = call?.function as Record<string, unknown> | null | undefined;
        if (fn !== null && typeof fn === 'object' && typeof fn.arguments === 'string') slots.push(fieldSlot('tool_call', index, fn, 'arguments', onChange, 'json'));
      }
    }
  });
  return { slots };
}
