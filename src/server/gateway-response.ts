import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';

const REQUEST_ID = 'x-request-id';

/**
 * The data listeners' response class: it writes the request's `x-request-id` with whatever headers
 * a handler gives `writeHead`, on every answer (JSON, stream, error, MCP) without a handler having
 * to remember it.
 *
 * Why not `res.setHeader` once per request: a response with a header set that way takes Node's
 * merging path in `writeHead`, which re-validates and stores every header one by one: about 2.5 µs
 * per answer, a measurable share of the gateway's overhead (bench/). Passing the id along with the
 * handler's own header object keeps Node on its direct path.
 */
export class GatewayResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  /** Set by the data plane when the request arrives. */
  requestId: string | undefined;

  override writeHead(statusCode: number, headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this;
  override writeHead(statusCode: number, statusMessage?: string, headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this;
  override writeHead(statusCode: number, second?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], third?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
    const id = this.requestId;
    if (id === undefined || this.headersSent) return typeof second === 'string' ? super.writeHead(statusCode, second, third) : super.writeHead(statusCode, second);
    if (typeof second === 'string') return super.writeHead(statusCode, second, this.#withId(id, third));
    return super.writeHead(statusCode, this.#withId(id, second));
  }

  #withId(id: string, headers: OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined): OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined {
    // Already set (by setHeader or by the handler itself): the handler's value stands.
    if (this.hasHeader(REQUEST_ID)) return headers;
    if (headers === undefined) return { [REQUEST_ID]: id };
    if (Array.isArray(headers)) {
      // Rare (no handler of ours writes arrays): let Node merge it the slow way.
      this.setHeader(REQUEST_ID, id);
      return headers;
    }
    if (REQUEST_ID in headers) return headers;
    // A new object: the caller's may be shared or reused.
    return { [REQUEST_ID]: id, ...headers };
  }
}
