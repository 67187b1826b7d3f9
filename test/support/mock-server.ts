/**
 * The HTTP plumbing shared by the mock upstreams: records every request, parses JSON bodies,
 * tracks sockets and timers so close() ends everything at once (hanging scenarios included).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: unknown;
}

export interface MockUpstream {
  /** Base URL including `/v1`, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface MockContext {
  /** Resolves after `ms`, or never once the server closed (close() clears pending timers). */
  delay(ms: number): Promise<void>;
  readonly closed: () => boolean;
}

/** What a mock does with one request; `parseFailed` is true when the body was not JSON. */
export type MockHandler = (req: IncomingMessage, res: ServerResponse, request: RecordedRequest & { parseFailed: boolean }) => Promise<void>;

/** Starts a mock on 127.0.0.1, port 0; `makeHandler` gets the context its scenarios need. */
export function startMockServer(makeHandler: (ctx: MockContext) => MockHandler, onFailure: (res: ServerResponse, err: unknown) => void): Promise<MockUpstream> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const ctx: MockContext = {
    delay: (ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, ms);
        timers.add(timer);
      }),
    closed: () => closed,
  };
  const handler = makeHandler(ctx);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let json: unknown;
    let parseFailed = false;
    if (raw.length > 0) {
      try {
        json = JSON.parse(raw);
      } catch {
        parseFailed = true;
      }
    }
    const recorded = { method: req.method ?? 'GET', path, headers: { ...req.headers }, body: raw, json };
    requests.push(recorded);
    await handler(req, res, { ...recorded, parseFailed });
  }

  const server = createServer((req, res) => {
    res.on('error', () => {}); // a client that went away is not a mock failure
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) onFailure(res, err);
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/v1`,
        requests,
        close: () =>
          new Promise<void>((done) => {
            closed = true;
            for (const timer of timers) clearTimeout(timer);
            timers.clear();
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}

/** Writes one chunk; resolves when it is flushed or the client is gone. */
export function writeChunk(res: ServerResponse, chunk: string): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('close', done);
      resolve();
    };
    res.once('close', done);
    res.write(chunk, () => done());
  });
}

export const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
