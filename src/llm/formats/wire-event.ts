import type { Usage } from '../usage.js';

/**
 * One parsed stream event of any wire format. OpenAI chat chunks have no event name (`event` is
 * undefined) and their `[DONE]` terminator is not an event: the handler writes it for chat clients.
 * Anthropic and Responses events carry their name in `event`, equal to `data.type`.
 */
export interface WireEvent {
  readonly event?: string | undefined;
  readonly data: Record<string, unknown>;
}

/**
 * Turns a provider's stream, event by event, into the client's format. Pure and synchronous: the
 * handler does the I/O. A translator keeps whatever state it needs (open content blocks, tool-call
 * indices, usage seen so far) and may hold events back until it knows enough (an Anthropic
 * message_delta waits for the usage that OpenAI sends after finish_reason).
 */
export interface StreamTranslator {
  /** One upstream event in; zero or more client events out, in order. */
  push(event: WireEvent): WireEvent[];
  /** The upstream ended cleanly: whatever closing events are still owed (message_stop, response.completed...). */
  end(): WireEvent[];
}

/**
 * Watches a provider's stream in the provider's own format for what the gateway accounts: usage,
 * whether the stream reached its proper end, an in-band error, and the generated text (to count
 * tokens when the provider never reports usage).
 */
export interface StreamObserver {
  observe(event: WireEvent): void;
  /** Exact usage once the provider reported its final count (the latest report wins). */
  readonly usage: Usage | undefined;
  /**
   * What the provider reported before its final count (Anthropic's message_start: exact input,
   * an early output count), for a stream that ends before the final count arrives: the gateway
   * then keeps the input side and counts the output from the text received.
   */
  readonly earlyUsage?: Usage | undefined;
  /**
   * Event names whose data the observer needs only for `text` (content deltas). The relay hands
   * their raw data to `defer` instead of parsing it; the observer parses it if `text` is read.
   */
  readonly deferrable?: ReadonlySet<string>;
  defer?(data: string): void;
  /** The provider signalled a complete response (finish_reason, message_stop, response.completed...). */
  readonly finished: boolean;
  /** The message of an in-band error event, if one came. */
  readonly upstreamError: string | undefined;
  /** Generated text and tool-call arguments so far. */
  readonly text: string;
}
