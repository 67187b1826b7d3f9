import type { ServerResponse } from 'node:http';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Exchange } from '../../pipeline/exchange.js';
import type { Logger } from '../../telemetry/logger.js';
import { readAll, sendAttempt } from '../../routing/attempt.js';
import { findTranslation, type Translation, type TranslationContext } from '../translate/plan.js';
import { translateErrorDocument } from '../translate/error-documents.js';
import type { StreamObserver, WireEvent } from '../formats/wire-event.js';
import type { SseEvent } from '../sse.js';
import { account, acceptNativeAnswer, runResponsePhases } from './account.js';
import { forwardChatNatively } from './chat-passthrough.js';
import { prepareExchange } from './prepare.js';
import { MAX_UPSTREAM_BODY, sendPassthrough, sendProviderJson } from './respond.js';
import { parseProviderJson } from './provider-json.js';
import { parseEventData, relayStream, type StreamStrategy } from './stream-relay.js';
import { serializeEvent, type ClientSurface } from './surfaces.js';
import { checkAnswer, streamUsage, UPSTREAM_FORMATS, usageOrEstimate } from './upstream-formats.js';
import { passthroughBytes } from './passthrough-bytes.js';
import { streamTextFilter } from '../response-text/stream-filter.js';
import { inspectJsonResponse } from '../response-text/json-response.js';

/** Anthropic requires max_tokens; a translated request without one gets the provider's default or this. */
const FALLBACK_MAX_TOKENS = 4096;

type Handler = (exchange: Exchange, raw: Buffer, res: ServerResponse, logger: Logger) => Promise<void>;

/**
 * POST /v1/chat/completions, /v1/messages and /v1/responses: parse in the client's format, run the
 * request phases, then either pass the bytes through to a provider that speaks the same format, or
 * translate the request, the answer and the stream for one that speaks another.
 *
 * Not an async function: when the request phases answer synchronously (no hook waits on anything,
 * the common case), the forwarder's promise is the handler's own, with no wrapper and no await. A
 * synchronous throw is returned as a rejection, as an async function would.
 */
export function generationHandler(surface: ClientSurface): Handler {
  return (exchange, raw, res, logger) => {
    let phases: Promise<void> | undefined;
    try {
      phases = prepareExchange(exchange, raw, surface.schema, surface.textView, logger);
      if (phases === undefined) return forward(exchange, surface, raw, res, logger);
    } catch (err) {
      return Promise.reject(err);
    }
    return phases.then(() => forward(exchange, surface, raw, res, logger));
  };
}

/** After the request phases: to the provider in the client's format, or translated. May throw synchronously. */
function forward(exchange: Exchange, surface: ClientSurface, raw: Buffer, res: ServerResponse, logger: Logger): Promise<void> {
  const route = exchange.route!;
  const provider = route.provider;
  const upstreamModel = route.upstreamModel(exchange.requestedModel!);
  if (provider.operations.has(surface.operation)) {
    exchange.upstreamOperation = surface.operation;
    if (surface.operation === 'chat') return forwardChatNatively(exchange, raw, res, upstreamModel, logger);
    return forwardNatively(exchange, surface, raw, res, upstreamModel, logger);
  }
  const translation = findTranslation(surface.operation, provider.operations);
  if (translation === undefined) {
    throw new GatehouseError(
      'unsupported_feature',
      `Model "${exchange.requestedModel}" is served by provider "${provider.name}", which cannot serve this API (${surface.operation}).`,
    );
  }
  exchange.upstreamOperation = translation.upstream;
  return forwardTranslated(exchange, surface, translation, res, upstreamModel, logger);
}

/** Same format on both sides (other than chat, which has its own usage handling): bytes through. */
async function forwardNatively(exchange: Exchange, surface: ClientSurface, raw: Buffer, res: ServerResponse, upstreamModel: string, logger: Logger): Promise<void> {
  const route = exchange.route!;
  const body = exchange.body!;
  const outBody = upstreamModel === exchange.requestedModel ? body : { ...body, model: upstreamModel };
  const bytes = passthroughBytes(exchange, raw, upstreamModel, outBody);
  const format = UPSTREAM_FORMATS[surface.operation];
  const result = await sendAttempt(exchange, route, { operation: surface.operation, model: upstreamModel, body: bytes, parsed: outBody });
  if (result.kind === 'passthrough') return sendPassthrough(exchange, res, result.status, result.body);
  if (exchange.stream) {
    const observer = format.observer();
    // Responses events are numbered; our in-band error continues the provider's numbering.
    let sequence = 0;
    const strategy: StreamStrategy = {
      observer,
      onEvent: (event) =>
        observeRaw(event, observer, (data) => {
          if (typeof data.sequence_number === 'number') sequence = data.sequence_number + 1;
        }),
      onEnd: () => '',
      complete: () => observer.finished,
      errorEvent: (error) => serializeEvent(surface.streamError(error, exchange.id, sequence)),
      usage: () => streamUsage(observer, format, () => outBody),
      text: streamTextFilter(exchange),
    };
    return relayStream(exchange, result.response, res, upstreamModel, strategy, logger);
  }
  const buf = await readAll(result.response, MAX_UPSTREAM_BODY, route.provider.name);
  const answer = acceptNativeAnswer(exchange, format, upstreamModel, () => outBody, buf);
  await runResponsePhases(exchange, logger);
  sendProviderJson(exchange, res, answer);
}

/** Passes an event's bytes through after letting the observer read it. */
function observeRaw(event: SseEvent, observer: StreamObserver, seen: (data: Record<string, unknown>) => void): string | false {
  const data = event.data;
  if (data === undefined || data === '[DONE]') return event.raw;
  if (event.event !== undefined && observer.deferrable?.has(event.event) === true) {
    // Parsed only if the text is ever needed; a cheap check still catches a cut-off event.
    if (data.charCodeAt(0) !== 0x7b || data.charCodeAt(data.length - 1) !== 0x7d) return false;
    observer.defer!(data);
    return event.raw;
  }
  const parsed = parseEventData(data);
  if (parsed === undefined) return false;
  observer.observe({ event: event.event, data: parsed });
  seen(parsed);
  return event.raw;
}


/** The provider speaks another format: translate the request, the answer and the stream. */
async function forwardTranslated(
  exchange: Exchange,
  surface: ClientSurface,
  translation: Translation,
  res: ServerResponse,
  upstreamModel: string,
  logger: Logger,
): Promise<void> {
  const route = exchange.route!;
  const clientBody = exchange.body!;
  const format = UPSTREAM_FORMATS[translation.upstream];
  const observer = format.observer();
  let upstreamBody: Record<string, unknown> = {};
  const ctx: TranslationContext = {
    model: upstreamModel,
    defaultMaxTokens: route.provider.defaultMaxTokens ?? FALLBACK_MAX_TOKENS,
    clientBody,
    includeUsage: surface.operation === 'chat' && (clientBody.stream_options as { include_usage?: unknown } | null | undefined)?.include_usage === true,
    estimatedInputTokens: () => UPSTREAM_FORMATS[surface.operation].countPrompt(clientBody),
    fallbackUsage: () => streamUsage(observer, format, () => upstreamBody),
  };
  upstreamBody = translation.request(ctx);
  const bytes = Buffer.from(JSON.stringify(upstreamBody));
  const result = await sendAttempt(exchange, route, { operation: translation.upstream, model: upstreamModel, body: bytes, parsed: upstreamBody });
  if (result.kind === 'passthrough') {
    const doc = translateErrorDocument(result.body, route.provider.format, surface.family, result.status);
    return sendPassthrough(exchange, res, result.status, doc);
  }
  if (exchange.stream) {
    const translator = translation.stream(ctx);
    let sequence = 0;
    const emit = (events: WireEvent[]): string => {
      let out = '';
      for (const e of events) {
        const n = e.data.sequence_number;
        if (typeof n === 'number') sequence = n + 1;
        out += serializeEvent(e);
      }
      return out;
    };
    const strategy: StreamStrategy = {
      observer,
      onEvent: (event) => {
        if (event.data === undefined || event.data === '[DONE]') return '';
        const data = parseEventData(event.data);
        if (data === undefined) return false;
        const wire: WireEvent = { event: event.event, data };
        const hadError = observer.upstreamError !== undefined;
        observer.observe(wire);
        if (!hadError && observer.upstreamError !== undefined) {
          // The provider's in-band error, told in the client's format.
          const error = new GatehouseError('upstream_error', `Provider "${route.provider.name}" sent an error in the stream: ${observer.upstreamError}`);
          return serializeEvent(surface.streamError(error, exchange.id, sequence));
        }
        return emit(translator.push(wire));
      },
      onEnd: () => emit(translator.end()) + surface.terminal,
      complete: () => observer.finished,
      errorEvent: (error) => serializeEvent(surface.streamError(error, exchange.id, sequence)),
      usage: () => streamUsage(observer, format, () => upstreamBody),
      text: streamTextFilter(exchange),
    };
    return relayStream(exchange, result.response, res, upstreamModel, strategy, logger);
  }
  const buf = await readAll(result.response, MAX_UPSTREAM_BODY, route.provider.name);
  const json = parseProviderJson(buf, route.provider.name);
  checkAnswer(format, json, route.provider.name);
  const usage = usageOrEstimate(format, upstreamBody, json);
  account(exchange, upstreamModel, usage);
  const answer = translation.response(json, ctx, usage);
  const inspected = inspectJsonResponse(exchange, answer);
  await runResponsePhases(exchange, logger);
  sendProviderJson(exchange, res, inspected ?? Buffer.from(JSON.stringify(answer)));
}
