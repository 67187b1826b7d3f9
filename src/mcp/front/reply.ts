import type { ServerResponse } from 'node:http';
import type { JsonRpcMessage, JsonRpcResponse } from '../jsonrpc.js';

/**
 * The answer to one POSTed request: plain JSON when the response is all there is, or an SSE stream
 * as soon as a message must go first (progress, a log line, a request to the agent). The agent
 * accepts both (Streamable HTTP); one that accepts only JSON gets the response without the rest.
 */
export class Reply {
  #streaming = false;
  #done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string>,
    private readonly sseAllowed: boolean,
  ) {}

  get streaming(): boolean {
    return this.#streaming;
  }

  /** The agent accepts an event stream (Accept lists text/event-stream). */
  get canStream(): boolean {
    return this.sseAllowed;
  }

  /** An SSE comment (keep-alive); opens the stream if needed. */
  comment(text: string): void {
    if (this.closed || !this.sseAllowed) return;
    this.#open();
    this.res.write(`: ${text}\n\n`);
  }

  get closed(): boolean {
    return this.#done || this.res.destroyed;
  }

  /** A message related to the request, before its response. False when it could not be sent. */
  send(message: JsonRpcMessage): boolean {
    if (this.closed || !this.sseAllowed) return false;
    this.#open();
    this.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    return true;
  }

  #open(): void {
    if (this.#streaming) return;
    this.#streaming = true;
    this.res.writeHead(200, {
      ...this.headers,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
  }

  /** The response; ends the HTTP exchange. `status` applies only when nothing was streamed yet. */
  finish(response: JsonRpcResponse, status = 200): void {
    if (this.closed) return;
    this.#done = true;
    if (this.#streaming) {
      this.res.end(`event: message\ndata: ${JSON.stringify(response)}\n\n`);
      return;
    }
    const body = JSON.stringify(response);
    this.res.writeHead(status, { ...this.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    this.res.end(body);
  }
}
