#!/usr/bin/env node
// `npm run bench`: starts the mock upstream, the bare proxy, Gatehouse (one process per config)
// and Portkey (installed from the npm registry into a temporary folder), measures every scenario
// of bench/scenarios.mjs side by side, in alternating order over several rounds, prints the
// tables and the targets, and appends them to bench/RESULTS.md. See bench/README.md.
//
//   npm run bench                  full run (~6-7 min)
//   npm run bench -- --quick       < 1 min: one round, short runs, 1 and 32 connections
//   npm run bench -- --soak        500 req/s for 5 minutes through one scenario, RSS every 10 s
//   npm run bench -- --help        every option
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chatRequest } from './lib/payloads.mjs';
import { MCP_CALL, openMcpSession } from './lib/mcp-session.mjs';
import {
  cpuSeconds,
  cpusAllowed,
  freePort,
  installExitHandlers,
  registerTempDir,
  rssMb,
  rssSampler,
  startProcess,
  stopAll,
  stopProcess,
  tailOf,
  waitForHttp,
} from './lib/processes.mjs';
import { aggregatePlain, aggregateStream, hostLine, plainTable, streamTable, targetLines, targets } from './lib/report.mjs';
import { SCENARIOS } from './scenarios.mjs';

// `npm run bench -- --detectors` is the detector benchmark (bench/detectors.mjs): no servers.
if (process.argv.slice(2).includes('--detectors')) {
  await import('./detectors.mjs'); // it exits when done
  await new Promise(() => {});
}

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const LOAD_CPU = 0; // wrk, the streaming probe, the paced client, this runner
const SERVER_CPU = 1; // the mock upstream and every proxy

const HELP = `usage: npm run bench -- [options]
  --quick                 one round, 2 s runs, 1 and 32 connections (< 1 min)
  --rounds N              rounds, scenario order reversed every other round (default 3)
  --duration S            seconds per plain wrk run (default 5)
  --stream-duration S     seconds per streaming run (default 4)
  --warmup S              seconds of warm-up per scenario before round 1 (default 3)
  --connections LIST      plain connection levels (default 1,32,256)
  --stream-connections L  streaming connection levels (default 1,32)
  --only LIST             only these scenarios (direct and bare-proxy are always kept)
  --against DIR           each Gatehouse scenario also from another build (e.g. dist-base: a copy
                          of dist/ inside the repository), measured in the same rounds
  --no-portkey            skip the Portkey install and scenario
  --mcp-connections LIST  connection levels of the MCP tools/call table (default 1,32; 32 in --quick)
  --no-mcp                skip the MCP tools/call table
  --latency-ms N          fixed mock latency before the response headers (default 0)
  --chunks N              SSE content chunks per streamed answer (default 30)
  --build                 run \`npm run build\` first (by default dist/ is used as it is)
  --no-results            do not append to bench/RESULTS.md
  --detectors             the detector benchmark instead (bench/detectors.mjs; its --help)
  --soak                  soak mode instead (not part of the default run):
    --soak-scenario NAME  scenario to soak (default gatehouse-prod)
    --rate N              requests per second (default 500)
    --soak-seconds S      measured seconds after the warm-up (default 300)
    --soak-warmup S       warm-up seconds, excluded from p99 and RSS growth (default 30)
    --soak-direct S       seconds of the same paced load straight to the mock first, the
                          reference the p99 overhead is measured against (default 60; 0 = none)
    --soak-p99-ms X       optional: PASS/FAIL threshold for the p99
    --soak-growth-mb X    optional: PASS/FAIL threshold for the RSS growth`;

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    'stream-duration': { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    'stream-connections': { type: 'string' },
    only: { type: 'string' },
    against: { type: 'string' },
    'no-portkey': { type: 'boolean', default: false },
    'mcp-connections': { type: 'string' },
    'no-mcp': { type: 'boolean', default: false },
    'latency-ms': { type: 'string', default: '0' },
    chunks: { type: 'string', default: '30' },
    build: { type: 'boolean', default: false },
    'no-results': { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    'soak-scenario': { type: 'string', default: 'gatehouse-prod' },
    rate: { type: 'string', default: '500' },
    'soak-seconds': { type: 'string', default: '300' },
    'soak-warmup': { type: 'string', default: '30' },
    'soak-direct': { type: 'string', default: '60' },
    'soak-p99-ms': { type: 'string' },
    'soak-growth-mb': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  console.log(HELP);
  process.exit(0);
}
const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const cfg = {
  rounds: Number(opt.rounds ?? (opt.quick ? 1 : 3)),
  duration: Number(opt.duration ?? (opt.quick ? 2 : 5)),
  streamDurationMs: 1000 * Number(opt['stream-duration'] ?? (opt.quick ? 1.5 : 4)),
  warmup: Number(opt.warmup ?? (opt.quick ? 1 : 3)),
  streamWarmupMs: opt.warmup ? 1000 * Number(opt.warmup) : opt.quick ? 500 : 3000,
  levels: list(opt.connections ?? (opt.quick ? '1,32' : '1,32,256')).map(Number),
  streamLevels: list(opt['stream-connections'] ?? '1,32').map(Number),
  mcpLevels: opt['no-mcp'] ? [] : list(opt['mcp-connections'] ?? (opt.quick ? '32' : '1,32')).map(Number),
};

const log = (...a) => console.error('bench:', ...a);
installExitHandlers();
pinSelf();
main().then(
  async (code) => {
    await stopAll();
    process.exit(code);
  },
  async (err) => {
    console.error(`bench: ${err?.stack ?? err}`);
    await stopAll();
    process.exit(1);
  },
);

function pinSelf() {
  try {
    execFileSync('taskset', ['-a', '-cp', String(LOAD_CPU), String(process.pid)], { stdio: 'ignore' });
  } catch {
    log('could not pin the runner to core 0 (taskset failed)');
  }
}

async function main() {
  preconditions();
  const run = { startedAt: new Date(), failures: {}, scenarios: selectScenarios() };
  run.work = registerTempDir(mkdtempSync(join(tmpdir(), 'gatehouse-bench-')));
  run.bodyFile = join(run.work, 'chat.json');
  run.streamBodyFile = join(run.work, 'chat-stream.json');
  writeFileSync(run.bodyFile, chatRequest());
  writeFileSync(run.streamBodyFile, chatRequest({ stream: true }));
  run.mcpBodyFile = join(run.work, 'mcp-call.json');
  writeFileSync(run.mcpBodyFile, MCP_CALL);

  // The registry install runs while the local servers start.
  if (run.scenarios.some((s) => s.target === 'portkey')) run.portkeyInstalled = installPortkey(run).then((v) => ({ v }), (e) => ({ e }));
  run.mock = await startOwnServer('mock', ['bench/mock-upstream.mjs', '--latency-ms', opt['latency-ms'], '--chunks', opt.chunks]);
  run.upstream = `${run.mock.origin}/v1`;
  for (const s of run.scenarios) {
    try {
      await startTarget(run, s);
    } catch (err) {
      run.failures[s.name] = oneLine(err?.message ?? String(err));
      log(`${s.name}: ${run.failures[s.name]}`);
    }
  }
  return opt.soak ? soak(run) : measure(run);
}

function preconditions() {
  for (const [bin, arg] of [['wrk', '-v'], ['taskset', '-V']]) {
    try {
      execFileSync(bin, [arg], { stdio: 'ignore' });
    } catch (err) {
      if (err.code === 'ENOENT') throw new Error(`${bin} is not installed (apt-get install ${bin === 'taskset' ? 'util-linux' : bin})`);
    }
  }
  if (cpus().length < 2) log('fewer than 2 cores: load and servers share one core, ratios only');
  if (opt.build) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (!existsSync(join(ROOT, 'dist/cli/index.js'))) throw new Error('dist/cli/index.js is missing: run `npm run build` (or pass --build)');
  const distTime = statSync(join(ROOT, 'dist/cli/index.js')).mtimeMs;
  const newestSrc = newestMtime(join(ROOT, 'src'));
  if (newestSrc > distTime) log('warning: src/ has files newer than dist/: the gateway measured is the last build (use --build)');
}

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

function selectScenarios() {
  let chosen = SCENARIOS;
  if (opt.soak) {
    const s = SCENARIOS.find((x) => x.name === opt['soak-scenario']);
    if (!s) throw new Error(`unknown --soak-scenario ${opt['soak-scenario']}: ${SCENARIOS.map((x) => x.name).join(', ')}`);
    // The soaked scenario first; direct (the mock itself) is the p99 reference.
    const direct = SCENARIOS.find((x) => x.name === 'direct');
    return s.name === 'direct' || Number(opt['soak-direct']) <= 0 ? [{ ...s }] : [{ ...s }, { ...direct }];
  }
  if (opt.only) {
    const names = new Set(['direct', 'bare-proxy', ...list(opt.only)]);
    for (const n of names) if (!SCENARIOS.some((x) => x.name === n)) throw new Error(`unknown scenario ${n}`);
    chosen = SCENARIOS.filter((x) => names.has(x.name));
  }
  if (opt['no-portkey']) chosen = chosen.filter((x) => x.target !== 'portkey');
  const out = chosen.map((s) => ({ ...s }));
  // --against DIR: each Gatehouse scenario once more from another build, right after its own row,
  // so a change is compared with its base in the same run, same rounds, same order.
  if (opt.against) {
    const dist = relative(ROOT, resolve(opt.against));
    if (!existsSync(join(ROOT, dist, 'cli/index.js'))) throw new Error(`--against ${opt.against}: no cli/index.js there (a built dist/ inside the repository, where node_modules resolves)`);
    for (let i = out.length - 1; i >= 0; i--) {
      const s = out[i];
      if (s.target === 'gatehouse') out.splice(i + 1, 0, { ...s, name: `${s.name}@${basename(dist)}`, dist, what: `${s.what}, built in ${dist}/` });
    }
  }
  return out;
}

const oneLine = (s) => String(s).replace(/\s+/g, ' ').trim().slice(0, 300);

// ---------------------------------------------------------------------------------------------
// Starting what answers

/** One of the bench's own servers (mock, bare proxy): prints {"listening":PORT} when ready. */
async function startOwnServer(name, args) {
  const proc = startProcess(name, process.execPath, args, { cpu: SERVER_CPU, cwd: ROOT });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${tailOf(proc)}`)), 15_000);
    proc.onLine((line) => {
      try {
        const p = JSON.parse(line).listening;
        if (p) {
          clearTimeout(timer);
          resolve(p);
        }
      } catch {}
    });
    void proc.exited.then((code) => reject(new Error(`${name} exited (${code}): ${tailOf(proc)}`)));
  });
  return Object.assign(proc, { origin: `http://127.0.0.1:${port}` });
}

async function startTarget(run, s) {
  s.headers = Object.fromEntries(Object.entries(s.headers ?? {}).map(([k, v]) => [k, v.replaceAll('{upstream}', run.upstream)]));
  if (s.target === 'mock') {
    s.origin = run.mock.origin;
    s.proc = undefined; // no proxy: CPU and RSS are the proxies' only
  } else if (s.target === 'bare-proxy') {
    s.proc = await startOwnServer(s.name, ['bench/bare-proxy.mjs', '--upstream', run.mock.origin]);
    s.origin = s.proc.origin;
  } else if (s.target === 'gatehouse') {
    await startGatehouse(run, s).catch(async (err) => {
      log(`${s.name}: ${oneLine(err.message)}; retrying once (dist/ may have been rebuilding)`);
      await startGatehouse(run, s);
    });
  } else if (s.target === 'portkey') {
    await startPortkey(run, s);
  } else {
    throw new Error(`unknown target ${s.target}`);
  }
  s.cpus = s.proc ? cpusAllowed(s.proc.pid) : undefined;
  await preflight(run, s);
  s.idleRss = s.proc ? rssMb(s.proc.pid) : undefined;
}

async function startGatehouse(run, s) {
  const port = await freePort();
  const adminPort = await freePort();
  const env = { ...process.env, BENCH_UPSTREAM: run.upstream, BENCH_MCP_UPSTREAM: `${run.mock.origin}/mcp` };
  delete env.GATEHOUSE_LOG_LEVEL; // the scenario's config decides what is logged
  const configPath = join(BENCH, 'configs', s.config);
  const entry = `${s.dist ?? 'dist'}/cli/index.js`;
  s.command = `node ${entry} serve --config bench/configs/${s.config} --port ${port} --admin-port ${adminPort} --no-watch`;
  s.proc = startProcess(s.name, process.execPath, [entry, 'serve', '--config', configPath, '--port', String(port), '--admin-port', String(adminPort), '--no-watch'], { cpu: SERVER_CPU, cwd: ROOT, env });
  try {
    await waitForHttp(`http://127.0.0.1:${adminPort}/readyz`, { proc: s.proc, okStatus: 200 });
  } catch (err) {
    await stopProcess(s.proc);
    throw err;
  }
  s.origin = `http://127.0.0.1:${port}`;
}

async function installPortkey(run) {
  const dir = registerTempDir(mkdtempSync(join(tmpdir(), 'gatehouse-bench-portkey-')));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
  const args = ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', '@portkey-ai/gateway'];
  run.portkeyInstall = `npm ${args.join(' ').replace(dir, '$(mktemp -d)')}`;
  log(`installing Portkey: ${run.portkeyInstall}`);
  const npm = startProcess('npm-install-portkey', 'npm', args, { env });
  const timer = setTimeout(() => npm.child.kill('SIGKILL'), 180_000);
  const code = await npm.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`npm install exited ${code}: ${tailOf(npm, 200)}`);
  const pkgDir = join(dir, 'node_modules/@portkey-ai/gateway');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin ?? {})[0] ?? 'build/start-server.js';
  return { entry: join(pkgDir, bin), version: pkg.version, bin };
}

async function startPortkey(run, s) {
  const { v: installed, e: err } = await run.portkeyInstalled;
  if (err) {
    run.portkey = { status: `not installed (${oneLine(err.message)})` };
    throw new Error(run.portkey.status);
  }
  const port = await freePort();
  // As its README starts it (`npx @portkey-ai/gateway`), minus the console UI: --headless.
  s.command = `node <tmp>/node_modules/@portkey-ai/gateway/${installed.bin} --port=${port} --headless`;
  s.proc = startProcess(s.name, process.execPath, [installed.entry, `--port=${port}`, '--headless'], { cpu: SERVER_CPU });
  run.portkey = { version: installed.version, command: s.command, status: 'started' };
  await waitForHttp(`http://127.0.0.1:${port}/`, { proc: s.proc, okStatus: 200 });
  s.origin = `http://127.0.0.1:${port}`;
}

/** One plain and one streamed request, checked, so a broken peer is reported instead of timed. */
async function preflight(run, s) {
  const headers = { 'content-type': 'application/json', ...s.headers };
  const url = `${s.origin}/v1/chat/completions`;
  s.checks = {};
  // What the process logged while failing says why: keep its first error line.
  const logMark = s.proc?.mark();
  const logged = () => {
    if (!s.proc) return '';
    const text = s.proc.since(logMark).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    const line = text.split(/[\r\n]/).find((l) => /error/i.test(l));
    return line ? ` — its log: ${oneLine(line).slice(0, 140)}` : '';
  };
  try {
    const res = await fetch(url, { method: 'POST', headers, body: readFileSync(run.bodyFile), signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`status ${res.status}: ${text.slice(0, 160)}`);
    const content = JSON.parse(text)?.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || content.length === 0) throw new Error(`no answer text in ${text.slice(0, 160)}`);
    s.checks.plain = `ok (${text.length} B)`;
  } catch (err) {
    s.plainFailure = `plain request: ${oneLine(err.message)}${logged()}`;
  }
  try {
    const res = await fetch(url, { method: 'POST', headers, body: readFileSync(run.streamBodyFile), signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`status ${res.status}: ${text.slice(0, 160)}`);
    if (!text.endsWith('data: [DONE]\n\n')) throw new Error(`no data: [DONE] at the end: ...${JSON.stringify(text.slice(-80))}`);
    const events = text.split('\n\n').filter((e) => e.startsWith('data: ')).length - 1;
    if (!/"usage":\{"prompt_tokens"/.test(text.replace(/\s/g, ''))) throw new Error('no usage chunk although stream_options.include_usage was set');
    s.checks.stream = `ok (${events} chunks, ${text.length} B)`;
  } catch (err) {
    s.streamFailure = `streamed request: ${oneLine(err.message)}${logged()}`;
  }
  if (s.mcp && cfg.mcpLevels.length > 0) {
    try {
      s.mcpHeaders = await openMcpSession(`${s.origin}${s.mcp}`, s.headers ?? {});
      s.checks.mcp = 'ok (session open, tools/call answered)';
    } catch (err) {
      s.mcpFailure = `MCP tools/call: ${oneLine(err.message)}${logged()}`;
    }
  }
  if (s.plainFailure) log(`${s.name}: ${s.plainFailure}`);
  if (s.streamFailure) log(`${s.name}: ${s.streamFailure}`);
  if (s.mcpFailure) log(`${s.name}: ${s.mcpFailure}`);
}


// ---------------------------------------------------------------------------------------------
// Measuring

function headerLines(headers) {
  return Object.entries(headers ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n');
}

/**
 * From this many connections up, wrk holds each connection's first request for HOLD_MS, so that the
 * figures are the steady state and not the accept ramp (bench/wrk/chat.lua, bench/README.md).
 */
const HOLD_FROM_CONNECTIONS = 128;
const HOLD_MS = 500;

async function runWrk(run, s, conns, seconds, mcp = false) {
  const path = mcp ? s.mcp : '/v1/chat/completions';
  const env = {
    ...process.env,
    BENCH_BODY_FILE: mcp ? run.mcpBodyFile : run.bodyFile,
    BENCH_HEADERS: headerLines(mcp ? { ...s.headers, ...s.mcpHeaders } : s.headers),
    BENCH_PATH: path,
    BENCH_CONNECTIONS: String(conns),
    BENCH_HOLD_MS: conns >= HOLD_FROM_CONNECTIONS ? String(HOLD_MS) : '0',
  };
  const args = ['-t1', `-c${conns}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(BENCH, 'wrk/chat.lua'), `${s.origin}${path}`];
  return measured(s, async () => {
    const p = startProcess(`wrk ${s.name}`, 'wrk', args, { cpu: LOAD_CPU, env });
    await p.exited;
    const line = p.out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
    if (!line) throw new Error(`wrk printed no result: ${tailOf(p)}`);
    const r = JSON.parse(line.slice('BENCH_JSON '.length));
    const errs = r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;
    return {
      // The hold is idle time at the start of the run, not time the scenario had to serve requests.
      rps: r.requests / ((r.duration_us - (r.hold_us ?? 0)) / 1e6),
      p50: r.p50_us / 1000,
      p99: r.p99_us / 1000,
      requests: r.requests,
      errors: errs,
      errorSample: errs ? Object.entries(r.errors).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ') : undefined,
    };
  });
}

async function runStreamProbe(run, s, conns, durationMs) {
  const args = ['bench/stream-probe.mjs', '--url', s.origin, '--connections', String(conns), '--duration-ms', String(durationMs), '--body-file', run.streamBodyFile, '--headers', JSON.stringify(s.headers ?? {})];
  return measured(s, async () => {
    const p = startProcess(`probe ${s.name}`, process.execPath, args, { cpu: LOAD_CPU, cwd: ROOT });
    await p.exited;
    const line = p.out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
    if (!line) throw new Error(`stream probe printed no result: ${tailOf(p)}`);
    const r = JSON.parse(line.slice('BENCH_JSON '.length));
    return {
      sps: r.streams / r.seconds,
      ttfbP50: r.ttfb_p50_ms,
      ttfbP99: r.ttfb_p99_ms,
      totalP50: r.total_p50_ms,
      chunksPerS: r.chunks / r.seconds,
      chunks: r.chunks,
      streams: r.streams,
      errors: r.errors,
      errorSample: r.error_sample,
    };
  });
}

/** Runs `fn` with the proxy's CPU time read before and after, and its RSS sampled throughout. */
async function measured(s, fn) {
  const pid = s.proc?.pid;
  if (s.proc && s.proc.exitCode !== undefined) throw new Error(`${s.name} exited (${s.proc.exitCode}): ${tailOf(s.proc)}`);
  const cpu0 = pid ? cpuSeconds(pid) : undefined;
  const sampler = rssSampler(pid);
  const r = await fn();
  const rss = sampler.stop();
  if (s.proc && s.proc.exitCode !== undefined) throw new Error(`${s.name} exited (${s.proc.exitCode}) during the run: ${tailOf(s.proc)}`);
  return { ...r, cpuS: pid ? cpuSeconds(pid) - cpu0 : undefined, rss: pid ? rss : undefined };
}

async function measure(run) {
  const { scenarios, failures } = run;
  const plainOk = (s) => !failures[s.name] && !s.plainFailure;
  const streamOk = (s) => !failures[s.name] && !s.streamFailure;
  const mcpOk = (s) => s.mcp !== undefined && !failures[s.name] && !s.mcpFailure && cfg.mcpLevels.length > 0;
  const raw = { plain: {}, stream: {}, mcp: {} };
  const push = (mode, c, name, r) => ((raw[mode][c] ??= {})[name] ??= []).push(r);
  const guard = async (s, mode, fn) => {
    try {
      return await fn();
    } catch (err) {
      const why = oneLine(err.message);
      if (mode === 'plain') s.plainFailure = why;
      else if (mode === 'mcp') s.mcpFailure = why;
      else s.streamFailure = why;
      log(`${s.name} (${mode}): ${why}`);
    }
  };

  const cpuStat0 = cpuStat();
  const est = estimateSeconds(run);
  log(`measuring ${scenarios.map((s) => s.name).join(', ')}: ${cfg.rounds} round(s), plain at ${cfg.levels.join('/')} conns for ${cfg.duration} s, streaming at ${cfg.streamLevels.join('/')} conns for ${cfg.streamDurationMs / 1000} s (about ${Math.ceil(est / 60)} min)`);
  const busiest = busiestWarmup();
  for (const s of scenarios) {
    if (plainOk(s)) await guard(s, 'plain', () => runWrk(run, s, 32, cfg.warmup));
    if (plainOk(s) && busiest !== undefined) await guard(s, 'plain', () => runWrk(run, s, busiest, cfg.warmup));
    if (streamOk(s)) await guard(s, 'stream', () => runStreamProbe(run, s, 32, cfg.streamWarmupMs));
    if (mcpOk(s)) await guard(s, 'mcp', () => runWrk(run, s, 32, cfg.warmup, true));
  }
  for (let round = 0; round < cfg.rounds; round++) {
    const order = round % 2 === 0 ? scenarios : [...scenarios].reverse();
    log(`round ${round + 1}/${cfg.rounds}: ${order.map((s) => s.name).join(' → ')}`);
    for (const c of cfg.levels)
      for (const s of order)
        if (plainOk(s)) {
          const r = await guard(s, 'plain', () => runWrk(run, s, c, cfg.duration));
          if (r) push('plain', c, s.name, r);
        }
    for (const c of cfg.streamLevels)
      for (const s of order)
        if (streamOk(s)) {
          const r = await guard(s, 'stream', () => runStreamProbe(run, s, c, cfg.streamDurationMs));
          if (r) push('stream', c, s.name, r);
        }
    for (const c of cfg.mcpLevels)
      for (const s of order)
        if (mcpOk(s)) {
          const r = await guard(s, 'mcp', () => runWrk(run, s, c, cfg.duration, true));
          if (r) push('mcp', c, s.name, r);
        }
  }

  run.steal = stealShares(cpuStat0, cpuStat());
  const plain = {};
  const stream = {};
  for (const c of cfg.levels) for (const s of scenarios) (plain[c] ??= {})[s.name] = aggregatePlain(raw.plain[c]?.[s.name]);
  for (const c of cfg.streamLevels) for (const s of scenarios) (stream[c] ??= {})[s.name] = aggregateStream(raw.stream[c]?.[s.name]);
  const mcpScenarios = scenarios.filter((s) => s.mcp !== undefined);
  const mcp = {};
  for (const c of cfg.mcpLevels) for (const s of mcpScenarios) (mcp[c] ??= {})[s.name] = aggregatePlain(raw.mcp[c]?.[s.name]);
  const mcpFailures = Object.fromEntries(mcpScenarios.map((s) => [s.name, failures[s.name] ?? s.mcpFailure]).filter(([, v]) => v));
  const plainFailures = Object.fromEntries(scenarios.map((s) => [s.name, failures[s.name] ?? s.plainFailure]).filter(([, v]) => v));
  const streamFailures = Object.fromEntries(scenarios.map((s) => [s.name, failures[s.name] ?? s.streamFailure]).filter(([, v]) => v));
  const verdicts = targets({ plain, stream, failures: { ...streamFailures, ...plainFailures } });
  const resultsFile = join(BENCH, 'RESULTS.md');
  const host = opt.quick ? undefined : hostLine(plain, existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '');

  const md = [
    `## ${run.startedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC — ${opt.quick ? 'quick' : 'full'} run`,
    '',
    ...describeRun(run),
    '',
    `### Plain (non-streamed) chat completions — wrk, ${cfg.duration} s × ${cfg.rounds} round(s), median over rounds`,
    '',
    plainTable(cfg.levels, scenarios, plain, plainFailures),
    ...failureNotes(plainFailures),
    '',
    `### Streamed chat completions — stream probe, ${cfg.streamDurationMs / 1000} s × ${cfg.rounds} round(s), median over rounds`,
    '',
    streamTable(cfg.streamLevels, scenarios, stream, streamFailures),
    ...failureNotes(streamFailures),
    '',
    ...(cfg.mcpLevels.length === 0
      ? []
      : [
          `### MCP tools/call — wrk, ${cfg.duration} s × ${cfg.rounds} round(s), median over rounds`,
          '',
          'One session per scenario, opened as an agent does; every request is a `tools/call` of the mock MCP server\'s one tool (~1 KB of text back). Gatehouse scenarios serve it at `/mcp/bench`, with the same policies on the endpoint as on their models.',
          '',
          plainTable(cfg.mcpLevels, mcpScenarios, mcp, mcpFailures),
          ...failureNotes(mcpFailures),
          '',
        ]),
    '### Targets (from this run)',
    '',
    targetLines(verdicts),
    ...(host === undefined ? [] : [host]),
    '',
  ].join('\n');
  publish(md);
  return 0;
}

/** Prints a result table and, unless --no-results, appends it to bench/RESULTS.md. */
function publish(md) {
  console.log('\n' + md);
  if (!opt['no-results']) {
    appendFileSync(join(BENCH, 'RESULTS.md'), '\n' + md);
    log('appended to bench/RESULTS.md');
  }
}

function failureNotes(failures) {
  const entries = Object.entries(failures);
  return entries.length ? ['', ...entries.map(([name, why]) => `- **${name}** failed: ${why}`)] : [];
}

/** Per-core jiffies from /proc/stat: { cpu0: { steal, total }, ... } */
function cpuStat() {
  const out = {};
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^(cpu\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2].split(/\s+/).map(Number);
    out[m[1]] = { steal: v[7] ?? 0, total: v.slice(0, 8).reduce((a, b) => a + b, 0) };
  }
  return out;
}

function stealShares(a, b) {
  return Object.keys(b)
    .filter((k) => a[k])
    .map((k) => `${k} ${((100 * (b[k].steal - a[k].steal)) / Math.max(1, b[k].total - a[k].total)).toFixed(1)}%`)
    .join(', ');
}

/**
 * The plain level above 32 that also gets a warm-up (the highest), if any: the heap grows to what
 * 256 requests in flight need, and a freshly started production set measured p99 278, 124, 75 and
 * 74 ms in its first four 5 s runs there.
 */
function busiestWarmup() {
  const busiest = Math.max(...cfg.levels);
  return busiest > 32 ? busiest : undefined;
}

function estimateSeconds(run) {
  const n = run.scenarios.length;
  const m = cfg.mcpLevels.length === 0 ? 0 : run.scenarios.filter((s) => s.mcp !== undefined).length;
  return (
    n * ((busiestWarmup() === undefined ? 1 : 2) * cfg.warmup + cfg.streamWarmupMs / 1000) +
    m * cfg.warmup +
    cfg.rounds * (n * (cfg.levels.length * (cfg.duration + 0.3) + cfg.streamLevels.length * (cfg.streamDurationMs / 1000 + 0.4)) + m * cfg.mcpLevels.length * (cfg.duration + 0.3))
  );
}

function describeRun(run) {
  const git = (...a) => {
    try {
      return execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const commit = (git('rev-parse', '--short', 'HEAD') || 'unknown') + (git('status', '--porcelain') ? '+dirty' : '');
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  let wrkVersion = 'wrk';
  try {
    execFileSync('wrk', ['-v'], { encoding: 'utf8' });
  } catch (err) {
    wrkVersion = /wrk [^\s]+/.exec(String(err.stdout ?? ''))?.[0] ?? 'wrk';
  }
  const distBuilt = new Date(statSync(join(ROOT, 'dist/cli/index.js')).mtimeMs).toISOString().slice(0, 16).replace('T', ' ');
  const argv = process.argv.slice(2).join(' ');
  const pins = [`runner, wrk, stream probe: core ${LOAD_CPU} (taskset -c ${LOAD_CPU})`, `mock ${cpusAllowed(run.mock.pid)}`];
  for (const s of run.scenarios) if (s.proc) pins.push(`${s.name} ${s.cpus}`);
  const lines = [
    `- command: \`npm run bench${argv ? ` -- ${argv}` : ''}\``,
    `- machine: nproc ${cpus().length}, ${cpuModel}, node ${process.version}, ${wrkVersion}`,
    `- commit: ${commit} (dist/ built ${distBuilt} UTC)`,
    ...(run.steal ? [`- CPU steal while measuring (the VM's neighbours): ${run.steal}`] : []),
    `- pinning: ${pins[0]}; mock upstream and proxies: core ${SERVER_CPU} (taskset -c ${SERVER_CPU}); Cpus_allowed_list read back: ${pins.slice(1).join(', ')}`,
    `- mock: ~1 KB JSON answer; SSE ${opt.chunks} content chunks + role, finish and usage chunks + [DONE], each its own write; latency ${opt['latency-ms']} ms; request body ${readFileSync(run.bodyFile).length} B`,
  ];
  if (run.portkey) {
    lines.push(
      run.portkey.version
        ? `- portkey: @portkey-ai/gateway ${run.portkey.version}, installed by \`${run.portkeyInstall}\`, started \`${run.portkey.command}\`, headers \`x-portkey-provider: openai\`, \`x-portkey-custom-host: ${run.upstream}\``
        : `- portkey: ${run.portkey.status}`,
    );
  }
  const idle = run.scenarios.filter((s) => s.idleRss !== undefined).map((s) => `${s.name} ${s.idleRss.toFixed(0)} MB`);
  if (idle.length) lines.push(`- RSS just after start (idle): ${idle.join(', ')}`);
  lines.push(`- scenarios: ${run.scenarios.map((s) => `**${s.name}** (${s.what})`).join('; ')}`);
  lines.push('- CPU µs/req and RSS are the proxy process’s own (utime+stime from /proc/PID/stat over the measured run ÷ requests; largest VmRSS sample); none for direct. Ratios ÷bare and ÷direct are this row ÷ that scenario’s row at the same connection count.');
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Soak: a fixed rate for minutes, RSS every 10 s

async function soak(run) {
  const s = run.scenarios[0];
  if (run.failures[s.name] || s.plainFailure) throw new Error(`${s.name} cannot be soaked: ${run.failures[s.name] ?? s.plainFailure}`);
  const rate = Number(opt.rate);
  const warm = Number(opt['soak-warmup']);
  const total = warm + Number(opt['soak-seconds']);
  const pacedArgs = (target, seconds, warmup) => ['bench/paced-client.mjs', '--url', target.origin, '--rate', String(rate), '--duration-s', String(seconds), '--warmup-s', String(warmup), '--window-s', '10', '--body-file', run.bodyFile, '--headers', JSON.stringify(target.headers ?? {})];
  // The reference: the same open-loop load straight to the mock, so the p99 the gateway adds is measured, not assumed.
  const directTarget = run.scenarios.find((x) => x.name === 'direct' && x !== s);
  let direct;
  if (directTarget !== undefined) {
    const seconds = Number(opt['soak-direct']);
    const directWarm = Math.min(10, Math.floor(seconds / 3));
    log(`soak: reference run straight to the mock at ${rate} req/s for ${seconds} s (${directWarm} s warm-up)`);
    const ref = startProcess('paced-client', process.execPath, pacedArgs(directTarget, seconds, directWarm), { cpu: LOAD_CPU, cwd: ROOT });
    ref.onLine((line) => {
      try {
        const j = JSON.parse(line);
        if (j.summary) direct = j.summary;
      } catch {
        // not a JSON line
      }
    });
    await ref.exited;
    if (!direct) throw new Error(`the reference paced client printed no summary: ${tailOf(ref)}`);
    // Started afresh: idle through the reference run, V8's memory reducer would have shrunk its heap
    // (92 vs 118 MB), and the soak would count the heap growing back as growth after the warm-up.
    if (s.proc !== undefined) {
      log(`soak: restarting ${s.name} so that it starts the soak as it starts in production, not after a minute idle`);
      await stopProcess(s.proc);
      await startTarget(run, s);
    }
  }
  log(`soak: ${s.name} at ${rate} req/s for ${total} s (${warm} s warm-up), paced client on core ${LOAD_CPU}`);
  const args = pacedArgs(s, total, warm);
  const pid = s.proc?.pid;
  const samples = [{ t: 0, rss: pid ? rssMb(pid) : undefined }];
  const windows = [];
  const cpu0 = pid ? cpuSeconds(pid) : undefined;
  const client = startProcess('paced-client', process.execPath, args, { cpu: LOAD_CPU, cwd: ROOT });
  let summary;
  client.onLine((line) => {
    let j;
    try {
      j = JSON.parse(line);
    } catch {
      return;
    }
    if (j.window) {
      const rss = pid ? rssMb(pid) : undefined;
      samples.push({ t: j.t_s, rss });
      windows.push(j);
      log(`t=${String(j.t_s).padStart(3)} s  done ${j.done}  errors ${j.errors}  p50 ${j.p50_ms?.toFixed(2)} ms  p99 ${j.p99_ms?.toFixed(2)} ms  RSS ${rss?.toFixed(1) ?? '—'} MB`);
    }
    if (j.summary) summary = j.summary;
  });
  await client.exited;
  if (!summary) throw new Error(`paced client printed no summary: ${tailOf(client)}`);
  const cpuUs = pid && summary.sent ? ((cpuSeconds(pid) - cpu0) / summary.sent) * 1e6 : undefined;
  const afterWarm = samples.find((x) => x.t >= warm) ?? samples[0];
  const last = samples[samples.length - 1];
  const maxRss = Math.max(...samples.map((x) => x.rss ?? 0));
  const growth = last.rss - afterWarm.rss;
  const midRss = samples.find((x) => x.t >= warm + (last.t - warm) / 2) ?? last;
  const p99Limit = opt['soak-p99-ms'] ? Number(opt['soak-p99-ms']) : undefined;
  const growthLimit = opt['soak-growth-mb'] ? Number(opt['soak-growth-mb']) : undefined;
  const verdict = (pass) => (pass === undefined ? 'INFO' : pass ? 'PASS' : 'FAIL');
  const md = [
    `## ${run.startedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC — soak`,
    '',
    ...describeRun(run),
    '',
    `Paced (open-loop) client: ${rate} req/s for ${total} s; latency timed from each request's scheduled send time; figures after the ${warm} s warm-up.`,
    '',
    '| t (s) | RSS MB | done | errors | p50 ms | p99 ms |',
    '|---:|---:|---:|---:|---:|---:|',
    ...windows.map((w, i) => `| ${w.t_s} | ${samples[i + 1].rss?.toFixed(1) ?? '—'} | ${w.done} | ${w.errors} | ${w.p50_ms?.toFixed(2) ?? '—'} | ${w.p99_ms?.toFixed(2) ?? '—'} |`),
    '',
    `- sent ${summary.sent}, measured ${summary.measured}, errors ${summary.errors}${summary.error_sample ? ` (${summary.error_sample})` : ''}; CPU ${cpuUs?.toFixed(0) ?? '—'} µs/req; the client's own send lag p99 ${summary.send_lag_p99_ms?.toFixed(2)} ms (part of every latency below)`,
    `- ${verdict(p99Limit === undefined ? undefined : summary.p99_ms <= p99Limit)}  p99 at ${rate} req/s: ${summary.p99_ms?.toFixed(2)} ms (p50 ${summary.p50_ms?.toFixed(2)}, p99.9 ${summary.p999_ms?.toFixed(2)}, max ${summary.max_ms?.toFixed(2)})${p99Limit !== undefined ? ` — limit ${p99Limit} ms` : ''}`,
    ...(direct === undefined
      ? []
      : [
          `- ${verdict(summary.p99_ms - direct.p99_ms <= 2)}  p99 overhead ≤ 2 ms at ${rate} req/s: ${summary.p99_ms?.toFixed(2)} − ${direct.p99_ms?.toFixed(2)} ms straight to the mock (${opt['soak-direct']} s reference run before the soak, p50 ${direct.p50_ms?.toFixed(2)} ms, ${direct.errors} errors) = ${(summary.p99_ms - direct.p99_ms).toFixed(2)} ms`,
        ]),
    `- ${verdict(growthLimit === undefined ? undefined : growth <= growthLimit)}  RSS growth after warm-up: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB (${afterWarm.rss?.toFixed(1)} MB at ${afterWarm.t} s → ${last.rss?.toFixed(1)} MB at ${last.t} s)${growthLimit !== undefined ? ` — limit ${growthLimit} MB` : ''}`,
    `- ${verdict(growth <= afterWarm.rss * 0.1)}  flat: RSS growth after warm-up under 10 % (${((growth / afterWarm.rss) * 100).toFixed(1)} %)`,
    // Where the heap settles later than the warm-up ends, the second half says whether it still grows.
    `- INFO  RSS over the second half of the measured time: ${midRss.rss?.toFixed(1)} MB at ${midRss.t} s → ${last.rss?.toFixed(1)} MB at ${last.t} s (${last.rss - midRss.rss >= 0 ? '+' : ''}${(((last.rss - midRss.rss) / midRss.rss) * 100).toFixed(1)} %)`,
    `- ${verdict(maxRss <= 150)}  RSS ≤ 150 MB: largest sample ${maxRss.toFixed(1)} MB`,
    '',
  ].join('\n');
  publish(md);
  return 0;
}
