/**
 * Chat completions for the simulated provider. A request is first turned into a plan (content or
 * tool calls, finish reason, usage) and the plan is then serialised as one chat.completion JSON or
 * as OpenAI's SSE chunks — so streamed and non-streamed answers carry the same text and usage.
 */
import { randomBytes } from 'node:crypto';
import { countChatPromptTokens, countTextTokens, contentText } from '../../tokens.js';
import { planAnswer, type AnswerSettings } from './answer-plan.js';
import { jsonFragments, pacedEvents, wordPieces, type PacedEvent, type StreamOptions } from './paced-stream.js';
import type { ChatRequest } from './request.js';
import type { ToolChoice, ToolSituation, ToolSpec } from './tool-choice.js';

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

export type ChatSettings = AnswerSettings;

const SYSTEM_FINGERPRINT = 'fp_gatehouse_sim';

/** Plans the answer, or returns a 400 problem (a tool_choice naming an unknown function). */
export function planChat(
  request: ChatRequest,
  parsed: Readonly<Record<string, unknown>>,
  model: string,
  settings: ChatSettings,
): { ok: true; plan: ChatPlan } | { ok: false; message: string; param: string } {
  const situation = chatToolSituation(request);
  const limits = [request.max_tokens, request.max_completion_tokens].filter((n): n is number => typeof n === 'number');
  const planned = planAnswer(`${model}\u0000${JSON.stringify(parsed.messages)}`, situation, settings, limits.length > 0 ? Math.min(...limits) : undefined);
  if (!planned.ok) {
    return { ok: false, message: `Invalid tool_choice: no function named '${planned.unknownName}' in tools.`, param: 'tool_choice' };
  }
  const promptTokens = countChatPromptTokens(parsed);
  const base = {
    id: `chatcmpl-sim-${randomBytes(12).toString('hex')}`,
    created: Math.floor(Date.now() / 1000),
    model,
    includeUsage: request.stream_options?.include_usage === true,
  };
  const answer = planned.answer;
  if (answer.kind === 'tools') {
    const toolCalls: ToolCall[] = answer.calls.map((call) => ({
      id: `call_${call.idHex}`,
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.args) },
    }));
    const completion = countTextTokens(JSON.stringify(toolCalls));
    return { ok: true, plan: { ...base, content: null, toolCalls, finishReason: 'tool_calls', usage: usage(promptTokens, completion) } };
  }
  return {
    ok: true,
    plan: {
      ...base,
      content: answer.text,
      toolCalls: undefined,
      finishReason: answer.cut ? 'length' : 'stop',
      usage: usage(promptTokens, countTextTokens(answer.text)),
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

/** The request's function tools and tool_choice, in the simulator's format-neutral terms. */
function chatToolSituation(request: ChatRequest): ToolSituation {
  const tools: ToolSpec[] = [];
  for (const tool of request.tools ?? []) {
    if (tool.type === 'function' && tool.function !== undefined) {
      tools.push({ name: tool.function.name, parameters: tool.function.parameters });
    }
  }
  const choice = request.tool_choice;
  let kind: ToolChoice;
  if (typeof choice === 'object' && choice !== null && choice.type === 'function' && 'function' in choice) {
    kind = { kind: 'named', name: (choice.function as { name: string }).name };
  } else if (choice === 'none' || choice === 'required') {
    kind = { kind: choice };
  } else {
    kind = { kind: 'auto' };
  }
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
  return {
    tools,
    choice: kind,
    afterToolResult: request.messages[request.messages.length - 1].role === 'tool',
    parallel: request.parallel_tool_calls !== false,
    userText: lastUser === undefined ? '' : contentText(lastUser.content),
  };
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
    return {
      first: { role: 'assistant', content: '', refusal: null },
      rest: wordPieces(plan.content ?? '').map((piece) => ({ delta: { content: piece }, tokens: countTextTokens(piece) })),
    };
  }
  const rest: StreamDelta[] = [];
  let first: Record<string, unknown> | undefined;
  plan.toolCalls.forEach((call, index) => {
    const header = { index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } };
    if (first === undefined) first = { role: 'assistant', content: null, tool_calls: [header], refusal: null };
    else rest.push({ delta: { tool_calls: [header] }, tokens: 1 });
    for (const fragment of jsonFragments(call.function.arguments)) {
      rest.push({ delta: { tool_calls: [{ index, function: { arguments: fragment } }] }, tokens: countTextTokens(fragment) });
    }
  });
  return { first: first ?? { role: 'assistant', content: null, refusal: null }, rest };
}

export type { StreamOptions } from './paced-stream.js';

const encoder = new TextEncoder();
const event = (data: string): Uint8Array => encoder.encode(`data: ${data}\n\n`);

/** The SSE bytes of a plan: role chunk, content chunks, finish chunk, usage chunk, [DONE]. */
export function chatStream(plan: ChatPlan, options: StreamOptions, signal: AbortSignal): AsyncGenerator<Uint8Array> {
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
  const body: PacedEvent[] = rest.map((d) => ({ bytes: event(chunk(d.delta, null)), tokens: d.tokens, content: true }));
  const tail = [event(chunk({}, plan.finishReason))];
  if (plan.includeUsage) tail.push(event(JSON.stringify({ ...envelope, choices: [], usage: plan.usage })));
  tail.push(event('[DONE]'));
  const corrupt = event(chunk({ content: 'corrupt' }, null).slice(0, 40));
  return pacedEvents({ head: [event(chunk(first, null))], body, tail, corrupt }, options, signal);
}
