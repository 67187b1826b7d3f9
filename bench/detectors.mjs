#!/usr/bin/env node
// `npm run bench:detectors` (or `npm run bench -- --detectors`): the detectors alone, no network.
//  1. µs per call of detectEntities and scoreInjection, separately and together, on a 4 KB prompt
//     with and without PII/secrets, on short slots (50–200 characters) and on the load bench's
//     4-slot chat request: p50/p99 over many timed calls after a warm-up, median over rounds.
//     Together ("both") is what the production set does: the text scored first, and what the
//     classifier read of it (its text facts) handed to detectEntities.
//  2. `gatehouse scan` (the built CLI) throughput in MB/s on a generated JSON Lines file (≥ 50 MB,
//     deterministic seed, mixed content), in --mode prompt and data.
// --against DIR measures another build's dist/ in the same run (ratios, not figures from two runs).
// See bench/README.md ("Detectors").
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { makeRandom, prose, shortSlots, writeScanFile } from './lib/detector-inputs.mjs';
import { chatRequest } from './lib/payloads.mjs';
import { installExitHandlers, registerTempDir } from './lib/processes.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const CPU = 1; // the core the servers get in bench/run.mjs; here, the detectors and the scan CLI

const HELP = `usage: npm run bench:detectors -- [options]
  --quick             1 round, 400 calls per case, a 50 MB scan file scanned once per mode
  --rounds N          rounds of the per-call cases, case order reversed every other round (default 5)
  --iterations N      timed calls per case and round (default 2000; short slots: 5× as many)
  --warmup N          untimed calls per case before round 1 (default 500)
  --scan-mb N         size of the generated JSON Lines file in MB (default 64, at least 50)
  --scan-runs N       scans per mode (default 3; the median is reported)
  --no-scan           per-call cases only
  --against DIR       also measure the build in DIR (a dist/ folder whose package can resolve
                      node_modules), in the same run: a before/after comparison
  --build             run \`npm run build\` first (by default dist/ is used as it is)
  --no-results        do not append to bench/RESULTS.md`;

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    iterations: { type: 'string' },
    warmup: { type: 'string' },
    'scan-mb': { type: 'string' },
    'scan-runs': { type: 'string' },
    'no-scan': { type: 'boolean', default: false },
    against: { type: 'string' },
    build: { type: 'boolean', default: false },
    'no-results': { type: 'boolean', default: false },
    detectors: { type: 'boolean', default: false }, // passed through by `npm run bench -- --detectors`
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  console.log(HELP);
  process.exit(0);
}
const cfg = {
  rounds: Number(opt.rounds ?? (opt.quick ? 1 : 5)),
  iterations: Number(opt.iterations ?? (opt.quick ? 400 : 2000)),
  warmup: Number(opt.warmup ?? (opt.quick ? 200 : 500)),
  scanMb: Math.max(50, Number(opt['scan-mb'] ?? (opt.quick ? 50 : 64))),
  scanRuns: Number(opt['scan-runs'] ?? (opt.quick ? 1 : 3)),
};
const SEED = 0x6a7e;
const log = (...a) => console.error('bench:', ...a);

installExitHandlers();
main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench: ${err?.stack ?? err}`);
    process.exit(1);
  },
);

async function main() {
  const startedAt = new Date();
  if (opt.build) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const builds = [{ name: 'dist', dir: join(ROOT, 'dist') }];
  if (opt.against) builds.push({ name: 'against', dir: resolve(opt.against) });
  for (const b of builds) {
    if (!existsSync(join(b.dir, 'detect/index.js'))) throw new Error(`${b.dir}/detect/index.js is missing: run \`npm run build\` (or pass --build)`);
    b.detect = await import(pathToFileURL(join(b.dir, 'detect/index.js')).href);
  }
  warnIfStale();
  pin();
  // The seeded PRNG and the token checksum are the project's own (dist/), so the bench's inputs
  // are what the tests' generators make.
  const { prng } = await import(pathToFileURL(join(ROOT, 'dist/llm/providers/simulated/generate.js')).href);
  const checksum = await import(pathToFileURL(join(ROOT, 'dist/detect/secrets/checksum.js')).href);
  const inputs = makeInputs(makeRandom(prng, SEED), checksum);

  const perCall = measurePerCall(builds, inputs);
  let scan;
  if (!opt['no-scan']) scan = await measureScan(builds, prng, checksum);

  const md = report({ startedAt, builds, inputs, perCall, scan });
  console.log('\n' + md);
  if (!opt['no-results']) {
    appendFileSync(join(BENCH, 'RESULTS.md'), '\n' + md);
    log('appended to bench/RESULTS.md');
  }
  return 0;
}

function warnIfStale() {
  const newest = (dir) => {
    let t = 0;
    for (const e of execFileSync('find', [dir, '-type', 'f', '-newer', join(ROOT, 'dist/detect/index.js')], { encoding: 'utf8' }).split('\n')) if (e) t++;
    return t;
  };
  try {
    if (newest(join(ROOT, 'src')) > 0) log('warning: src/ has files newer than dist/: the detectors measured are the last build (use --build)');
  } catch {}
}

/** Pins this process to one core, so the measured code is not moved between cores mid-call. */
function pin() {
  if (cpus().length < 2) return;
  try {
    execFileSync('taskset', ['-a', '-cp', String(CPU), String(process.pid)], { stdio: 'ignore' });
  } catch {
    log(`could not pin to core ${CPU} (taskset failed)`);
  }
}

function makeInputs(rnd, checksum) {
  const chat = JSON.parse(chatRequest()).messages.map((m) => m.content);
  return {
    clean4k: prose(rnd, 4096),
    sensitive4k: prose(rnd, 4096, { sensitive: true, checksum }),
    short: shortSlots(rnd, 64, checksum),
    chat,
  };
}

// ---------------------------------------------------------------------------------------------
// Per call

function cases(inputs) {
  return [
    { name: '4 KB prompt, plain prose', unit: 'call', each: [inputs.clean4k], factor: 1 },
    { name: '4 KB prompt with PII and secrets', unit: 'call', each: [inputs.sensitive4k], factor: 1 },
    { name: 'short slot (50–200 chars)', unit: 'call', each: inputs.short, factor: 5 },
    { name: '4-slot chat request (bench/lib/payloads.mjs)', unit: 'request', each: [inputs.chat], factor: 1, slots: true },
  ];
}

const FNS = {
  detectEntities: (d) => (t) => d.detectEntities(t).length,
  scoreInjection: (d) => (t) => d.scoreInjection(t, 'prompt').score,
  both: (d) => (t) => {
    const injection = d.scoreInjection(t, 'prompt');
    return d.detectEntities(t, injection.facts).length + injection.score;
  },
};

function measurePerCall(builds, inputs) {
  const jobs = [];
  for (const c of cases(inputs))
    for (const [fname, make] of Object.entries(FNS))
      for (const b of builds) {
        const f = make(b.detect);
        const call = c.slots ? (slots) => slots.reduce((s, t) => s + f(t), 0) : f;
        jobs.push({ c, fname, build: b.name, call, p50: [], p99: [], mean: [] });
      }
  const n = (job) => cfg.iterations * job.c.factor;
  log(`per call: ${jobs.length} cases × ${cfg.rounds} round(s) × ${cfg.iterations}+ calls after ${cfg.warmup} warm-up calls each`);
  let sink = 0;
  for (const job of jobs) for (let i = 0; i < cfg.warmup; i++) sink += job.call(job.c.each[i % job.c.each.length]);
  for (let round = 0; round < cfg.rounds; round++) {
    const order = round % 2 === 0 ? jobs : [...jobs].reverse();
    for (const job of order) {
      const times = new Float64Array(n(job));
      const each = job.c.each;
      for (let i = 0; i < times.length; i++) {
        const input = each[i % each.length];
        const t0 = performance.now();
        sink += job.call(input);
        times[i] = performance.now() - t0;
      }
      times.sort();
      job.p50.push(1000 * times[Math.floor(0.5 * times.length)]);
      job.p99.push(1000 * times[Math.floor(0.99 * times.length)]);
      job.mean.push((1000 * times.reduce((a, b) => a + b, 0)) / times.length);
    }
    log(`round ${round + 1}/${cfg.rounds} done`);
  }
  if (sink === 42.4242) log('');
  return jobs.map((j) => ({ name: j.c.name, unit: j.c.unit, fname: j.fname, build: j.build, p50: median(j.p50), p99: median(j.p99), mean: median(j.mean) }));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---------------------------------------------------------------------------------------------
// `gatehouse scan`

async function measureScan(builds, prng, checksum) {
  const work = registerTempDir(mkdtempSync(join(tmpdir(), 'gatehouse-bench-scan-')));
  const file = join(work, 'scan.jsonl');
  const t0 = performance.now();
  const { bytes, lines } = await writeScanFile(file, cfg.scanMb * 1e6, makeRandom(prng, SEED + 1), checksum);
  log(`scan: generated ${(bytes / 1e6).toFixed(1)} MB, ${lines} lines in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const runs = [];
  for (const b of builds) for (const mode of ['prompt', 'data']) runs.push({ build: b.name, cli: join(b.dir, 'cli/index.js'), mode, seconds: [], cpu: [] });
  for (let i = 0; i < cfg.scanRuns; i++) {
    for (const r of i % 2 === 0 ? runs : [...runs].reverse()) {
      const res = await scanOnce(r.cli, r.mode, file, join(work, 'out.jsonl'), lines);
      r.seconds.push(res.seconds);
      r.cpu.push(res.cpuSeconds);
      log(`scan ${r.build} --mode ${r.mode}: ${(bytes / 1e6 / res.seconds).toFixed(2)} MB/s`);
    }
  }
  return { bytes, lines, runs: runs.map((r) => ({ ...r, seconds: median(r.seconds), cpuSeconds: median(r.cpu) })) };
}

/** One `node CLI scan --mode M FILE > out`, pinned; checks one output line per input line and no errors. */
function scanOnce(cli, mode, file, outFile, expectLines) {
  return new Promise((resolvePromise, reject) => {
    const fd = openSync(outFile, 'w');
    const argv = ['taskset', '-c', String(CPU), process.execPath, cli, 'scan', '--mode', mode, file];
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd, 'pipe'], cwd: ROOT, env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'silent' } });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (s) => (err = (err + s).slice(-2000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      closeSync(fd);
      const cpuSeconds = childCpuSeconds();
      if (code !== 0) return reject(new Error(`scan --mode ${mode} exited ${code}: ${err.trim().slice(-300)}`));
      const out = readFileSync(outFile, 'utf8');
      let n = 0;
      for (let i = out.indexOf('\n'); i !== -1; i = out.indexOf('\n', i + 1)) n++;
      if (n !== expectLines) return reject(new Error(`scan --mode ${mode}: ${n} output lines for ${expectLines} input lines`));
      if (out.includes('{"error"')) return reject(new Error(`scan --mode ${mode}: error lines in the output`));
      resolvePromise({ seconds, cpuSeconds });
    });
  });
}

let lastChildCpu = 0;
/** user+system CPU of the children that ended since the last call (process.resourceUsage has no children; /proc/self/stat has). */
function childCpuSeconds() {
  const f = readFileSync('/proc/self/stat', 'utf8');
  const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
  const total = (Number(v[13]) + Number(v[14])) / 100; // cutime + cstime, in ticks of 10 ms
  const d = total - lastChildCpu;
  lastChildCpu = total;
  return d;
}

// ---------------------------------------------------------------------------------------------
// Report

function report({ startedAt, builds, inputs, perCall, scan }) {
  const git = (...a) => {
    try {
      return execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const commit = (git('rev-parse', '--short', 'HEAD') || 'unknown') + (git('status', '--porcelain') ? '+dirty' : '');
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const distBuilt = new Date(statSync(join(ROOT, 'dist/detect/index.js')).mtimeMs).toISOString().slice(0, 16).replace('T', ' ');
  const argv = process.argv.slice(2).filter((a) => a !== '--detectors').join(' ');
  const against = builds.length > 1;
  const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const lines = [
    `## ${startedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC — detectors${opt.quick ? ' (quick)' : ''}`,
    '',
    `- command: \`npm run bench:detectors${argv ? ` -- ${argv}` : ''}\``,
    `- machine: nproc ${cpus().length}, ${cpuModel}, node ${process.version}; measured in one process pinned to core ${CPU} (taskset), the scan CLI pinned to the same core`,
    `- commit: ${commit} (dist/ built ${distBuilt} UTC)${against ? `; against: ${opt.against}` : ''}`,
    `- inputs (seed 0x${SEED.toString(16)}): 4 KB prompts of ${inputs.clean4k.length} characters; ${inputs.short.length} short slots of ${Math.min(...inputs.short.map((s) => s.length))}–${Math.max(...inputs.short.map((s) => s.length))} characters, called in turn; the chat request's slots are ${inputs.chat.map((s) => s.length).join(' + ')} characters; scoreInjection in prompt mode`,
    `- per call: ${cfg.warmup} warm-up calls per case, then ${cfg.rounds} round(s) of ${cfg.iterations} timed calls (short slots: ${cfg.iterations * 5}), case order reversed every other round; figures are the median over rounds of each round's p50/p99/mean`,
    '',
    `| input | per | function | p50 µs | p99 µs | mean µs |${against ? ' against p50 µs | ÷against |' : ''}`,
    `|:--|:--|:--|--:|--:|--:|${against ? '--:|--:|' : ''}`,
  ];
  for (const r of perCall.filter((x) => x.build === 'dist')) {
    const a = perCall.find((x) => x.build === 'against' && x.name === r.name && x.fname === r.fname);
    lines.push(`| ${r.name} | ${r.unit} | ${r.fname} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.mean)} |${a ? ` ${fmt(a.p50)} | ${(r.p50 / a.p50).toFixed(2)} |` : ''}`);
  }
  if (scan) {
    lines.push(
      '',
      `\`gatehouse scan\` (\`node dist/cli/index.js scan --mode M FILE > out\`, pinned to core ${CPU}) on a generated JSON Lines file: ${(scan.bytes / 1e6).toFixed(1)} MB (MB = 10⁶ bytes), ${scan.lines} lines, 50 B–8 KB each (prose with and without PII/secrets, tool results as JSON, code, non-Latin scripts); median of ${cfg.scanRuns} run(s); wall time includes the CLI's start-up.`,
      '',
      `| build | mode | MB/s | seconds | CPU s |${against ? ' ÷against MB/s |' : ''}`,
      `|:--|:--|--:|--:|--:|${against ? '--:|' : ''}`,
    );
    for (const r of scan.runs) {
      const a = scan.runs.find((x) => x.build === 'against' && x.mode === r.mode);
      const mbs = scan.bytes / 1e6 / r.seconds;
      lines.push(`| ${r.build === 'dist' ? 'dist/' : opt.against} | ${r.mode} | ${mbs.toFixed(2)} | ${r.seconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} |${against ? ` ${r.build === 'dist' && a ? (a.seconds / r.seconds).toFixed(2) : '—'} |` : ''}`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
