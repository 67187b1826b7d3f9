#!/usr/bin/env node
// `npm run bench:profile`: where one proxy spends its CPU under the bench's plain load. Starts the
// mock upstream and one target (bare-proxy or a Gatehouse scenario) pinned to core 1 with
// `node --cpu-prof`, drives it with wrk from core 0, stops it so the profile is written, and prints
// self time per function and per category in µs per request (sampled time ÷ requests served).
//
//   npm run bench:profile -- --scenario gatehouse            no policies (default)
//   npm run bench:profile -- --scenario gatehouse-prod --top 40
//   npm run bench:profile -- --scenario bare-proxy           the floor, for comparison
//   npm run bench:profile -- --stream                        streamed answers (the stream probe) instead of wrk
//   npm run bench:profile -- --mcp                           MCP tools/call (the scenario's MCP endpoint) instead
//   npm run bench:profile -- --keep DIR                      keep the .cpuprofile (open it in Chrome DevTools)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chatRequest } from './lib/payloads.mjs';
import { MCP_CALL, openMcpSession } from './lib/mcp-session.mjs';
import { freePort, installExitHandlers, registerTempDir, startProcess, stopAll, stopProcess, tailOf, waitForHttp } from './lib/processes.mjs';
import { SCENARIOS } from './scenarios.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const HELP = `usage: npm run bench:profile -- [options]
  --scenario NAME     bare-proxy, or a gatehouse scenario of bench/scenarios.mjs (default gatehouse)
  --connections N     wrk connections (default 32)
  --duration S        seconds of load (default 8), after --warmup S (default 3); the profile and
                      the µs/req cover both
  --stream            streamed requests through bench/stream-probe.mjs (µs per stream) instead of wrk
  --mcp               MCP tools/call on the scenario's MCP endpoint (an open session), with wrk
  --top N             functions listed (default 30)
  --interval US       sampling interval in µs (default 100)
  --keep DIR          copy the .cpuprofile into DIR`;

const { values: opt } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'gatehouse' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '3' },
    top: { type: 'string', default: '30' },
    interval: { type: 'string', default: '100' },
    keep: { type: 'string' },
    stream: { type: 'boolean', default: false },
    mcp: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  console.log(HELP);
  process.exit(0);
}

installExitHandlers();
main().then(
  async () => {
    await stopAll();
    process.exit(0);
  },
  async (err) => {
    console.error(`profile: ${err?.stack ?? err}`);
    await stopAll();
    process.exit(1);
  },
);

async function main() {
  const scenario = SCENARIOS.find((s) => s.name === opt.scenario);
  if (!scenario || (scenario.target !== 'gatehouse' && scenario.target !== 'bare-proxy')) {
    throw new Error(`--scenario must be bare-proxy or a gatehouse scenario: ${SCENARIOS.filter((s) => s.target === 'gatehouse').map((s) => s.name).join(', ')}`);
  }
  try {
    execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
  } catch {}
  const work = registerTempDir(mkdtempSync(join(tmpdir(), 'gatehouse-profile-')));
  const profDir = join(work, 'prof');
  mkdirSync(profDir);
  const bodyFile = join(work, 'chat.json');
  writeFileSync(bodyFile, opt.mcp ? MCP_CALL : chatRequest({ stream: opt.stream }));

  const mock = await ownServer('mock', ['bench/mock-upstream.mjs']);
  const prof = ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', opt.interval];
  let target;
  let origin;
  if (scenario.target === 'bare-proxy') {
    target = await ownServer('bare-proxy', [...prof, 'bench/bare-proxy.mjs', '--upstream', mock.origin]);
    origin = target.origin;
  } else {
    const port = await freePort();
    const adminPort = await freePort();
    const env = { ...process.env, BENCH_UPSTREAM: `${mock.origin}/v1`, BENCH_MCP_UPSTREAM: `${mock.origin}/mcp` };
    delete env.GATEHOUSE_LOG_LEVEL;
    target = startProcess(scenario.name, process.execPath, [...prof, 'dist/cli/index.js', 'serve', '--config', join(BENCH, 'configs', scenario.config), '--port', String(port), '--admin-port', String(adminPort), '--no-watch'], { cpu: 1, cwd: ROOT, env });
    await waitForHttp(`http://127.0.0.1:${adminPort}/readyz`, { proc: target, okStatus: 200 });
    origin = `http://127.0.0.1:${port}`;
  }
  const path = opt.mcp ? scenario.mcp : '/v1/chat/completions';
  if (path === undefined) throw new Error(`${scenario.name} has no MCP endpoint (bench/scenarios.mjs)`);
  const mcpHeaders = opt.mcp ? await openMcpSession(`${origin}${path}`, scenario.headers ?? {}) : {};
  const headers = Object.entries({ ...scenario.headers, ...mcpHeaders }).map(([k, v]) => `${k}: ${v}`).join('\n');
  const wrk = async (seconds) => {
    const p = startProcess('wrk', 'wrk', ['-t1', `-c${opt.connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(BENCH, 'wrk/chat.lua'), `${origin}${path}`], {
      cpu: 0,
      env: { ...process.env, BENCH_BODY_FILE: bodyFile, BENCH_HEADERS: headers, BENCH_PATH: path },
    });
    await p.exited;
    const line = p.out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
    if (!line) throw new Error(`wrk printed no result: ${tailOf(p)}`);
    return JSON.parse(line.slice('BENCH_JSON '.length));
  };
  const probe = async (seconds) => {
    const args = ['bench/stream-probe.mjs', '--url', origin, '--connections', opt.connections, '--duration-ms', String(1000 * seconds), '--body-file', bodyFile, '--headers', JSON.stringify(scenario.headers ?? {})];
    const p = startProcess('probe', process.execPath, args, { cpu: 0, cwd: ROOT });
    await p.exited;
    const line = p.out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
    if (!line) throw new Error(`stream probe printed no result: ${tailOf(p)}`);
    const r = JSON.parse(line.slice('BENCH_JSON '.length));
    return { requests: r.streams, errors: { failed: r.errors } };
  };
  const load = opt.stream ? probe : wrk;
  const warm = await load(Number(opt.warmup));
  const run = await load(Number(opt.duration));
  const failed = Object.values(run.errors).reduce((a, b) => a + b, 0);
  await stopProcess(target, 10_000);
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile was written: ${tailOf(target)}`);
  if (opt.keep) {
    mkdirSync(opt.keep, { recursive: true });
    writeFileSync(join(opt.keep, `${scenario.name}.cpuprofile`), readFileSync(join(profDir, file)));
  }
  const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
  report(scenario.name, profile, warm.requests + run.requests, failed);
}

async function ownServer(name, args) {
  const proc = startProcess(name, process.execPath, args, { cpu: 1, cwd: ROOT });
  const port = await new Promise((resolve, reject) => {
    proc.onLine((line) => {
      try {
        const p = JSON.parse(line).listening;
        if (p) resolve(p);
      } catch {}
    });
    void proc.exited.then((code) => reject(new Error(`${name} exited (${code}): ${tailOf(proc)}`)));
  });
  return Object.assign(proc, { origin: `http://127.0.0.1:${port}` });
}

/** Where a frame's code lives, for the category table. */
function category(frame) {
  const { functionName: fn, url } = frame;
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'native (program)';
  if (url.includes('/dist/') && !url.includes('node_modules')) return 'gatehouse (dist/)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm: ${pkg[1]}`;
  if (url.startsWith('node:')) return 'node: internals';
  if (url === '') return 'native (builtins)';
  return 'other';
}

function label(frame) {
  const url = frame.url.replace(/^file:\/\//, '').replace(ROOT + '/', '');
  const where = url === '' ? '' : ` ${url.replace(/^.*node_modules\//, '')}:${frame.lineNumber + 1}`;
  return `${frame.functionName || '(anonymous)'}${where}`;
}

function report(name, profile, requests, failed) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map();
  const byCat = new Map();
  for (const [id, us] of self) {
    const frame = byId.get(id).callFrame;
    const key = label(frame);
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const c = category(frame);
    byCat.set(c, (byCat.get(c) ?? 0) + us);
  }
  const per = (us) => (us / requests).toFixed(1).padStart(7);
  const busy = total - (byCat.get('idle') ?? 0);
  const unit = opt.stream ? 'stream' : 'req';
  console.log(`\n## ${name}: ${requests} ${opt.stream ? 'streams' : 'requests'}${failed ? ` (${failed} failed)` : ''} at ${opt.connections} connections; sampled busy time ${per(busy).trim()} µs/${unit} (figures below per ${unit})\n`);
  console.log('µs/req  share  category');
  for (const [c, us] of [...byCat].sort((a, b) => b[1] - a[1])) console.log(`${per(us)} ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${c}`);
  console.log(`\nµs/req  share  function (self time, top ${opt.top})`);
  const top = [...byFn].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top));
  for (const [k, us] of top) console.log(`${per(us)} ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${k}`);
}
