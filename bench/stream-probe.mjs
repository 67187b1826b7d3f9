#!/usr/bin/env node
// Streaming load client (wrk cannot time the first byte of a body): N connections, each sending
// the streamed chat request in a closed loop for a fixed time. Measures time to first body byte
// (TTFB: request start -> first SSE bytes), time to the end of the stream, SSE chunks per second.
// A stream counts only if it is 200 and ends with `data: [DONE]`; anything else is an error.
// Options: --url ORIGIN --path P --connections N --duration-ms N --body-file F --headers JSON
// Prints one JSON line with the figures.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    path: { type: 'string', default: '/v1/chat/completions' },
    connections: { type: 'string', default: '1' },
    'duration-ms': { type: 'string', default: '5000' },
    'body-file': { type: 'string' },
    headers: { type: 'string', default: '{}' },
  },
});
const connections = Number(opts.connections);
const body = readFileSync(opts['body-file']);
const headers = { 'content-type': 'application/json', ...JSON.parse(opts.headers) };
const pool = new Pool(opts.url, { connections, pipelining: 1, bodyTimeout: 30_000, headersTimeout: 30_000 });
const DONE = 'data: [DONE]\n\n';

const ttfb = [];
const total = [];
let chunks = 0;
let errors = 0;
let errorSample;

function recordError(why) {
  errors++;
  errorSample ??= why;
}

async function oneStream() {
  const t0 = performance.now();
  const { statusCode, body: res } = await pool.request({ method: 'POST', path: opts.path, headers, body });
  if (statusCode !== 200) {
    const text = await res.text();
    recordError(`status ${statusCode}: ${text.slice(0, 160)}`);
    return;
  }
  let first = 0;
  let events = 0;
  let lastByte = 0;
  let tail = '';
  for await (const buf of res) {
    if (first === 0) first = performance.now();
    // An SSE event ends with a blank line: count "\n\n", also when split across two reads.
    let i = buf.indexOf(10);
    while (i !== -1) {
      if ((i === 0 ? lastByte : buf[i - 1]) === 10) events++;
      i = buf.indexOf(10, i + 1);
    }
    if (buf.length > 0) lastByte = buf[buf.length - 1];
    tail = (tail + buf.toString('latin1', Math.max(0, buf.length - DONE.length))).slice(-DONE.length);
  }
  const end = performance.now();
  if (tail !== DONE) {
    recordError(`stream did not end with [DONE]: ...${JSON.stringify(tail)}`);
    return;
  }
  ttfb.push(first - t0);
  total.push(end - t0);
  chunks += events - 1; // the [DONE] event is not a chunk
}

const start = performance.now();
const deadline = start + Number(opts['duration-ms']);
async function loop() {
  while (performance.now() < deadline) {
    try {
      await oneStream();
    } catch (err) {
      recordError(err?.code ?? err?.message ?? String(err));
    }
  }
}
await Promise.all(Array.from({ length: connections }, loop));
const seconds = (performance.now() - start) / 1000;
await pool.close();

const pct = (arr, p) => {
  if (arr.length === 0) return null;
  const sorted = Float64Array.from(arr).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
process.stdout.write(
  'BENCH_JSON ' +
    JSON.stringify({
      streams: ttfb.length,
      errors,
      error_sample: errorSample,
      seconds,
      ttfb_p50_ms: pct(ttfb, 50),
      ttfb_p99_ms: pct(ttfb, 99),
      total_p50_ms: pct(total, 50),
      total_p99_ms: pct(total, 99),
      chunks,
    }) +
    '\n',
);
