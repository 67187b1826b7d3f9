import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** Parsed JSON log lines from stdout so far. */
  readonly logs: Record<string, unknown>[];
  stderr(): string;
  /**
   * Resolves with the first log line (already seen or future) that matches; rejects if the process
   * exits first, or after `timeoutMs` (default 60 s) with the lines seen so far, so that a line that
   * never comes fails its test with something to read instead of the runner's bare timeout.
   */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** Spawns `gatehouse <args>` from the TypeScript sources, the way `npm run dev` does. */
export function spawnGatehouse(args: string[], env: NodeJS.ProcessEnv = {}): GatewayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buffered = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { raw: line };
      }
      logs.push(parsed);
      for (const w of [...waiters]) {
        if (w.match(parsed)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    logs,
    stderr: () => err,
    exited,
    waitForLog(match, timeoutMs = 60_000) {
      const seen = logs.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i !== -1) waiters.splice(i, 1);
          const tail = logs.slice(-10).map((l) => JSON.stringify(l)).join('\n');
          reject(new Error(`no expected log line within ${timeoutMs} ms; the last lines:\n${tail}\nstderr: ${err}`));
        }, timeoutMs);
        timer.unref(); // while the child runs, its pipes keep the test alive; after, this must not
        const waiter = {
          match,
          resolve: (line: Record<string, unknown>) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        waiters.push(waiter);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`gatehouse exited (${code}) before the expected log line; stderr: ${err}`));
        });
      });
    },
  };
}

/** Starts `gatehouse serve` on free ports and waits until it listens. */
export async function serveGatehouse(configPath: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<GatewayProcess & { url: string; adminUrl: string }> {
  const proc = spawnGatehouse(['serve', '--config', configPath, '--port', '0', '--admin-port', '0', ...extraArgs], env);
  const listening = await proc.waitForLog((l) => l.msg === 'gatehouse listening');
  return Object.assign(proc, { url: listening.url as string, adminUrl: listening.adminUrl as string });
}
