/**
 * Anthropic Messages for the simulated provider. The answer is planned by the same rules as chat
 * completions (answer-plan.ts: text or tool calls, max_tokens cap, echo) and serialised as one
 * `message` JSON or as Anthropic's SSE sequence — message_start, then per content block
 * content_block_start / deltas / content_block_stop (a ping after the first start), then
 * message_delta and message_stop — so streamed and unstreamed answers carry the same content
 * and usage.
 */
import { randomBytes } from 'node:crypto';
import { contentText, countMessagesPromptTokens, countTextTokens } from '../../tokens.js';
import { planAnswer, type AnswerSettings } from './answer-plan.js';
import { jsonFragments, pacedEvents, wordPieces, type PacedEvent, type StreamOptions } from './paced-stream.js';
import type { MessagesRequest } from './request.js';
import type { ToolChoice, ToolSituation, ToolSpec } from './tool-choice.js';

export type MessagesContentBlock =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: Record<string, unknown> };

export interface MessagesUsage {
  readonly input_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly cache_read_input_tokens: number;
  readonly output_tokens: number;
}

export interface MessagesPlan {
  readonly id: string;
  readonly model: string;
  readonly content: readonly MessagesContentBlock[];
  readonly stopReason: 'end_turn' | 'max_tokens' | 'tool_use';
  readonly usage: MessagesUsage;
}

/** Plans the answer, or returns the message of a 400 (a tool_choice naming an unknown tool). */
export function planMessages(
  request: MessagesRequest,
  parsed: Readonly<Record<string, unknown>>,
  model: string,
  settings: AnswerSettings,
): { ok: true; plan: MessagesPlan } | { ok: false; message: string } {
  const seed = `${model}\u0000${JSON.stringify(parsed.system ?? null)}\u0000${JSON.stringify(parsed.messages)}`;
  const planned = planAnswer(seed, messagesToolSituation(request), settings, request.max_tokens);
  if (!planned.ok) return { ok: false, message: `tool_choice.name: Tool '${planned.unknownName}' not found in tools.` };
  const base = { id: `msg_sim_${randomBytes(12).toString('hex')}`, model };
  const inputTokens = countMessagesPromptTokens(parsed);
  const answer = planned.answer;
  if (answer.kind === 'tools') {
    const content = answer.calls.map((call) => ({ type: 'tool_use' as const, id: `toolu_${call.idHex}`, name: call.name, input: call.args }));
    const output = countTextTokens(JSON.stringify(content));
    return { ok: true, plan: { ...base, content, stopReason: 'tool_use', usage: usage(inputTokens, output) } };
  }
  const content = [{ type: 'text' as const, text: answer.text }];
  const output = countTextTokens(answer.text);
  return { ok: true, plan: { ...base, content, stopReason: answer.cut ? 'max_tokens' : 'end_turn', usage: usage(inputTokens, output) } };
}

function usage(input: number, output: number): MessagesUsage {
  return { input_tokens: input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: output };
}

/**
 * The request's tools and tool_choice in the simulator's format-neutral terms. Only custom tools
 * (no `type`, or "custom") can be called: Anthropic runs its server tools (web search...) itself.
 */
function messagesToolSituation(request: MessagesRequest): ToolSituation {
  const tools: ToolSpec[] = (request.tools ?? [])
    .filter((tool) => tool.type === undefined || tool.type === null || tool.type === 'custom')
    .map((tool) => ({ name: tool.name, parameters: tool.input_schema }));
  const choice = request.tool_choice;
  let kind: ToolChoice;
  if (choice?.type === 'tool') kind = { kind: 'named', name: choice.name as string };
  else if (choice?.type === 'any') kind = { kind: 'required' };
  else if (choice?.type === 'none') kind = { kind: 'none' };
  else kind = { kind: 'auto' };

  const { messages } = request;
  const last = messages[messages.length - 1];
  const afterToolResult = last.role === 'user' && Array.isArray(last.content) && last.content.some((block) => block.type === 'tool_result');
  // A user turn that only returns tool results has no text: the question is in an earlier turn.
  const userText =
    messages
      .filter((m) => m.role === 'user')
      .map((m) => contentText(m.content))
      .reverse()
      .find((text) => text !== '') ?? '';
  return { tools, choice: kind, afterToolResult, parallel: choice?.disable_parallel_tool_use !== true, userText };
}

/** The non-streamed `message` object. */
export function messagesResponse(plan: MessagesPlan): Record<string, unknown> {
  return {
    id: plan.id,
    type: 'message',
    role: 'assistant',
    model: plan.model,
    content: plan.content,
    stop_reason: plan.stopReason,
    stop_sequence: null,
    usage: plan.usage,
  };
}

const encoder = new TextEncoder();
/** One Anthropic SSE event: the `event:` line names the type that `data` also carries. */
const event = (data: { type: string } & Record<string, unknown>): Uint8Array =>
  encoder.encode(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);

/** The SSE bytes of a plan, paced and cut like chat streams. */
export function messagesStream(plan: MessagesPlan, options: StreamOptions, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const head: Uint8Array[] = [
    event({
      type: 'message_start',
      message: {
        ...messagesResponse(plan),
        content: [],
        stop_reason: null,
        // Anthropic reports the input at once and a first output token; message_delta has the total.
        usage: { ...plan.usage, output_tokens: Math.min(1, plan.usage.output_tokens) },
      },
    }),
  ];
  const body: PacedEvent[] = [];
  plan.content.forEach((block, index) => {
    const start = event({ type: 'content_block_start', index, content_block: block.type === 'text' ? { type: 'text', text: '' } : { ...block, input: {} } });
    if (index === 0) head.push(start, event({ type: 'ping' }));
    else body.push({ bytes: start, tokens: 1, content: false });
    const deltas =
      block.type === 'text'
        ? wordPieces(block.text).map((text) => ({ piece: text, delta: { type: 'text_delta', text } }))
        : jsonFragments(JSON.stringify(block.input)).map((json) => ({ piece: json, delta: { type: 'input_json_delta', partial_json: json } }));
    for (const { piece, delta } of deltas) {
      body.push({ bytes: event({ type: 'content_block_delta', index, delta }), tokens: countTextTokens(piece), content: true });
    }
    body.push({ bytes: event({ type: 'content_block_stop', index }), tokens: 0, content: false });
  });
  const tail = [
    event({ type: 'message_delta', delta: { stop_reason: plan.stopReason, stop_sequence: null }, usage: { output_tokens: plan.usage.output_tokens } }),
    event({ type: 'message_stop' }),
  ];
  const broken = JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'corrupt' } }).slice(0, 40);
  const corrupt = encoder.encode(`event: content_block_delta\ndata: ${broken}\n\n`);
  return pacedEvents({ head, body, tail, corrupt }, options, signal);
}
