import type { ServerResponse } from 'node:http';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Exchange } from '../../pipeline/exchange.js';
import type { Logger } from '../../telemetry/logger.js';
import type { UpstreamResponse } from '../providers/types.js';
import type { StreamObserver } from '../formats/wire-event.js';
import { SseSplitter, type SseEvent } from '../sse.js';
import type { Usage } from '../usage.js';
import { account, costHeader, overheadHeader, runResponsePhases } from './account.js';
import type { StreamTextFilter } from '../response-text/stream-filter.js';

/**
 * What differs between relaying a stream as it is and translating it: how one upstream event
 * becomes client text, what is owed at the end, and how an error is written in-band.
 */
export interface StreamStrategy {
  /** Watches the upstream events in the provider's format. */
  readonly observer: StreamObserver;
  /** The client text for one upstream event ('' to drop it), or false if the event is unreadable. */
  onEvent(event: SseEvent): string | false;
  /** The client text owed after the upstream ended cleanly. */
  onEnd(): string;
  /** True once the upstream signalled a complete response. */
  complete(): boolean;
  /** One in-band error event in the client's format. */
  errorEvent(error: GatehouseError): string;
  /** Usage to account when the stream is over: the provider's, or counted. */
  usage(): Usage;
  /** Inspect-out on the client's text, when a policy inspects responses (streamTextFilter). */
  readonly text?: StreamTextFilter | undefined;
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

/**
 * Relays an SSE stream event by event with backpressure, accounts its usage (also when the client
 * leaves mid-stream: the provider billed what it generated), and ends a stream the provider cut
 * or corrupted with one in-band error event (the HTTP status is already sent).
 */
export async function relayStream(
  exchange: Exchange,
  response: UpstreamResponse,
  res: ServerResponse,
  upstreamModel: string,
  strategy: StreamStrategy,
  logger: Logger,
): Promise<void> {
  const provider = exchange.route!.provider.name;
  exchange.status = 200;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    'x-gatehouse-overhead-ms': overheadHeader(exchange),
    trailer: 'x-gatehouse-cost-usd',
  });
  res.flushHeaders();
  const splitter = new SseSplitter();
  const filter = strategy.text;
  let failure: GatehouseError | undefined;
  try {
    for await (const chunk of response.body) {
      let out = '';
      for (const event of splitter.push(chunk)) {
        const text = strategy.onEvent(event);
        if (text === false) {
          failure = new GatehouseError('upstream_invalid_response', `Provider "${provider}" sent a stream event that is not JSON.`);
          break;
        }
        out += text;
      }
      if (filter !== undefined) out = filter.push(out);
      if (out.length > 0 && !res.write(out)) await drained(res);
      if (failure !== undefined || exchange.cancelled !== undefined) break;
    }
    const last = failure === undefined && exchange.cancelled === undefined ? splitter.flush() : undefined;
    if (last !== undefined) {
      const text = strategy.onEvent(last);
      // An unreadable unterminated last event is a stream cut in the middle of an event.
      if (text === false) failure = new GatehouseError('upstream_stream_interrupted', `Provider "${provider}" ended the stream in the middle of an event.`);
      else if (text !== '') res.write(filter === undefined ? text : filter.push(text));
    }
  } catch (err) {
    // A reset mid-stream is an interrupted stream; a timeout keeps its own, more precise code.
    failure =
      err instanceof GatehouseError && err.code !== 'upstream_unreachable'
        ? err
        : new GatehouseError('upstream_stream_interrupted', `Provider "${provider}" broke off the stream: ${(err as Error).message}`, { cause: err });
  } finally {
    response.dispose();
  }
  if (exchange.cancelled !== undefined) {
    account(exchange, upstreamModel, strategy.usage());
    throw exchange.cancelled;
  }
  const upstreamError = strategy.observer.upstreamError;
  // A provider that reported an error in-band ended its answer on purpose: that is not a cut.
  if (failure === undefined && upstreamError === undefined && !strategy.complete()) {
    failure = new GatehouseError('upstream_stream_interrupted', `Provider "${provider}" ended the stream before the response was complete.`);
  }
  account(exchange, upstreamModel, strategy.usage());
  if (failure === undefined && upstreamError === undefined) {
    try {
      const tail = strategy.onEnd();
      const out = filter === undefined ? tail : filter.push(tail) + filter.end();
      if (out !== '') res.write(out);
    } catch (err) {
      // An inspector blocking what it still held.
      failure = err instanceof GatehouseError ? err : new GatehouseError('internal_error', (err as Error).message, { cause: err });
    }
  } else if (filter !== undefined && failure !== undefined && !isBlock(failure)) {
    // The stream broke: what the window still holds was generated and is released, inspected, first.
    try {
      const held = filter.end();
      if (held !== '' && !res.destroyed) res.write(held);
    } catch {
      // blocked: the held text stays held
    }
  }
  if (failure !== undefined) {
    exchange.error = failure;
    if (!res.destroyed) res.write(strategy.errorEvent(failure));
  } else if (upstreamError !== undefined) {
    exchange.error = new GatehouseError('upstream_error', `Provider sent an error in the stream: ${upstreamError}`);
  }
  await runResponsePhases(exchange, logger);
  const cost = costHeader(exchange.costUsd);
  if (cost !== undefined) res.addTrailers({ 'x-gatehouse-cost-usd': cost });
  res.end();
}

/** A failure an inspector raised: nothing more of the response may go out. */
function isBlock(failure: GatehouseError | undefined): boolean {
  return failure !== undefined && failure.fault === 'policy';
}

/** Parses an SSE event's data as a JSON object; undefined when it is not one. */
export function parseEventData(data: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  return parsed as Record<string, unknown>;
}
