import type { ServerResponse } from 'node:http';
import type { Exchange } from '../../pipeline/exchange.js';
import type { Logger } from '../../telemetry/logger.js';
import { readAll, ReparsedInput, sendAttempt, type AttemptInput } from '../../routing/attempt.js';
import { openAIErrorObject } from '../formats/openai-errors.js';
import { ChatStreamObserver } from '../formats/openai-chat-stream.js';
import { sseData, type SseEvent } from '../sse.js';
import { usageFromOpenAI } from '../usage.js';
import { acceptNativeAnswer, runResponsePhases } from './account.js';
import { MAX_UPSTREAM_BODY, sendPassthrough, sendProviderJson } from './respond.js';
import { parseEventData, relayStream } from './stream-relay.js';
import { streamUsage, UPSTREAM_FORMATS } from './upstream-formats.js';
import { passthroughBytes } from './passthrough-bytes.js';
import { streamTextFilter } from '../response-text/stream-filter.js';

const INCLUDE_USAGE_MEMBER = Buffer.from('"stream_options":{"include_usage":true},');

/**
 * Chat completions to a provider that speaks them. The bytes go through untouched unless the model
 * id differs, a policy changed a text slot, or we must ask for streamed usage the client did not
 * ask for (and then hide it from them again). Not async (its promise is relayAnswer's): a request
 * it cannot build throws synchronously, and its caller turns that into a rejection.
 */
export function forwardChatNatively(exchange: Exchange, raw: Buffer, res: ServerResponse, upstreamModel: string, logger: Logger): Promise<void> {
  const route = exchange.route!;
  const body = exchange.body!;
  const streamOptions = body.stream_options as Record<string, unknown> | null | undefined;
  const clientWantsUsage = exchange.stream && streamOptions?.include_usage === true;
  const askUsage = exchange.stream && !clientWantsUsage;
  let outBody = body;
  if (upstreamModel !== exchange.requestedModel || askUsage) {
    outBody = { ...body, model: upstreamModel };
    if (askUsage) outBody.stream_options = { ...(streamOptions ?? {}), include_usage: true };
  }
  let bytes: Buffer;
  if (!askUsage) bytes = passthroughBytes(exchange, raw, upstreamModel, outBody);
  else if (streamOptions !== undefined || exchange.bodyChanged) bytes = Buffer.from(JSON.stringify(outBody));
  else {
    // The common streamed case (SDKs send no stream_options): add one member to the bytes instead
    // of re-serialising the whole conversation.
    const renamed = passthroughBytes(exchange, raw, upstreamModel, { ...body, model: upstreamModel });
    bytes = withLeadingMember(renamed, INCLUDE_USAGE_MEMBER);
  }

  // On a route that reads nothing of the request after this (no response hooks), the parse is let
  // go before the provider answers; the late readers (a usage estimate, the simulator) read the
  // sent bytes again if they ask.
  if (!route.chain.responseHooks && exchange.responseInspectors === undefined) {
    exchange.releaseBody();
    const input = new ReparsedInput('chat', upstreamModel, bytes);
    return relayAnswer(exchange, input, () => input.parsed, clientWantsUsage, res, logger);
  }
  return relayAnswer(exchange, { operation: 'chat', model: upstreamModel, body: bytes, parsed: outBody }, () => outBody, clientWantsUsage, res, logger);
}

/** Sends the attempt and relays its answer, streamed or not; `requestBody` is the parse of what was sent. */
async function relayAnswer(
  exchange: Exchange,
  input: AttemptInput,
  requestBody: () => Record<string, unknown>,
  clientWantsUsage: boolean,
  res: ServerResponse,
  logger: Logger,
): Promise<void> {
  const route = exchange.route!;
  const result = await sendAttempt(exchange, route, input);
  if (result.kind === 'passthrough') return sendPassthrough(exchange, res, result.status, result.body);
  if (exchange.stream) {
    const observer = new ChatStreamObserver();
    let done = false;
    return relayStream(
      exchange,
      result.response,
      res,
      input.model,
      {
        observer,
        onEvent: (event) => {
          if (event.data === '[DONE]') done = true;
          return relayChunk(event, observer, clientWantsUsage);
        },
        onEnd: () => '',
        complete: () => done || observer.finished,
        errorEvent: (error) => sseData(JSON.stringify(openAIErrorObject(error, exchange.id))),
        usage: () => streamUsage(observer, UPSTREAM_FORMATS.chat, requestBody),
        text: streamTextFilter(exchange),
      },
      logger,
    );
  }
  const buf = await readAll(result.response, MAX_UPSTREAM_BODY, route.provider.name);
  const answer = acceptNativeAnswer(exchange, UPSTREAM_FORMATS.chat, input.model, requestBody, buf);
  const phases = runResponsePhases(exchange, logger);
  if (phases !== undefined) await phases;
  sendProviderJson(exchange, res, answer);
}

/** Inserts `member,` right after the opening brace of a JSON object's bytes. */
function withLeadingMember(json: Buffer, member: Buffer): Buffer {
  const brace = json.indexOf(0x7b); // '{': the body parsed as an object, so this is its opening brace
  return Buffer.concat([json.subarray(0, brace + 1), member, json.subarray(brace + 1)]);
}

/** The text to send for one upstream chunk ('' to drop it), or false if it is not a JSON object. */
function relayChunk(event: SseEvent, observer: ChatStreamObserver, clientWantsUsage: boolean): string | false {
  if (event.data === undefined || event.data === '[DONE]') return event.raw;
  const chunk = parseEventData(event.data);
  if (chunk === undefined) return false;
  observer.observe({ data: chunk });
  if (clientWantsUsage || chunk.error !== undefined || !('usage' in chunk)) return event.raw;
  if (chunk.usage === null) {
    const raw = withoutNullUsage(event.raw);
    if (raw !== undefined) return raw;
    delete chunk.usage;
    return sseData(JSON.stringify(chunk));
  }
  if (usageFromOpenAI(chunk.usage) === undefined) return event.raw;
  // The usage chunk we asked for: drop it, or strip usage from a chunk that also has choices.
  const choices = chunk.choices;
  if (!Array.isArray(choices) || choices.length === 0) return '';
  delete chunk.usage;
  return sseData(JSON.stringify(chunk));
}

/**
 * Providers asked for streamed usage put `"usage":null` on every chunk; a client that did not ask
 * must not see it. Inside JSON an unescaped `"usage":null` can only be structure, never string
 * content, so cutting it out of the raw text is safe and avoids re-serialising every chunk.
 * Undefined when it is written some other way (the caller then re-serialises).
 */
function withoutNullUsage(raw: string): string | undefined {
  if (raw.includes(',"usage":null')) return raw.replace(',"usage":null', '');
  if (raw.includes('"usage":null,')) return raw.replace('"usage":null,', '');
  return undefined;
}
