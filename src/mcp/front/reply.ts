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

  get closed(): boolean {
    return this.#done || this.res.destroyed;
  }

  /** A message related to the request, before its response. False when it could not be sent. */
  send(message: JsonRpcMessage): boolean {
    if (this.closed || !this.sseAllowed) return false;
    if (!this.#streaming) {
      this.#streaming = true;
      this.res.writeHead(200, {
        ...this.headers,
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
      });
    }
    this.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    return true;
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
