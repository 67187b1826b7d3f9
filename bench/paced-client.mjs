#!/usr/bin/env node
// Open-loop paced client for the soak (Debian's wrk has no -R, and wrk2 is not packaged): sends
// --rate requests per second on a fixed schedule whatever the answers do, and times each request
// from its *scheduled* send time, as wrk2 does, so a stall shows up as latency instead of hiding
// as fewer requests (coordinated omission).
// Options: --url ORIGIN --path P --rate N --duration-s N --window-s N --warmup-s N --body-file F
// --headers JSON. Prints a JSON line per window ({"window":...}) and a final {"summary":...} line
// whose percentiles cover the requests scheduled after the warm-up.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    path: { type: 'string', default: '/v1/chat/completions' },
    rate: { type: 'string', default: '500' },
    'duration-s': { type: 'string', default: '300' },
    'window-s': { type: 'string', default: '10' },
    'warmup-s': { type: 'string', default: '30' },
    'body-file': { type: 'string' },
    headers: { type: 'string', default: '{}' },
  },
});
const rate = Number(opts.rate);
const durationMs = Number(opts['duration-s']) * 1000;
const windowMs = Number(opts['window-s']) * 1000;
const warmupMs = Number(opts['warmup-s']) * 1000;
const body = readFileSync(opts['body-file']);
const headers = { 'content-type': 'application/json', ...JSON.parse(opts.headers) };
const pool = new Pool(opts.url, { connections: 256, pipelining: 1 });

const pct = (arr, p) => {
  if (arr.length === 0) return null;
  const sorted = Float64Array.from(arr).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

const all = [];
const lags = []; // how late the client itself sent each request
let win = [];
let winErrors = 0;
let errors = 0;
let errorSample;
let sent = 0;
let inFlight = 0;

async function send(scheduledAt) {
  inFlight++;
  try {
    const { statusCode, body: res } = await pool.request({ method: 'POST', path: opts.path, headers, body });
    await res.arrayBuffer();
    if (statusCode !== 200) throw new Error(`status ${statusCode}`);
    const ms = performance.now() - scheduledAt;
    if (scheduledAt - start >= warmupMs) all.push(ms);
    win.push(ms);
  } catch (err) {
    errors++;
    winErrors++;
    errorSample ??= err?.message ?? String(err);
  } finally {
    inFlight--;
  }
}

const start = performance.now();
let nextWindow = start + windowMs;
let windowIndex = 0;
await new Promise((resolve) => {
  const tick = () => {
    const now = performance.now();
    // Request i is scheduled at start + i/rate: by `now`, floor(elapsed * rate) + 1 of them are due.
    const due = Math.min(Math.floor(((now - start) * rate) / 1000) + 1, Math.floor((durationMs * rate) / 1000));
    while (sent < due) {
      const scheduledAt = start + (sent * 1000) / rate;
      lags.push(now - scheduledAt);
      void send(scheduledAt);
      sent++;
    }
    if (now >= nextWindow) {
      windowIndex++;
      process.stdout.write(
        JSON.stringify({ window: windowIndex, t_s: Math.round((now - start) / 1000), done: win.length, errors: winErrors, in_flight: inFlight, p50_ms: pct(win, 50), p99_ms: pct(win, 99), max_ms: pct(win, 100) }) + '\n',
      );
      win = [];
      winErrors = 0;
      nextWindow += windowMs;
    }
    if (now - start >= durationMs) resolve();
    // Timers sleep in whole milliseconds or worse (2-3 ms late here): spin through the event
    // loop instead, which still serves I/O every turn. This client has core 0 to itself.
    else setImmediate(tick);
  };
  tick();
});
const drainUntil = performance.now() + 10_000;
while (inFlight > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 10));
await pool.close().catch(() => {});
process.stdout.write(
  JSON.stringify({
    summary: {
      sent,
      measured: all.length,
      errors,
      error_sample: errorSample,
      seconds: (performance.now() - start) / 1000,
      send_lag_p50_ms: pct(lags, 50),
      send_lag_p99_ms: pct(lags, 99),
      p50_ms: pct(all, 50),
      p99_ms: pct(all, 99),
      p999_ms: pct(all, 99.9),
      max_ms: pct(all, 100),
    },
  }) + '\n',
);
