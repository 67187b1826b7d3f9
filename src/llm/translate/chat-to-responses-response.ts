import { contentText } from '../tokens.js';
import { usageFromOpenAI, type Usage } from '../usage.js';
import { responseIds } from './responses-ids.js';
import { isJsonObject } from '../formats/json-object.js';

/**
 * A chat completion as the Response object OpenAI's Responses API returns: the same fields in the
 * same order, the request's parameters echoed, one message item for the text (or refusal) and one
 * function_call item per tool call. The builders below are shared with ChatToResponsesStream, so a
 * stream's final response.completed carries exactly what this returns for the same answer.
 */
type Body = Record<string, unknown>;

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface ResponseOutcome {
  readonly status: 'in_progress' | 'completed' | 'incomplete';
  readonly incompleteReason?: 'max_output_tokens' | 'content_filter';
}

export interface ChatToResponsesOptions {
  /** The client's Responses request, whose parameters the Response echoes. */
  readonly request: Readonly<Body>;
  /** Usage to report when the chat completion carries none. */
  readonly fallbackUsage?: () => Usage;
}

export function chatToResponsesResponse(chat: Readonly<Body>, options: ChatToResponsesOptions): Body {
  const ids = responseIds(chat.id);
  const choice = firstChoice(chat);
  const message = isJsonObject(choice.message) ? choice.message : {};
  const outcome = outcomeOf(choice.finish_reason);

  const output: Body[] = [];
  const parts: Body[] = [];
  const text = contentText(message.content);
  if (text !== '') {
    parts.push(outputTextPart(text, chatAnnotations(message.annotations), chatLogprobs(choice.logprobs)));
  }
  if (typeof message.refusal === 'string' && message.refusal !== '') parts.push(refusalPart(message.refusal));
  if (parts.length > 0) output.push(messageItem(ids.message(0), 'completed', parts));
  const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as unknown[]).filter(isJsonObject) : [];
  calls.forEach((call, n) => {
    const fn = isJsonObject(call.function) ? call.function : {};
    output.push(
      functionCallItem({
        id: ids.functionCall(n),
        status: 'completed',
        callId: typeof call.id === 'string' && call.id !== '' ? call.id : ids.callId(n),
        name: typeof fn.name === 'string' ? fn.name : '',
        arguments: typeof fn.arguments === 'string' ? fn.arguments : '',
      }),
    );
  });
  markLastIncomplete(output, outcome);

  const usage = usageFromOpenAI(chat.usage) ?? options.fallbackUsage?.();
  return responseObject({
    id: ids.response,
    createdAt: typeof chat.created === 'number' ? chat.created : Math.floor(Date.now() / 1000),
    model: typeof chat.model === 'string' ? chat.model : options.request.model,
    serviceTier: chat.service_tier,
    outcome,
    output,
    usage,
    request: options.request,
  });
}

/** What a chat finish_reason means for a Response. */
export function outcomeOf(finishReason: unknown): ResponseOutcome {
  if (finishReason === 'length') return { status: 'incomplete', incompleteReason: 'max_output_tokens' };
  if (finishReason === 'content_filter') return { status: 'incomplete', incompleteReason: 'content_filter' };
  return { status: 'completed' };
}

/** As OpenAI does, only the item being generated when the response was cut is 'incomplete'. */
export function markLastIncomplete(output: Body[], outcome: ResponseOutcome): void {
  const last = output.at(-1);
  if (outcome.status === 'incomplete' && last !== undefined) last.status = 'incomplete';
}

export interface ResponseObjectFields {
  readonly id: string;
  readonly createdAt: number;
  readonly model: unknown;
  readonly serviceTier: unknown;
  readonly outcome: ResponseOutcome;
  readonly output: Body[];
  readonly usage: Usage | undefined;
  readonly request: Readonly<Body>;
}

/**
 * The Response object, in OpenAI's field order. Nothing is stored (`store: false`), so no
 * previous_response_id can refer to it later.
 */
export function responseObject(fields: ResponseObjectFields): Body {
  const req = fields.request;
  const reasoning = isJsonObject(req.reasoning) ? req.reasoning : {};
  const text = isJsonObject(req.text) ? req.text : {};
  const { outcome } = fields;
  const response: Body = {
    id: fields.id,
    object: 'response',
    created_at: fields.createdAt,
    status: outcome.status,
    background: false,
    error: null,
    incomplete_details: outcome.incompleteReason === undefined ? null : { reason: outcome.incompleteReason },
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    max_tool_calls: req.max_tool_calls ?? null,
    model: fields.model,
    output: fields.output,
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: null,
    prompt_cache_key: req.prompt_cache_key ?? null,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    safety_identifier: req.safety_identifier ?? null,
    service_tier: typeof fields.serviceTier === 'string' ? fields.serviceTier : (req.service_tier ?? null),
    store: false,
    temperature: req.temperature ?? null,
    text: { format: { type: 'text' }, ...text },
    tool_choice: req.tool_choice ?? 'auto',
    tools: req.tools ?? [],
    top_logprobs: req.top_logprobs ?? 0,
    top_p: req.top_p ?? null,
    truncation: req.truncation ?? 'disabled',
    usage: fields.usage === undefined ? null : responsesUsage(fields.usage),
    user: req.user ?? null,
    metadata: req.metadata ?? {},
  };
  return response;
}

/** A Usage in the Responses API's shape. */
export function responsesUsage(usage: Usage): Body {
  const inputDetails: Body = { cached_tokens: usage.cachedPromptTokens };
  if (usage.cacheWriteTokens > 0) inputDetails.cache_write_tokens = usage.cacheWriteTokens;
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: inputDetails,
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.totalTokens,
  };
}

export function messageItem(id: string, status: ItemStatus, content: Body[]): Body {
  return { id, type: 'message', status, content, role: 'assistant' };
}

export function outputTextPart(text: string, annotations: Body[] = [], logprobs: Body[] = []): Body {
  return { type: 'output_text', annotations, logprobs, text };
}

export function refusalPart(refusal: string): Body {
  return { type: 'refusal', refusal };
}

export interface FunctionCallFields {
  readonly id: string;
  readonly status: ItemStatus;
  readonly callId: string;
  readonly name: string;
  readonly arguments: string;
}

export function functionCallItem(call: FunctionCallFields): Body {
  return { id: call.id, type: 'function_call', status: call.status, arguments: call.arguments, call_id: call.callId, name: call.name };
}

/** Chat's url_citation annotations ({type, url_citation:{...}}) in the Responses shape (flat). */
export function chatAnnotations(annotations: unknown): Body[] {
  if (!Array.isArray(annotations)) return [];
  const out: Body[] = [];
  for (const a of annotations as unknown[]) {
    if (!isJsonObject(a) || a.type !== 'url_citation' || !isJsonObject(a.url_citation)) continue;
    const c = a.url_citation;
    out.push({ type: 'url_citation', start_index: c.start_index, end_index: c.end_index, title: c.title, url: c.url });
  }
  return out;
}

/** Chat's `logprobs.content` entries in the Responses shape (the same fields; bytes never null). */
export function chatLogprobs(logprobs: unknown): Body[] {
  if (!isJsonObject(logprobs) || !Array.isArray(logprobs.content)) return [];
  return (logprobs.content as unknown[]).filter(isJsonObject).map((entry) => ({
    token: entry.token,
    bytes: Array.isArray(entry.bytes) ? entry.bytes : [],
    logprob: entry.logprob,
    top_logprobs: Array.isArray(entry.top_logprobs)
      ? (entry.top_logprobs as unknown[]).filter(isJsonObject).map((top) => ({ token: top.token, bytes: Array.isArray(top.bytes) ? top.bytes : [], logprob: top.logprob }))
      : [],
  }));
}

function firstChoice(chat: Readonly<Body>): Body {
  const choices = Array.isArray(chat.choices) ? (chat.choices as unknown[]).filter(isJsonObject) : [];
  return choices.find((c) => c.index === 0 || c.index === undefined) ?? choices[0] ?? {};
}

