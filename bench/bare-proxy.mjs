#!/usr/bin/env node
// The floor: the least a Node proxy can do. node:http in, an undici Pool out, bytes passed through
// untouched (no parsing, no policies, no logging). Same pool size as Gatehouse's default (128).
// Options: --port N, --upstream http://127.0.0.1:PORT (origin only; the request path is kept).
// Prints {"listening":PORT}; exits when stdin closes or on SIGTERM/SIGINT.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values: opts } = parseArgs({
  options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' }, connections: { type: 'string', default: '128' } },
});
const pool = new Pool(opts.upstream, { connections: Number(opts.connections), pipelining: 1 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'proxy-connection', 'upgrade', 'te', 'trailer']);

function pickHeaders(raw) {
  const out = {};
  for (const [k, v] of Object.entries(raw)) if (!HOP.has(k)) out[k] = v;
  return out;
}

const server = createServer({ keepAliveTimeout: 120_000 }, async (req, res) => {
  try {
    const up = await pool.request({ method: req.method, path: req.url, headers: pickHeaders(req.headers), body: req });
    res.writeHead(up.statusCode, pickHeaders(up.headers));
    up.body.on('data', (c) => res.write(c));
    up.body.on('end', () => res.end());
    up.body.on('error', () => res.destroy());
    res.on('close', () => {
      if (!up.body.readableEnded) up.body.destroy();
    });
  } catch (err) {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: String(err?.message ?? err) } }));
  }
});
server.headersTimeout = 0;
server.requestTimeout = 0;
server.listen(Number(opts.port), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ listening: server.address().port }) + '\n');
});

const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).on('error', stop).resume();
