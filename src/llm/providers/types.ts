import type { z } from 'zod';
import type { GatehouseError } from '../../errors/gatehouse-error.js';
import type { WireFormat } from '../formats/wire-format.js';

/**
 * The operations a provider can serve natively, each in its vendor's wire format: OpenAI `chat`
 * (chat completions), `embeddings` and `responses`; Anthropic `messages` and `count_tokens`.
 */
export type UpstreamOperation = 'chat' | 'embeddings' | 'responses' | 'messages' | 'count_tokens';

/** What the gateway asks a provider to do: one attempt, already in the provider's native format. */
export interface UpstreamRequest {
  readonly operation: UpstreamOperation;
  /** The upstream model id (after route mapping). */
  readonly model: string;
  /** The body to send, already serialised. Bytes equal the client's when nothing changed. */
  readonly body: Buffer;
  /** The parsed body, for in-process providers (the simulator) that need not parse it again. */
  readonly parsed: Readonly<Record<string, unknown>>;
  readonly stream: boolean;
  /** Request headers from the client that a provider may read (already lower-cased). Never forwarded blindly. */
  readonly clientHeaders: Readonly<Record<string, string | string[] | undefined>>;
  readonly requestId: string;
  /** The caller's own provider key, on routes that allow bring-your-own-key; replaces the configured key. */
  readonly providerKey?: string | undefined;
  /**
   * Aborted when the client goes away, the attempt times out, or the gateway shuts down. An
   * attempt creates it only when a provider reads it: HTTP providers use `onAbort`, which is cheaper.
   */
  readonly signal: AbortSignal;
  /**
   * The same abort as `signal` without an AbortSignal: calls `listener` with the reason (at once
   * if already aborted) and returns an unsubscribe. Absent on requests built outside an attempt.
   */
  readonly onAbort?: ((listener: (reason: unknown) => void) => () => void) | undefined;
}

/** A provider's answer: status and headers, and the body as a byte stream (JSON or SSE). */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: AsyncIterable<Uint8Array>;
  /**
   * Optional, instead of iterating `body` (never both): the whole body in one promise, or undefined
   * once it passes `limit` bytes (the transfer is then stopped). `onChunk` is called as each chunk
   * arrives. routing/'s readAll uses it when present.
   */
  collect?(limit: number, onChunk?: () => void): Promise<Buffer | undefined>;
  /** Stops reading the body and frees the connection. Safe to call more than once. */
  dispose(): void;
}

export interface Provider {
  /** The name given in the configuration (`providers.<name>`). */
  readonly name: string;
  readonly type: string;
  readonly format: WireFormat;
  /**
   * The operations it serves natively. A client operation it lacks is translated into one it has
   * (chat ⇄ messages, responses → chat); passthrough needs the client's own operation.
   */
  readonly operations: ReadonlySet<UpstreamOperation>;
  /** max_tokens to send when a translated request has none and the native format requires one (Anthropic). */
  readonly defaultMaxTokens?: number | undefined;
  /** Why the provider cannot serve (e.g. missing API key), or undefined when it can. */
  readonly unavailableReason: string | undefined;
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
  /**
   * Turns a non-2xx upstream answer into a typed error. `body` is the upstream body (at most a
   * few KB). Returning undefined means "pass the upstream error through to the client as it is"
   * (a 4xx that is the caller's fault, like a bad parameter).
   */
  classifyError(status: number, headers: UpstreamResponse['headers'], body: string): GatehouseError | undefined;
  /** Frees connection pools. Called when a reload retires the runtime that owns this provider. */
  close(): Promise<void>;
}

/** One registry entry: a provider type, its config schema and a factory. */
export interface ProviderModule<C extends { type: string }> {
  readonly type: C['type'];
  readonly configSchema: z.ZodType<C>;
  create(name: string, config: C): Provider;
}
