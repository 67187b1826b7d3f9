// Child processes of the harness: start them pinned to a core, wait until they answer, read their
// CPU time and memory from /proc, and stop every one of them whatever way the harness ends.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const children = new Set();
let reaper;

/** Started once: kills our children if this process dies without doing it (see reaper.mjs). */
function tellReaper(line) {
  if (!reaper) {
    reaper = spawn(process.execPath, [new URL('./reaper.mjs', import.meta.url).pathname], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    reaper.stdin.on('error', () => {});
    reaper.unref();
  }
  reaper.stdin.write(line + '\n');
}
const tempDirs = new Set();
const TAIL = 8192;

/**
 * Spawns `cmd args` under `taskset -c cpu` (taskset execs, so the pid is the program's). stdin is a
 * pipe the bench's own servers watch: they exit when it closes, even if the harness is SIGKILLed.
 */
export function startProcess(name, cmd, args, { cpu, env = process.env, cwd } = {}) {
  const argv = cpu === undefined ? [cmd, ...args] : ['taskset', '-c', String(cpu), cmd, ...args];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env, cwd });
  const proc = { name, child, pid: child.pid, out: '', err: '', both: '', written: 0, exitCode: undefined };
  const keep = (text) => {
    proc.both = (proc.both + text).slice(-TAIL);
    proc.written += text.length;
  };
  /** A mark in the process's output; since(mark) is what it printed after it (within the tail). */
  proc.mark = () => proc.written;
  proc.since = (mark) => proc.both.slice(-Math.min(proc.both.length, proc.written - mark)) || '';
  const lineWaiters = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (s) => {
    proc.out = (proc.out + s).slice(-TAIL);
    keep(s);
    partial += s;
    let nl;
    while ((nl = partial.indexOf('\n')) !== -1) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      for (const w of [...lineWaiters]) w(line);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (s) => {
    proc.err = (proc.err + s).slice(-TAIL);
    keep(s);
  });
  child.stdin.on('error', () => {});
  proc.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      tellReaper(`-${child.pid}`);
      proc.exitCode = code ?? signal;
      children.delete(proc);
      resolve(proc.exitCode);
    });
    child.on('error', (err) => {
      proc.err += String(err);
      proc.exitCode = 'spawn-error';
      children.delete(proc);
      resolve(proc.exitCode);
    });
  });
  proc.onLine = (fn) => lineWaiters.push(fn);
  children.add(proc);
  if (child.pid) tellReaper(`+${child.pid}`);
  return proc;
}

/** Stops one process: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(proc, graceMs = 3000) {
  if (proc.exitCode !== undefined) return;
  try {
    proc.child.stdin.end();
    proc.child.kill('SIGTERM');
  } catch {}
  const timer = setTimeout(() => {
    try {
      proc.child.kill('SIGKILL');
    } catch {}
  }, graceMs);
  await proc.exited;
  clearTimeout(timer);
}

export async function stopAll() {
  await Promise.all([...children].map((p) => stopProcess(p)));
  if (reaper) {
    reaper.stdin.end('done\n');
    reaper = undefined;
  }
}

/** A directory removed when the harness exits. */
export function registerTempDir(dir) {
  tempDirs.add(dir);
  tellReaper(`dir:${dir}`);
  return dir;
}

function killAllNow() {
  for (const p of children) {
    try {
      p.child.kill('SIGKILL');
    } catch {}
  }
  for (const d of tempDirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {}
  }
}

let installed = false;
/** Makes every way out of the harness (end, error, Ctrl-C, SIGTERM) stop the children first. */
export function installExitHandlers() {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  const bail = (code, why) => {
    if (why) console.error(why);
    stopAll().finally(() => process.exit(code));
    setTimeout(() => process.exit(code), 5000).unref();
  };
  process.on('SIGINT', () => bail(130, '\nbench: interrupted, stopping its processes'));
  process.on('SIGTERM', () => bail(143, 'bench: terminated, stopping its processes'));
  process.on('SIGHUP', () => bail(129));
  process.on('uncaughtException', (err) => bail(1, `bench: ${err?.stack ?? err}`));
  process.on('unhandledRejection', (err) => bail(1, `bench: ${err?.stack ?? err}`));
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers with `okStatus` (any status when undefined), or fails. */
export async function waitForHttp(url, { proc, timeoutMs = 30_000, okStatus } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== undefined) {
      throw new Error(`exited (${proc.exitCode}) before answering: ${tailOf(proc)}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (okStatus === undefined || res.status === okStatus) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err?.cause?.code ?? err?.message ?? String(err);
    }
    await sleep(100);
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms (${last}): ${proc ? tailOf(proc) : ''}`);
}

export function tailOf(proc, n = 300) {
  const text = `${proc.err}\n${proc.out}`.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\s+/g, ' ').trim();
  return text.slice(-n);
}

let clkTck;
/** user + system CPU seconds of a process so far (all its threads), from /proc/PID/stat. */
export function cpuSeconds(pid) {
  clkTck ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clkTck;
}

/** Resident set size in MB (VmRSS from /proc/PID/status), or undefined when it is gone. */
export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The CPUs a process may run on (Cpus_allowed_list), e.g. "1". */
export function cpusAllowed(pid) {
  try {
    return /Cpus_allowed_list:\s+(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
  } catch {
    return '?';
  }
}

/** Samples the RSS of `pid` every `everyMs`; stop() returns the largest sample. */
export function rssSampler(pid, everyMs = 250) {
  if (pid === undefined) return { stop: () => undefined };
  let max = rssMb(pid) ?? 0;
  const timer = setInterval(() => {
    const v = rssMb(pid);
    if (v !== undefined && v > max) max = v;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const v = rssMb(pid);
      if (v !== undefined && v > max) max = v;
      return max;
    },
  };
}
