/**
 * Chat completions for the simulated provider. A request is first turned into a plan (content or
 * tool calls, finish reason, usage) and the plan is then serialised as one chat.completion JSON or
 * as OpenAI's SSE chunks — so streamed and non-streamed answers carry the same text and usage.
 */
import { randomBytes } from 'node:crypto';
import { countChatPromptTokens, countTextTokens, contentText } from '../../tokens.js';
import { capTokens } from '../../tokens.js';
import { generateText, hexFrom, prng, promptWords, seedFrom, valueForSchema } from './generate.js';
import type { ChatRequest } from './request.js';
import { sleep } from './response.js';

export interface ToolCall {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; readonly arguments: string };
}

export interface ChatUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
  readonly prompt_tokens_details: { readonly cached_tokens: number };
  readonly completion_tokens_details: { readonly reasoning_tokens: number };
}

export interface ChatPlan {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly content: string | null;
  readonly toolCalls: readonly ToolCall[] | undefined;
  readonly finishReason: 'stop' | 'length' | 'tool_calls';
  readonly usage: ChatUsage;
  readonly includeUsage: boolean;
}

export interface ChatSettings {
  readonly mode: 'generate' | 'echo';
  readonly outputTokens: number;
}

const SYSTEM_FINGERPRINT = 'fp_gatehouse_sim';

/** Plans the answer, or returns a 400 problem (a tool_choice naming an unknown function). */
export function planChat(
  request: ChatRequest,
  parsed: Readonly<Record<string, unknown>>,
  model: string,
  settings: ChatSettings,
): { ok: true; plan: ChatPlan } | { ok: false; message: string; param: string } {
  const random = prng(seedFrom(`${model}\u0000${JSON.stringify(parsed.messages)}`));
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
  const userText = lastUser === undefined ? '' : contentText(lastUser.content);

  const chosen = chooseTools(request, userText);
  if (!chosen.ok) return chosen;
  const promptTokens = countChatPromptTokens(parsed);
  const base = {
    id: `chatcmpl-sim-${randomBytes(12).toString('hex')}`,
    created: Math.floor(Date.now() / 1000),
    model,
    includeUsage: request.stream_options?.include_usage === true,
  };

  if (chosen.tools.length > 0) {
    const exclude = new Set(chosen.all.map((name) => name.toLowerCase()));
    const words = promptWords(userText, exclude);
    const toolCalls: ToolCall[] = chosen.tools.map((tool) => {
      const args = valueForSchema({ type: 'object', ...tool.parameters }, random, words);
      const object = args !== null && typeof args === 'object' && !Array.isArray(args) ? args : {};
      return { id: `call_${hexFrom(random, 12)}`, type: 'function', function: { name: tool.name, arguments: JSON.stringify(object) } };
    });
    const completion = countTextTokens(JSON.stringify(toolCalls));
    return { ok: true, plan: { ...base, content: null, toolCalls, finishReason: 'tool_calls', usage: usage(promptTokens, completion) } };
  }

  const full = settings.mode === 'echo' ? userText : generateText(random, settings.outputTokens);
  const limits = [request.max_tokens, request.max_completion_tokens].filter((n): n is number => typeof n === 'number');
  const capped = capTokens(full, limits.length > 0 ? Math.min(...limits) : undefined);
  const completion = countTextTokens(capped.text);
  return {
    ok: true,
    plan: {
      ...base,
      content: capped.text,
      toolCalls: undefined,
      finishReason: capped.cut ? 'length' : 'stop',
      usage: usage(promptTokens, completion),
    },
  };
}

function usage(prompt: number, completion: number): ChatUsage {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

interface ToolSpec {
  readonly name: string;
  readonly parameters: Record<string, unknown> | undefined;
}

/**
 * Which functions to call: none when tool_choice is "none" or the last message is a tool result;
 * the named one for a named tool_choice; else the tools the user's text mentions (in order of
 * mention; only the first when parallel_tool_calls is false); else the first tool if "required".
 */
function chooseTools(
  request: ChatRequest,
  userText: string,
): { ok: true; tools: ToolSpec[]; all: string[] } | { ok: false; message: string; param: string } {
  const tools: ToolSpec[] = [];
  for (const tool of request.tools ?? []) {
    if (tool.type === 'function' && tool.function !== undefined) {
      tools.push({ name: tool.function.name, parameters: tool.function.parameters });
    }
  }
  const all = tools.map((t) => t.name);
  const choice = request.tool_choice;
  const last = request.messages[request.messages.length - 1];
  if (tools.length === 0 || choice === 'none' || last.role === 'tool') return { ok: true, tools: [], all };

  if (typeof choice === 'object' && choice !== null && choice.type === 'function' && 'function' in choice) {
    const name = (choice.function as { name: string }).name;
    const named = tools.find((t) => t.name === name);
    if (named === undefined) {
      return { ok: false, message: `Invalid tool_choice: no function named '${name}' in tools.`, param: 'tool_choice' };
    }
    return { ok: true, tools: [named], all };
  }

  const firstMention = new Map<string, number>();
  for (const match of userText.matchAll(/[A-Za-z0-9_-]+/g)) {
    const word = match[0].toLowerCase();
    if (!firstMention.has(word)) firstMention.set(word, match.index);
  }
  const mentioned = tools
    .filter((t) => firstMention.has(t.name.toLowerCase()))
    .sort((a, b) => (firstMention.get(a.name.toLowerCase()) ?? 0) - (firstMention.get(b.name.toLowerCase()) ?? 0));
  if (mentioned.length > 0) return { ok: true, tools: request.parallel_tool_calls === false ? mentioned.slice(0, 1) : mentioned, all };
  if (choice === 'required') return { ok: true, tools: [tools[0]], all };
  return { ok: true, tools: [], all };
}

/** The non-streamed chat.completion object. */
export function chatCompletion(plan: ChatPlan): Record<string, unknown> {
  const message =
    plan.toolCalls === undefined
      ? { role: 'assistant', content: plan.content, refusal: null }
      : { role: 'assistant', content: null, tool_calls: plan.toolCalls, refusal: null };
  return {
    id: plan.id,
    object: 'chat.completion',
    created: plan.created,
    model: plan.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: plan.finishReason }],
    usage: plan.usage,
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

interface StreamDelta {
  readonly delta: Record<string, unknown>;
  /** Tokens this delta stands for, for pacing. */
  readonly tokens: number;
}

/** The content-bearing deltas after the first (role) delta, as OpenAI splits them. */
function contentDeltas(plan: ChatPlan): { first: Record<string, unknown>; rest: StreamDelta[] } {
  if (plan.toolCalls === undefined) {
    const pieces = (plan.content ?? '').match(/\s*\S+|\s+$/gu) ?? [];
    return {
      first: { role: 'assistant', content: '', refusal: null },
      rest: pieces.map((piece) => ({ delta: { content: piece }, tokens: countTextTokens(piece) })),
    };
  }
  const rest: StreamDelta[] = [];
  let first: Record<string, unknown> | undefined;
  plan.toolCalls.forEach((call, index) => {
    const header = { index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } };
    if (first === undefined) first = { role: 'assistant', content: null, tool_calls: [header], refusal: null };
    else rest.push({ delta: { tool_calls: [header] }, tokens: 1 });
    const points = Array.from(call.function.arguments);
    for (let i = 0; i < points.length; i += 6) {
      const fragment = points.slice(i, i + 6).join('');
      rest.push({ delta: { tool_calls: [{ index, function: { arguments: fragment } }] }, tokens: countTextTokens(fragment) });
    }
  });
  return { first: first ?? { role: 'assistant', content: null, refusal: null }, rest };
}

export interface StreamOptions {
  readonly ttftMs: number;
  readonly tokensPerSecond: number;
  /** Stop after this many content chunks; `corrupt` first sends a line that is not JSON. */
  readonly cut?: { readonly afterChunks: number; readonly corrupt: boolean };
}

const encoder = new TextEncoder();
const event = (data: string): Uint8Array => encoder.encode(`data: ${data}\n\n`);

/** The SSE bytes of a plan: role chunk, content chunks, finish chunk, usage chunk, [DONE]. */
export async function* chatStream(plan: ChatPlan, options: StreamOptions, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const envelope = {
    id: plan.id,
    object: 'chat.completion.chunk',
    created: plan.created,
    model: plan.model,
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null): string =>
    JSON.stringify({
      ...envelope,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(plan.includeUsage ? { usage: null } : {}),
    });
  const { first, rest } = contentDeltas(plan);

  await sleep(options.ttftMs, signal);
  yield event(chunk(first, null));
  const start = performance.now();
  let tokensSent = 0;
  for (let i = 0; i < rest.length; i++) {
    if (options.cut !== undefined && i === options.cut.afterChunks) break;
    if (options.tokensPerSecond > 0) {
      tokensSent += rest[i].tokens;
      await sleep(start + (tokensSent * 1000) / options.tokensPerSecond - performance.now(), signal);
    }
    yield event(chunk(rest[i].delta, null));
  }
  if (options.cut !== undefined) {
    if (options.cut.corrupt) yield event(chunk({ content: 'corrupt' }, null).slice(0, 40));
    return;
  }
  yield event(chunk({}, plan.finishReason));
  if (plan.includeUsage) {
    yield event(
      JSON.stringify({
        ...envelope,
        choices: [],
        usage: plan.usage,
      }),
    );
  }
  yield event('[DONE]');
}
