#!/usr/bin/env node
// A fast OpenAI-compatible mock upstream for load tests (node:http only).
//   POST /v1/chat/completions  ~1 KB JSON, or SSE when the body has "stream": true: a role chunk,
//                              --chunks content chunks, a finish chunk, a usage chunk when
//                              stream_options.include_usage is set, then `data: [DONE]`.
//   anything else              404
// Options: --port N (0 = any free port), --host H, --latency-ms N (before the response headers),
// --chunks N (default 30), --chunk-interval-ms N (between SSE events; default: next event-loop
// turn, so each event is its own write and usually its own read at the proxy).
// Prints one JSON line {"listening":PORT} on stdout when ready; exits when stdin closes (so it
// never outlives the harness that started it) or on SIGTERM/SIGINT.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { chatCompletionJson, chatCompletionSse } from './lib/payloads.mjs';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'latency-ms': { type: 'string', default: '0' },
    chunks: { type: 'string', default: '30' },
    'chunk-interval-ms': { type: 'string', default: '-1' },
  },
});
const latencyMs = Number(opts['latency-ms']);
const intervalMs = Number(opts['chunk-interval-ms']);
const contentChunks = Number(opts.chunks);

const JSON_BODY = Buffer.from(chatCompletionJson());
const SSE_WITH_USAGE = chatCompletionSse({ contentChunks, includeUsage: true }).map((e) => Buffer.from(e));
const SSE_NO_USAGE = chatCompletionSse({ contentChunks, includeUsage: false }).map((e) => Buffer.from(e));
const JSON_HEADERS = {
  'content-type': 'application/json',
  'content-length': String(JSON_BODY.length),
  'openai-processing-ms': '412',
  'x-request-id': 'req_bench_mock',
};
const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'openai-processing-ms': '96',
  'x-request-id': 'req_bench_mock',
};

const later = intervalMs < 0 ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, intervalMs);

function sendStream(res, events) {
  res.writeHead(200, SSE_HEADERS);
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    if (i === events.length - 1) {
      res.end(events[i]);
      return;
    }
    res.write(events[i++]);
    later(next);
  };
  next();
}

function answer(req, res, body) {
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"invalid JSON body","type":"invalid_request_error","code":null}}');
    return;
  }
  if (parsed.stream === true) {
    sendStream(res, parsed.stream_options?.include_usage === true ? SSE_WITH_USAGE : SSE_NO_USAGE);
  } else {
    res.writeHead(200, JSON_HEADERS);
    res.end(JSON_BODY);
  }
}

const server = createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
  if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
    req.resume();
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"not found","type":"invalid_request_error","code":null}}');
    return;
  }
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const body = parts.length === 1 ? parts[0].toString() : Buffer.concat(parts).toString();
    if (latencyMs > 0) setTimeout(() => answer(req, res, body), latencyMs);
    else answer(req, res, body);
  });
});
server.headersTimeout = 0;
server.requestTimeout = 0;
server.listen(Number(opts.port), opts.host, () => {
  process.stdout.write(JSON.stringify({ listening: server.address().port }) + '\n');
});

const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).on('error', stop).resume();
