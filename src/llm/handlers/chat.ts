import type { ServerResponse } from 'node:http';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Exchange } from '../../pipeline/exchange.js';
import type { Logger } from '../../telemetry/logger.js';
import { readAll, sendAttempt } from '../../routing/attempt.js';
import type { UpstreamResponse } from '../providers/types.js';
import { chatRequestSchema, chatResponseText, chatTextView } from '../formats/openai-chat.js';
import { openAIErrorObject } from '../formats/openai-errors.js';
import { SseSplitter, sseData } from '../sse.js';
import { countChatPromptTokens, countTextTokens } from '../tokens.js';
import { estimatedUsage, usageFromOpenAI, type Usage } from '../usage.js';
import { account, costHeader, overheadHeader, runResponsePhases } from './account.js';
import { prepareExchange } from './prepare.js';
import { MAX_UPSTREAM_BODY, parseProviderJson, sendPassthrough, sendProviderJson } from './respond.js';

/** POST /v1/chat/completions */
export async function handleChat(exchange: Exchange, raw: Buffer, res: ServerResponse, logger: Logger): Promise<void> {
  await prepareExchange(exchange, raw, chatRequestSchema, chatTextView, logger);
  const route = exchange.route!;
  const body = exchange.body!;
  const requested = exchange.requestedModel!;
  const upstreamModel = route.upstreamModel(requested);
  const streamOptions = body.stream_options as Record<string, unknown> | null | undefined;
  const clientWantsUsage = exchange.stream && streamOptions?.include_usage === true;

  // The bytes go through untouched unless the model id differs, a policy changed a text slot, or
  // we must ask for streamed usage the client did not ask for (we hide it from them again).
  const askUsage = exchange.stream && !clientWantsUsage;
  let outBody = body;
  if (upstreamModel !== requested || askUsage) {
    outBody = { ...body, model: upstreamModel };
    if (askUsage) outBody.stream_options = { ...(streamOptions ?? {}), include_usage: true };
  }
  let bytes: Buffer;
  if (outBody === body && !exchange.bodyChanged) bytes = raw;
  else if (askUsage && streamOptions === undefined && upstreamModel === requested && !exchange.bodyChanged) {
    // The common streamed case (SDKs send no stream_options): add the member to the raw bytes
    // instead of re-serialising the whole conversation.
    bytes = withLeadingMember(raw, INCLUDE_USAGE_MEMBER);
  } else bytes = Buffer.from(JSON.stringify(outBody));

  const result = await sendAttempt(exchange, route, { operation: 'chat', model: upstreamModel, body: bytes, parsed: outBody });
  if (result.kind === 'passthrough') return sendPassthrough(exchange, res, result.status, result.body);
  if (exchange.stream) return streamChat(exchange, result.response, res, upstreamModel, clientWantsUsage, logger);

  const buf = await readAll(result.response, MAX_UPSTREAM_BODY, route.provider.name);
  const json = parseProviderJson(buf, route.provider.name);
  const usage = usageFromOpenAI(json.usage) ?? estimatedUsage(countChatPromptTokens(outBody), countTextTokens(chatResponseText(json)));
  account(exchange, upstreamModel, usage);
  await runResponsePhases(exchange, logger);
  sendProviderJson(exchange, res, buf);
}

/** Resolves when the client has taken the buffered data, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

const INCLUDE_USAGE_MEMBER = Buffer.from('"stream_options":{"include_usage":true},');

/** Inserts `member,` right after the opening brace of a JSON object's bytes. */
function withLeadingMember(json: Buffer, member: Buffer): Buffer {
  const brace = json.indexOf(0x7b); // '{': the body parsed as an object, so this is its opening brace
  return Buffer.concat([json.subarray(0, brace + 1), member, json.subarray(brace + 1)]);
}

interface StreamState {
  usage: Usage | undefined;
  done: boolean;
  finished: boolean;
  /** Generated text and tool-call arguments, kept to count tokens if the provider never reports usage. */
  text: string;
  upstreamError: string | undefined;
}

/**
 * Relays an SSE stream event by event: passes each event's bytes through, reads usage from it,
 * hides the usage chunk from a client that did not ask for one, and ends a stream that the
 * provider cut with an in-band error event (the HTTP status is already sent).
 */
async function streamChat(
  exchange: Exchange,
  response: UpstreamResponse,
  res: ServerResponse,
  upstreamModel: string,
  clientWantsUsage: boolean,
  logger: Logger,
): Promise<void> {
  exchange.status = 200;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    'x-gatehouse-overhead-ms': overheadHeader(exchange),
    trailer: 'x-gatehouse-cost-usd',
  });
  res.flushHeaders();
  const state: StreamState = { usage: undefined, done: false, finished: false, text: '', upstreamError: undefined };
  const splitter = new SseSplitter();
  let failure: GatehouseError | undefined;
  try {
    for await (const chunk of response.body) {
      let out = '';
      for (const event of splitter.push(chunk)) {
        const relay = relayEvent(event.raw, event.data, state, clientWantsUsage);
        if (relay === false) {
          failure = new GatehouseError('upstream_invalid_response', `Provider "${exchange.route!.provider.name}" sent a stream event that is not JSON.`);
          break;
        }
        out += relay;
      }
      if (out.length > 0 && !res.write(out)) await drained(res);
      if (failure !== undefined || exchange.cancelled !== undefined) break;
    }
    const last = failure === undefined && exchange.cancelled === undefined ? splitter.flush() : undefined;
    if (last !== undefined) {
      const relay = relayEvent(last.raw, last.data, state, clientWantsUsage);
      // An unreadable unterminated last event is a stream cut in the middle of an event.
      if (relay === false) failure = new GatehouseError('upstream_stream_interrupted', `Provider "${exchange.route!.provider.name}" ended the stream in the middle of an event.`);
      else if (relay !== '') res.write(relay);
    }
  } catch (err) {
    // A reset mid-stream is an interrupted stream; a timeout keeps its own, more precise code.
    failure =
      err instanceof GatehouseError && err.code !== 'upstream_unreachable'
        ? err
        : new GatehouseError('upstream_stream_interrupted', `Provider "${exchange.route!.provider.name}" broke off the stream: ${(err as Error).message}`, { cause: err });
  } finally {
    response.dispose();
  }
  const usage = state.usage ?? estimatedUsage(countChatPromptTokens(exchange.body!), countTextTokens(state.text));
  if (exchange.cancelled !== undefined) {
    // The client left, or shutdown cut the stream: the provider billed for what it generated.
    account(exchange, upstreamModel, usage);
    throw exchange.cancelled;
  }
  if (failure === undefined && !state.done && !state.finished) {
    failure = new GatehouseError('upstream_stream_interrupted', `Provider "${exchange.route!.provider.name}" ended the stream before the response was complete.`);
  }
  account(exchange, upstreamModel, usage);
  if (failure !== undefined) {
    exchange.error = failure;
    if (!res.destroyed) res.write(sseData(JSON.stringify(openAIErrorObject(failure, exchange.id))));
  } else if (state.upstreamError !== undefined) {
    exchange.error = new GatehouseError('upstream_error', `Provider sent an error in the stream: ${state.upstreamError}`);
  }
  await runResponsePhases(exchange, logger);
  const cost = costHeader(exchange.costUsd);
  if (cost !== undefined) res.addTrailers({ 'x-gatehouse-cost-usd': cost });
  res.end();
}

/** Returns the text to send for one upstream event ('' to drop it), or false if it is not valid JSON. */
function relayEvent(raw: string, data: string | undefined, state: StreamState, clientWantsUsage: boolean): string | false {
  if (data === undefined) return raw;
  if (data === '[DONE]') {
    state.done = true;
    return raw;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return false;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return false;
  const chunk = parsed as Record<string, unknown>;
  if (chunk.error !== undefined && chunk.error !== null) {
    const err = chunk.error as { message?: unknown };
    state.upstreamError = typeof err.message === 'string' ? err.message : JSON.stringify(chunk.error);
    state.finished = true;
    return raw;
  }
  const choices = Array.isArray(chunk.choices) ? (chunk.choices as Record<string, unknown>[]) : [];
  for (const choice of choices) {
    if (choice === null || typeof choice !== 'object') continue;
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) state.finished = true;
    const delta = choice.delta as Record<string, unknown> | null | undefined;
    if (delta === null || typeof delta !== 'object') continue;
    if (typeof delta.content === 'string') state.text += delta.content;
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls as (Record<string, Record<string, unknown> | undefined> | null)[]) {
        const fn = call?.function;
        if (fn) state.text += (typeof fn.name === 'string' ? fn.name : '') + (typeof fn.arguments === 'string' ? fn.arguments : '');
      }
    }
  }
  if (chunk.usage === null && !clientWantsUsage) return withoutNullUsage(raw, chunk);
  const usage = chunk.usage === undefined ? undefined : usageFromOpenAI(chunk.usage);
  if (usage === undefined) return raw;
  state.usage = usage;
  if (clientWantsUsage) return raw;
  if (choices.length === 0) return '';
  delete chunk.usage;
  return sseData(JSON.stringify(chunk));
}

/**
 * Providers asked for streamed usage put `"usage":null` on every chunk; a client that did not ask
 * must not see it. Inside JSON an unescaped `"usage":null` can only be structure, never string
 * content, so cutting it out of the raw text is safe and avoids re-serialising every chunk.
 */
function withoutNullUsage(raw: string, chunk: Record<string, unknown>): string {
  if (raw.includes(',"usage":null')) return raw.replace(',"usage":null', '');
  if (raw.includes('"usage":null,')) return raw.replace('"usage":null,', '');
  delete chunk.usage;
  return sseData(JSON.stringify(chunk));
}
