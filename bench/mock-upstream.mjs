#!/usr/bin/env node
// A fast OpenAI-compatible mock upstream for load tests (node:http only).
//   POST /v1/chat/completions  ~1 KB JSON, or SSE when the body has "stream": true: a role chunk,
//                              --chunks content chunks, a finish chunk, a usage chunk when
//                              stream_options.include_usage is set, then `data: [DONE]`.
//   POST /mcp                  a minimal MCP server (Streamable HTTP, session era, JSON answers):
//                              initialize (with an Mcp-Session-Id), notifications (202), ping,
//                              tools/list (one tool) and tools/call (~1 KB of text); GET 405
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

// --- MCP ---------------------------------------------------------------------------------------
const MCP_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'];
const MCP_TOOL = {
  name: 'lookup_order',
  description: 'Looks up an order by its id and returns its status, items and shipping details.',
  inputSchema: { type: 'object', properties: { order_id: { type: 'string', description: 'The order id, e.g. A-1042.' } }, required: ['order_id'] },
};
const MCP_RESULT_TEXT = JSON.stringify({
  order_id: 'A-1042',
  status: 'shipped',
  placed_at: '2026-11-02T09:14:00Z',
  items: Array.from({ length: 6 }, (_, i) => ({ sku: `SKU-${1000 + i}`, name: `Replacement part ${i + 1} for the model 7 espresso machine`, quantity: 1 + (i % 3), unit_price_eur: 12.5 + i })),
  shipping: { carrier: 'DHL Express', tracking: 'JD014600006281230706', eta: '2026-11-26', address_country: 'NL' },
  notes: 'Customer asked for delivery after 17:00 on weekdays.',
});
let mcpSessions = 0;

function mcpReply(res, id, result, headers = {}) {
  const body = JSON.stringify({ jsonrpc: '2.0', id, result });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function mcp(req, res, body) {
  let msg;
  try {
    msg = JSON.parse(body);
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}');
    return;
  }
  if (msg.id === undefined) {
    res.writeHead(202);
    res.end();
    return;
  }
  switch (msg.method) {
    case 'initialize': {
      const asked = msg.params?.protocolVersion;
      const protocolVersion = MCP_VERSIONS.includes(asked) ? asked : MCP_VERSIONS[0];
      mcpReply(res, msg.id, { protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'bench-mock', version: '1.0.0' } }, { 'mcp-session-id': `bench-${++mcpSessions}` });
      return;
    }
    case 'ping':
      return mcpReply(res, msg.id, {});
    case 'tools/list':
      return mcpReply(res, msg.id, { tools: [MCP_TOOL] });
    case 'tools/call':
      return mcpReply(res, msg.id, { content: [{ type: 'text', text: MCP_RESULT_TEXT }], isError: false });
    default: {
      const body = JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: `Method not found: ${msg.method}` } });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    }
  }
}

function readAll(req, then) {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => then(parts.length === 1 ? parts[0].toString() : Buffer.concat(parts).toString()));
}

const server = createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
  if (req.url === '/mcp' || req.url.startsWith('/mcp?')) {
    if (req.method === 'POST') return readAll(req, (body) => mcp(req, res, body));
    req.resume();
    res.writeHead(req.method === 'DELETE' ? 204 : 405, req.method === 'DELETE' ? {} : { allow: 'POST, DELETE' });
    res.end();
    return;
  }
  if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
    req.resume();
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"not found","type":"invalid_request_error","code":null}}');
    return;
  }
  readAll(req, (body) => {
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
