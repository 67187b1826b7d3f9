import { GatehouseError } from '../../errors/gatehouse-error.js';
import { anthropicUsageObject, usageFromAnthropic } from '../formats/anthropic-messages.js';
import { usageFromOpenAI, type Usage } from '../usage.js';
import { chatUsageObject } from './chat-usage.js';
import { anthropicStop, chatFinishReason } from './stop-reasons.js';
import { isJsonObject } from '../formats/json-object.js';
import { generatedToolUseId } from './tool-ids.js';

/**
 * Unstreamed responses between Anthropic Messages and chat completions. The id and model of the
 * upstream document are kept; what one side has and the other cannot hold is dropped (thinking
 * blocks into chat, reasoning-token counts into Anthropic).
 */
export interface MessagesToChatResponseOptions {
  /** Unix seconds for `created` (Anthropic messages carry no timestamp); defaults to now. */
  readonly created?: number;
}

export function messagesToChatResponse(json: Record<string, unknown>, options: MessagesToChatResponseOptions = {}): Record<string, unknown> {
  let text = '';
  const toolCalls: Record<string, unknown>[] = [];
  for (const block of Array.isArray(json.content) ? json.content : []) {
    if (!isJsonObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') {
      text += block.text;
    } else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  const message: Record<string, unknown> = { role: 'assistant', content: text !== '' ? text : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  message.refusal = null;
  const out: Record<string, unknown> = {
    id: json.id,
    object: 'chat.completion',
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: json.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: chatFinishReason(json.stop_reason) }],
  };
  const usage = usageFromAnthropic(json.usage);
  if (usage !== undefined) out.usage = chatUsageObject(usage);
  return out;
}

export interface ChatToMessagesResponseOptions {
  /** Usage to report when the upstream reported none (an OpenAI-compatible server without usage). */
  readonly fallbackUsage?: Usage;
}

const NO_USAGE: Usage = {
  promptTokens: 0,
  completionTokens: 0,
  totalTokens: 0,
  cachedPromptTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  source: 'estimated',
};

export function chatToMessagesResponse(json: Record<string, unknown>, options: ChatToMessagesResponseOptions = {}): Record<string, unknown> {
  const choices = Array.isArray(json.choices) ? json.choices : [];
  // Requests with n > 1 are refused before they reach the provider, so the first choice is the answer.
  const choice = isJsonObject(choices[0]) ? choices[0] : {};
  const message = isJsonObject(choice.message) ? choice.message : {};
  const content: Record<string, unknown>[] = [];
  const text = typeof message.content === 'string' ? message.content : '';
  if (text !== '') content.push({ type: 'text', text });
  if (typeof message.refusal === 'string' && message.refusal !== '') content.push({ type: 'text', text: message.refusal });
  if (Array.isArray(message.tool_calls)) {
    message.tool_calls.forEach((call, k) => content.push(toolUseBlock(call, k)));
  }
  const stop = anthropicStop(choice.finish_reason, choice.stop_reason);
  const usage = usageFromOpenAI(json.usage) ?? options.fallbackUsage ?? NO_USAGE;
  return {
    id: json.id,
    type: 'message',
    role: 'assistant',
    model: json.model,
    content,
    stop_reason: stop.stop_reason,
    stop_sequence: stop.stop_sequence,
    usage: anthropicUsageObject(usage),
  };
}

function toolUseBlock(raw: unknown, k: number): Record<string, unknown> {
  const call = isJsonObject(raw) ? raw : {};
  const fn = isJsonObject(call.function) ? call.function : {};
  const args = typeof fn.arguments === 'string' ? fn.arguments : '';
  let input: unknown = {};
  if (args.trim() !== '') {
    try {
      input = JSON.parse(args);
    } catch {
      input = undefined;
    }
  }
  // Anthropic clients are promised an object; a model's broken JSON cannot be passed on as one.
  if (!isJsonObject(input)) {
    throw new GatehouseError('upstream_invalid_response', `The provider returned tool call ${k} with arguments that are not a JSON object.`);
  }
  const id = typeof call.id === 'string' && call.id !== '' ? call.id : generatedToolUseId();
  return { type: 'tool_use', id, name: fn.name, input };
}

