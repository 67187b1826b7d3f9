import type { IncomingMessage } from 'node:http';
import { Deadline } from '../pipeline/deadline.js';
import { GatehouseError } from '../errors/gatehouse-error.js';

/**
 * Reads a request body up to `limit` bytes within `timeoutMs`. Rejects early on a Content-Length
 * over the limit, and stops reading as soon as the streamed size passes it.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new GatehouseError('body_too_large', `The request body (${declared} bytes) exceeds the limit of ${limit} bytes.`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(new GatehouseError('body_too_large', `The request body exceeds the limit of ${limit} bytes.`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      // Always a copy: a chunk is a slice of the socket's 64 KB read buffer, and the body lives as
      // long as the request, so keeping the slice would keep the whole read buffer alive with it.
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new GatehouseError('client_closed_request', `The request body could not be read: ${err.message}`));
    };
    const onAborted = (): void => {
      cleanup();
      reject(new GatehouseError('client_closed_request'));
    };
    // 0 disables the deadline.
    const timer =
      timeoutMs > 0
        ? new Deadline(
            timeoutMs,
            () => {
              cleanup();
              reject(new GatehouseError('request_timeout', `The request body was not received within ${timeoutMs} ms.`));
            },
            undefined,
          )
        : undefined;
    const cleanup = (): void => {
      timer?.clear();
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
