import { anthropicImageSource } from './image-sources.js';
import { malformed, unsupported, requireObject } from './translation-errors.js';
import { isJsonObject } from '../formats/json-object.js';

/**
 * An OpenAI chat completions request as an Anthropic Messages request. Used only when the provider
 * behind the route speaks Anthropic and the client speaks chat; docs/translation.md has the full
 * table. Fields not listed there are not carried over. Ignored on purpose, because Anthropic has
 * no counterpart and leaving them out changes no answer a client may rely on:
 * - seed, presence_penalty, frequency_penalty, logit_bias: sampling controls Anthropic lacks;
 * - store, metadata, service_tier, prompt_cache_key, prediction: OpenAI account-side features;
 * - stream_options: usage always comes in an Anthropic stream;
 * - reasoning_effort: Anthropic's extended thinking needs a token budget, forces temperature 1 and
 *   must have its signed thinking blocks sent back with tool results, which chat messages cannot
 *   carry; turning it on would break multi-turn tool use.
 */
export interface ChatToMessagesOptions {
  /** The provider's model id. */
  readonly model: string;
  /** max_tokens when the client sent none (Anthropic requires it; chat does not). */
  readonly defaultMaxTokens: number;
}

type Block = Record<string, unknown>;
interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

export function chatToMessagesRequest(chat: Record<string, unknown>, options: ChatToMessagesOptions): Record<string, unknown> {
  rejectUntranslatable(chat);
  const system: Block[] = [];
  const turns: Turn[] = [];
  (chat.messages as unknown[]).forEach((raw, i) => {
    const m = requireObject(raw, `messages[${i}]`);
    switch (m.role) {
      case 'system':
      case 'developer':
        // Anthropic has one top-level system prompt: instructions are hoisted there, in order,
        // wherever they stood in the conversation.
        system.push(...systemBlocks(m.content, `messages[${i}].content`));
        break;
      case 'user':
        appendTurn(turns, 'user', userBlocks(m.content, `messages[${i}].content`));
        break;
      case 'assistant':
        appendTurn(turns, 'assistant', assistantBlocks(m, i));
        break;
      case 'tool':
        appendTurn(turns, 'user', [toolResultBlock(m, i)]);
        break;
      default:
        throw unsupported(`Messages with role "${String(m.role)}" (the deprecated functions API) cannot be translated; use tools.`, `messages[${i}].role`);
    }
  });

  const out: Record<string, unknown> = { model: options.model };
  if (system.length > 0) out.system = system;
  out.messages = turns.map(finishTurn);
  out.max_tokens = numberOr(chat.max_completion_tokens) ?? numberOr(chat.max_tokens) ?? options.defaultMaxTokens;
  const stop = stopSequences(chat.stop);
  if (stop !== undefined) out.stop_sequences = stop;
  if (typeof chat.temperature === 'number') out.temperature = chat.temperature;
  if (typeof chat.top_p === 'number') out.top_p = chat.top_p;
  const tools = Array.isArray(chat.tools) ? chat.tools.map((t, i) => anthropicTool(t, i)) : undefined;
  if (tools !== undefined && tools.length > 0) out.tools = tools;
  const toolChoice = anthropicToolChoice(chat.tool_choice, chat.parallel_tool_calls === false && tools !== undefined && tools.length > 0);
  if (toolChoice !== undefined) out.tool_choice = toolChoice;
  // safety_identifier is OpenAI's successor to `user`; both mean Anthropic's metadata.user_id.
  const userId = typeof chat.safety_identifier === 'string' ? chat.safety_identifier : chat.user;
  if (typeof userId === 'string') out.metadata = { user_id: userId };
  if (chat.stream === true) out.stream = true;
  return out;
}

function rejectUntranslatable(chat: Record<string, unknown>): void {
  if (typeof chat.n === 'number' && chat.n > 1) throw unsupported('Anthropic returns one choice per request; n must be 1.', 'n');
  const format = chat.response_format;
  if (format !== undefined && format !== null && !(isJsonObject(format) && format.type === 'text')) {
    throw unsupported('Anthropic has no JSON mode or JSON schema response format.', 'response_format');
  }
  if (chat.logprobs === true) throw unsupported('Anthropic does not return log probabilities.', 'logprobs');
  if (typeof chat.top_logprobs === 'number' && chat.top_logprobs > 0) throw unsupported('Anthropic does not return log probabilities.', 'top_logprobs');
  if (chat.audio !== undefined && chat.audio !== null) throw unsupported('Anthropic does not generate audio.', 'audio');
  if (Array.isArray(chat.modalities) && chat.modalities.includes('audio')) throw unsupported('Anthropic does not generate audio.', 'modalities');
  if (chat.web_search_options !== undefined && chat.web_search_options !== null) {
    throw unsupported('Built-in web search cannot be translated to Anthropic.', 'web_search_options');
  }
  for (const legacy of ['functions', 'function_call']) {
    if (chat[legacy] !== undefined && chat[legacy] !== null) throw unsupported('The deprecated functions API cannot be translated; use tools.', legacy);
  }
  // Chat allows 0..2, Anthropic 0..1: rescaling would change the sampling the client asked for.
  if (typeof chat.temperature === 'number' && chat.temperature > 1) throw unsupported('Anthropic accepts a temperature from 0 to 1.', 'temperature');
}

function systemBlocks(content: unknown, path: string): Block[] {
  if (typeof content === 'string') return textBlocks(content);
  if (content === null || content === undefined) return [];
  return parts(content, path).flatMap((part, j) => {
    if (part.type !== 'text') throw unsupported('System and developer messages can only hold text.', `${path}[${j}]`);
    return textPartBlock(part, `${path}[${j}]`);
  });
}

function userBlocks(content: unknown, path: string): Block[] {
  if (typeof content === 'string') return textBlocks(content);
  return parts(content, path).flatMap((part, j): Block[] => {
    const at = `${path}[${j}]`;
    switch (part.type) {
      case 'text':
        return textPartBlock(part, at);
      case 'image_url': {
        const image = part.image_url;
        const url = typeof image === 'string' ? image : isJsonObject(image) ? image.url : undefined;
        if (typeof url !== 'string') throw malformed('An image_url part needs image_url.url.', `${at}.image_url.url`);
        // `detail` has no counterpart: Anthropic picks the resolution itself.
        return [withCacheControl({ type: 'image', source: anthropicImageSource(url, `${at}.image_url.url`) }, part)];
      }
      case 'input_audio':
        throw unsupported('Anthropic does not accept audio input.', at);
      case 'file':
        throw unsupported('File parts cannot be translated to Anthropic.', at);
      default:
        throw unsupported(`Content parts of type "${String(part.type)}" cannot be translated to Anthropic.`, at);
    }
  });
}

function assistantBlocks(m: Record<string, unknown>, i: number): Block[] {
  if (m.function_call !== undefined && m.function_call !== null) {
    throw unsupported('The deprecated functions API cannot be translated; use tool_calls.', `messages[${i}].function_call`);
  }
  const path = `messages[${i}].content`;
  const blocks: Block[] = [];
  if (typeof m.content === 'string') {
    blocks.push(...textBlocks(m.content));
  } else if (m.content !== null && m.content !== undefined) {
    parts(m.content, path).forEach((part, j) => {
      // A refusal the model gave earlier is part of the conversation like any other text.
      if (part.type === 'refusal' && typeof part.refusal === 'string') blocks.push(...textBlocks(part.refusal));
      else if (part.type === 'text') blocks.push(...textPartBlock(part, `${path}[${j}]`));
      else throw unsupported(`Assistant content parts of type "${String(part.type)}" cannot be translated to Anthropic.`, `${path}[${j}]`);
    });
  }
  if (Array.isArray(m.tool_calls)) m.tool_calls.forEach((call, k) => blocks.push(toolUseBlock(call, `messages[${i}].tool_calls[${k}]`)));
  return blocks;
}

function toolUseBlock(raw: unknown, path: string): Block {
  const call = requireObject(raw, path);
  if (call.type !== 'function') throw unsupported(`Tool calls of type "${String(call.type)}" cannot be translated to Anthropic.`, path);
  const fn = call.function;
  if (!isJsonObject(fn) || typeof fn.name !== 'string') throw malformed('A function tool call needs function.name.', `${path}.function.name`);
  if (typeof call.id !== 'string') throw malformed('A tool call needs an id.', `${path}.id`);
  return { type: 'tool_use', id: call.id, name: fn.name, input: parseArguments(fn.arguments, `${path}.function.arguments`) };
}

/** Anthropic wants a tool call's input as an object; chat carries it as JSON text. */
function parseArguments(args: unknown, param: string): Record<string, unknown> {
  if (typeof args !== 'string') throw malformed('Tool call arguments must be a JSON string.', param);
  // Some clients send "" for a call without arguments.
  if (args.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw malformed('Tool call arguments are not valid JSON.', param);
  }
  if (!isJsonObject(parsed)) throw malformed('Tool call arguments must be a JSON object.', param);
  return parsed;
}

function toolResultBlock(m: Record<string, unknown>, i: number): Block {
  if (typeof m.tool_call_id !== 'string') throw malformed('A tool message needs tool_call_id.', `messages[${i}].tool_call_id`);
  const block: Block = { type: 'tool_result', tool_use_id: m.tool_call_id };
  const path = `messages[${i}].content`;
  if (typeof m.content === 'string') {
    if (m.content !== '') block.content = m.content;
  } else if (m.content !== null && m.content !== undefined) {
    const content = parts(m.content, path).flatMap((part, j) => {
      if (part.type !== 'text') throw unsupported('Tool messages can only hold text.', `${path}[${j}]`);
      return textPartBlock(part, `${path}[${j}]`);
    });
    if (content.length > 0) block.content = content;
  }
  return block;
}

/**
 * Anthropic wants user and assistant turns to alternate: a turn of the same role as the previous
 * one is merged into it (several tool messages become one user turn of tool_result blocks, and the
 * user text that follows them joins it). A turn with nothing in it is left out.
 */
function appendTurn(turns: Turn[], role: Turn['role'], content: Block[]): void {
  if (content.length === 0) return;
  const last = turns.at(-1);
  if (last !== undefined && last.role === role) last.content.push(...content);
  else turns.push({ role, content });
}

/** A turn that is a single plain text block is sent as a string, the form most clients send. */
function finishTurn(turn: Turn): Record<string, unknown> {
  const [only] = turn.content;
  if (turn.content.length === 1 && only !== undefined && only.type === 'text' && Object.keys(only).length === 2) {
    return { role: turn.role, content: only.text };
  }
  return { role: turn.role, content: turn.content };
}

function anthropicTool(raw: unknown, i: number): Block {
  const tool = requireObject(raw, `tools[${i}]`);
  if (tool.type !== 'function') throw unsupported(`Tools of type "${String(tool.type)}" cannot be translated to Anthropic.`, `tools[${i}]`);
  const fn = tool.function;
  if (!isJsonObject(fn) || typeof fn.name !== 'string') throw malformed('A function tool needs function.name.', `tools[${i}].function.name`);
  // `strict` is left out: Anthropic's strict tool use is a separate opt-in that not every model has.
  const out: Block = { name: fn.name };
  if (typeof fn.description === 'string') out.description = fn.description;
  out.input_schema = isJsonObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} };
  return out;
}

function anthropicToolChoice(choice: unknown, noParallel: boolean): Block | undefined {
  let out: Block | undefined;
  if (choice === 'auto') out = { type: 'auto' };
  else if (choice === 'required') out = { type: 'any' };
  else if (choice === 'none') out = { type: 'none' };
  else if (isJsonObject(choice) && choice.type === 'function' && isJsonObject(choice.function) && typeof choice.function.name === 'string') {
    out = { type: 'tool', name: choice.function.name };
  } else if (choice !== undefined && choice !== null) {
    throw unsupported('This tool_choice cannot be translated to Anthropic.', 'tool_choice');
  }
  if (noParallel) {
    out ??= { type: 'auto' };
    // {type:'none'} takes no other field: with no tool use allowed there is nothing to serialise.
    if (out.type !== 'none') out.disable_parallel_tool_use = true;
  }
  return out;
}

function stopSequences(stop: unknown): string[] | undefined {
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop)) {
    stop.forEach((s, i) => {
      if (typeof s !== 'string') throw malformed('Stop sequences must be strings.', `stop[${i}]`);
    });
    return stop.length > 0 ? (stop as string[]) : undefined;
  }
  return undefined;
}

/** Anthropic rejects empty text blocks, and an empty text adds nothing to a conversation. */
function textBlocks(text: string): Block[] {
  return text === '' ? [] : [{ type: 'text', text }];
}

function textPartBlock(part: Record<string, unknown>, path: string): Block[] {
  if (typeof part.text !== 'string') throw malformed('A text part needs a string text.', `${path}.text`);
  return part.text === '' ? [] : [withCacheControl({ type: 'text', text: part.text }, part)];
}

/** Some clients mark cache breakpoints on chat content parts; Anthropic takes them on the block. */
function withCacheControl(block: Block, part: Record<string, unknown>): Block {
  if (isJsonObject(part.cache_control)) block.cache_control = part.cache_control;
  return block;
}

function parts(content: unknown, path: string): Record<string, unknown>[] {
  if (!Array.isArray(content)) throw malformed('Content must be a string or an array of parts.', path);
  return content.map((part, j) => requireObject(part, `${path}[${j}]`));
}


function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

