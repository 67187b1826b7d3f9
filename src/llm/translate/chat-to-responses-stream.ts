import type { StreamTranslator, WireEvent } from '../formats/wire-event.js';
import { usageFromOpenAI, type Usage } from '../usage.js';
import {
  chatAnnotations,
  chatLogprobs,
  functionCallItem,
  messageItem,
  outcomeOf,
  outputTextPart,
  refusalPart,
  responseObject,
  type ItemStatus,
  type ResponseOutcome,
} from './chat-to-responses-response.js';
import { responseIds, type ResponseIds } from './responses-ids.js';
import { isJsonObject } from '../formats/json-object.js';

/**
 * chat.completion.chunk objects in, Responses API stream events out.
 *
 * Output items are emitted one after another, never two open at once, as OpenAI's own Responses
 * streams do: only the first unfinished item streams live; items that begin while it is open are
 * buffered and emitted whole once it is done. A chat stream does not say when a tool call's
 * arguments are complete (parallel calls may interleave), so tool calls end only at
 * finish_reason; a message ends when the first tool call after it begins.
 *
 * response.completed (or response.incomplete) waits for the usage chunk OpenAI sends after
 * finish_reason, and carries the same Response object chatToResponsesResponse builds.
 */
type Body = Record<string, unknown>;

export interface ChatToResponsesStreamOptions {
  /** The client's Responses request, whose parameters the Response echoes. */
  readonly request: Record<string, unknown>;
  /** Usage to report if the chat stream ends without any. */
  readonly fallbackUsage: () => Usage;
}

interface PartState {
  readonly type: 'output_text' | 'refusal';
  text: string;
  sent: number;
  readonly logprobs: Body[];
  logprobsSent: number;
  readonly annotations: Body[];
  announced: boolean;
}

interface MessageState {
  readonly kind: 'message';
  readonly id: string;
  readonly parts: PartState[];
  sealed: boolean;
  announced: boolean;
}

interface CallState {
  readonly kind: 'function_call';
  readonly id: string;
  callId: string;
  name: string;
  args: string;
  sent: number;
  sealed: boolean;
  announced: boolean;
}

type ItemState = MessageState | CallState;

export class ChatToResponsesStream implements StreamTranslator {
  readonly #request: Record<string, unknown>;
  readonly #fallbackUsage: () => Usage;
  #ids: ResponseIds | undefined;
  #createdAt = 0;
  #model: unknown;
  #serviceTier: unknown;
  #sequence = 0;
  readonly #items: ItemState[] = [];
  /** Items before this index are done (their output_item.done was sent). */
  #head = 0;
  readonly #calls = new Map<number, CallState>();
  #lastCallIndex: number | undefined;
  #messages = 0;
  #outcome: ResponseOutcome | undefined;
  #usage: Usage | undefined;
  #completed = false;
  #out: WireEvent[] = [];

  constructor(options: ChatToResponsesStreamOptions) {
    this.#request = options.request;
    this.#fallbackUsage = options.fallbackUsage;
  }

  push(event: WireEvent): WireEvent[] {
    if (this.#completed) return [];
    const chunk = event.data;
    this.#start(chunk);
    const choices = Array.isArray(chunk.choices) ? (chunk.choices as unknown[]).filter(isJsonObject) : [];
    // Responses has one answer: the first choice (n is never sent upstream).
    const choice = choices.find((c) => c.index === 0 || c.index === undefined);
    if (choice !== undefined && this.#outcome === undefined) this.#readChoice(choice);
    const usage = usageFromOpenAI(chunk.usage);
    if (usage !== undefined) this.#usage = usage;
    this.#drain();
    // Only usage sent with or after finish_reason is final; some servers report a running count before.
    if (this.#outcome !== undefined && usage !== undefined) this.#complete(usage);
    return this.#flush();
  }

  end(): WireEvent[] {
    if (this.#completed) return [];
    this.#start({});
    // A clean end without finish_reason: everything generated is all there is.
    this.#outcome ??= { status: 'completed' };
    this.#sealAll();
    this.#drain();
    this.#complete(this.#usage ?? this.#fallbackUsage());
    return this.#flush();
  }

  #start(chunk: Body): void {
    if (this.#ids !== undefined) return;
    this.#ids = responseIds(chunk.id);
    this.#createdAt = typeof chunk.created === 'number' ? chunk.created : Math.floor(Date.now() / 1000);
    this.#model = typeof chunk.model === 'string' ? chunk.model : this.#request.model;
    this.#serviceTier = chunk.service_tier;
    const response = this.#response({ status: 'in_progress' }, [], undefined);
    this.#emit('response.created', { response });
    this.#emit('response.in_progress', { response });
  }

  #readChoice(choice: Body): void {
    const delta = isJsonObject(choice.delta) ? choice.delta : {};
    if (typeof delta.content === 'string' && delta.content !== '') {
      const part = this.#part('output_text');
      part.text += delta.content;
      part.logprobs.push(...chatLogprobs(choice.logprobs));
    }
    if (typeof delta.refusal === 'string' && delta.refusal !== '') this.#part('refusal').text += delta.refusal;
    const annotations = chatAnnotations(delta.annotations);
    if (annotations.length > 0) this.#part('output_text').annotations.push(...annotations);
    if (Array.isArray(delta.tool_calls)) {
      for (const entry of delta.tool_calls as unknown[]) if (isJsonObject(entry)) this.#readToolCall(entry);
    }
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
      this.#outcome = outcomeOf(choice.finish_reason);
      this.#sealAll();
    }
  }

  #readToolCall(entry: Body): void {
    const index = this.#toolCallIndex(entry);
    let call = this.#calls.get(index);
    if (call === undefined) {
      const ids = this.#ids!;
      call = { kind: 'function_call', id: ids.functionCall(this.#calls.size), callId: '', name: '', args: '', sent: 0, sealed: false, announced: false };
      this.#calls.set(index, call);
      // Text before a tool call is finished: chat models write their text first.
      for (const item of this.#items) if (item.kind === 'message') item.sealed = true;
      this.#items.push(call);
    }
    this.#lastCallIndex = index;
    const fn = isJsonObject(entry.function) ? entry.function : {};
    // Some servers repeat id and name in every fragment: the first one counts.
    if (call.callId === '' && typeof entry.id === 'string') call.callId = entry.id;
    if (call.name === '' && typeof fn.name === 'string') call.name = fn.name;
    if (typeof fn.arguments === 'string') call.args += fn.arguments;
  }

  /** Fragments are keyed by `index`; a server that omits it starts a call with each new id. */
  #toolCallIndex(entry: Body): number {
    if (typeof entry.index === 'number') return entry.index;
    const last = this.#lastCallIndex === undefined ? undefined : this.#calls.get(this.#lastCallIndex);
    if (last !== undefined && (typeof entry.id !== 'string' || entry.id === last.callId)) return this.#lastCallIndex!;
    let index = this.#calls.size;
    while (this.#calls.has(index)) index++;
    return index;
  }

  /** The open message's part of this type, opening a message (or part) as needed. */
  #part(type: PartState['type']): PartState {
    let message = this.#items.findLast((item): item is MessageState => item.kind === 'message' && !item.sealed);
    if (message === undefined) {
      message = { kind: 'message', id: this.#ids!.message(this.#messages++), parts: [], sealed: false, announced: false };
      this.#items.push(message);
    }
    let part = message.parts.find((p) => p.type === type);
    if (part === undefined) {
      part = { type, text: '', sent: 0, logprobs: [], logprobsSent: 0, annotations: [], announced: false };
      message.parts.push(part);
    }
    return part;
  }

  #sealAll(): void {
    for (const item of this.#items) item.sealed = true;
    let n = 0;
    for (const call of this.#calls.values()) {
      if (call.callId === '') call.callId = this.#ids!.callId(n);
      n++;
    }
  }

  /** Sends what the head item has that was not sent yet; finishes sealed items in order. */
  #drain(): void {
    while (this.#head < this.#items.length) {
      const item = this.#items[this.#head];
      const outputIndex = this.#head;
      if (item.kind === 'message') this.#sendMessage(item, outputIndex);
      else this.#sendCall(item, outputIndex);
      if (!item.sealed) return;
      this.#finishItem(item, outputIndex);
      this.#head++;
    }
  }

  #sendMessage(message: MessageState, outputIndex: number): void {
    if (!message.announced) {
      message.announced = true;
      this.#emit('response.output_item.added', { output_index: outputIndex, item: messageItem(message.id, 'in_progress', []) });
    }
    message.parts.forEach((part, contentIndex) => {
      const at = { item_id: message.id, output_index: outputIndex, content_index: contentIndex };
      if (!part.announced) {
        part.announced = true;
        this.#emit('response.content_part.added', { ...at, part: part.type === 'output_text' ? outputTextPart('') : refusalPart('') });
      }
      if (part.sent === part.text.length) return;
      const delta = part.text.slice(part.sent);
      part.sent = part.text.length;
      if (part.type === 'refusal') {
        this.#emit('response.refusal.delta', { ...at, delta });
        return;
      }
      const logprobs = part.logprobs.slice(part.logprobsSent);
      part.logprobsSent = part.logprobs.length;
      this.#emit('response.output_text.delta', { ...at, delta, logprobs });
    });
  }

  #sendCall(call: CallState, outputIndex: number): void {
    if (!call.announced) {
      call.announced = true;
      const item = functionCallItem({ id: call.id, status: 'in_progress', callId: call.callId, name: call.name, arguments: '' });
      this.#emit('response.output_item.added', { output_index: outputIndex, item });
    }
    if (call.sent === call.args.length) return;
    const delta = call.args.slice(call.sent);
    call.sent = call.args.length;
    this.#emit('response.function_call_arguments.delta', { item_id: call.id, output_index: outputIndex, delta });
  }

  #finishItem(item: ItemState, outputIndex: number): void {
    const built = this.#built(item);
    if (item.kind === 'message') {
      (built.content as Body[]).forEach((part, contentIndex) => {
        const at = { item_id: item.id, output_index: outputIndex, content_index: contentIndex };
        if (part.type === 'refusal') this.#emit('response.refusal.done', { ...at, refusal: part.refusal });
        else this.#emit('response.output_text.done', { ...at, text: part.text, logprobs: part.logprobs });
        this.#emit('response.content_part.done', { ...at, part });
      });
    } else {
      this.#emit('response.function_call_arguments.done', { item_id: item.id, output_index: outputIndex, arguments: item.args, name: item.name });
    }
    this.#emit('response.output_item.done', { output_index: outputIndex, item: built });
  }

  /** An item as it stands in the final Response (and its output_item.done). */
  #built(item: ItemState): Body {
    const status = this.#statusOf(item);
    if (item.kind === 'function_call') return functionCallItem({ id: item.id, status, callId: item.callId, name: item.name, arguments: item.args });
    const parts = item.parts.map((p) => (p.type === 'refusal' ? refusalPart(p.text) : outputTextPart(p.text, p.annotations, p.logprobs)));
    return messageItem(item.id, status, parts);
  }

  /** As OpenAI does, only the item being generated when the response was cut is 'incomplete'. */
  #statusOf(item: ItemState): ItemStatus {
    return this.#outcome?.status === 'incomplete' && this.#items.at(-1) === item ? 'incomplete' : 'completed';
  }

  #complete(usage: Usage): void {
    const outcome = this.#outcome ?? { status: 'completed' };
    const response = this.#response(outcome, this.#items.map((item) => this.#built(item)), usage);
    this.#emit(outcome.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
    this.#completed = true;
  }

  #response(outcome: ResponseOutcome, output: Body[], usage: Usage | undefined): Body {
    return responseObject({
      id: this.#ids!.response,
      createdAt: this.#createdAt,
      model: this.#model,
      serviceTier: this.#serviceTier,
      outcome,
      output,
      usage,
      request: this.#request,
    });
  }

  #emit(type: string, fields: Body): void {
    this.#out.push({ event: type, data: { type, sequence_number: this.#sequence++, ...fields } });
  }

  #flush(): WireEvent[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }
}
