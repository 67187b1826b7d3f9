/**
 * One stdio MCP server process: spawned without a shell, with only its configured environment plus
 * PATH; newline-delimited JSON-RPC on stdin/stdout; stderr lines to the debug log (bounded). A line
 * over MAX_LINE_BYTES kills it; a line that is not JSON-RPC is logged and skipped.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { parseMessage, type JsonRpcMessage } from '../jsonrpc.js';
import type { Logger } from '../../telemetry/logger.js';
import { describeError as describe } from './describe-error.js';
import { UpstreamError, type UpstreamStdioConfig } from './types.js';

export const MAX_LINE_BYTES = 4 * 1024 * 1024;
const STDERR_LINE_CHARS = 1000;
const STDERR_PARTIAL_BYTES = 8 * 1024;
/** stderr lines logged per second, at most; the rest are counted. */
const STDERR_LINES_PER_SECOND = 50;
/** After 'exit', how long stdout may take to deliver its last lines before the process counts as gone. */
const EXIT_FLUSH_MS = 200;
const STOP_GRACE_MS = 2000;

export interface StdioProcessHandlers {
  onMessage(message: JsonRpcMessage): void;
  /** Called once, when the process is gone (exited, failed to start, or killed for misbehaving). */
  onGone(error: UpstreamError): void;
}

/** The child's environment: the configured variables and PATH, nothing else of the gateway's. */
export function childEnvironment(config: UpstreamStdioConfig): Record<string, string> {
  const env: Record<string, string> = {};
  if (process.env.PATH !== undefined) env.PATH = process.env.PATH;
  return { ...env, ...config.env };
}

export class StdioProcess {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #name: string;
  #gone: UpstreamError | undefined;
  /** Why we killed it, reported instead of the plain exit. */
  #killReason: UpstreamError | undefined;
  readonly #exited: Promise<void>;
  #resolveFirstOutput: (() => void) | undefined;
  /** Resolves when the process first writes anything (stdout or stderr): it has started. */
  readonly firstOutput: Promise<void>;
  #stdout: Buffer[] = [];
  #stdoutBytes = 0;
  #stderr = '';
  #stderrWindow = { start: 0, count: 0, dropped: 0 };

  constructor(
    config: UpstreamStdioConfig,
    private readonly logger: Logger,
    private readonly handlers: StdioProcessHandlers,
  ) {
    this.#name = config.name;
    this.#child = spawn(config.command, config.args, {
      cwd: config.cwd ?? process.cwd(),
      env: childEnvironment(config),
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.firstOutput = new Promise((resolve) => (this.#resolveFirstOutput = resolve));
    let resolveExited: () => void;
    this.#exited = new Promise((resolve) => (resolveExited = resolve));
    let flushTimer: NodeJS.Timeout | undefined;
    const gone = (error: UpstreamError): void => {
      clearTimeout(flushTimer);
      resolveExited();
      this.#die(error);
    };
    this.#child.on('error', (err) => gone(new UpstreamError('exited', this.#name, `MCP upstream "${this.#name}" could not be started (${describe(err)}).`, { cause: err })));
    this.#child.on('exit', (code, signal) => {
      const error = new UpstreamError('exited', this.#name, `MCP upstream "${this.#name}" exited (${signal ?? `code ${code}`}).`);
      // 'close' follows once stdout has delivered everything; a grandchild holding the pipe open
      // must not keep requests waiting.
      flushTimer = setTimeout(() => gone(error), EXIT_FLUSH_MS);
      this.#child.once('close', () => gone(error));
    });
    this.#child.stdin.on('error', (err) => this.logger.debug({ upstream: this.#name, err: describe(err) }, 'MCP upstream stdin failed'));
    this.#child.stdout.on('error', () => undefined);
    this.#child.stderr.on('error', () => undefined);
    this.#child.stdout.on('data', (chunk: Buffer) => this.#onStdout(chunk));
    this.#child.stderr.setEncoding('utf8').on('data', (chunk: string) => this.#onStderr(chunk));
  }

  /** Set once the process is gone: what pending and later requests fail with. */
  get gone(): UpstreamError | undefined {
    return this.#gone;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Writes one message as a line; rejects with the process's end if it is gone. */
  write(message: JsonRpcMessage): Promise<void> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone);
    const line = `${JSON.stringify(message)}\n`;
    return new Promise((resolve, reject) => {
      this.#child.stdin.write(line, (err) => {
        if (err === undefined || err === null) resolve();
        else reject(this.#gone ?? new UpstreamError('exited', this.#name, `MCP upstream "${this.#name}" stopped reading its input (${describe(err)}).`, { cause: err }));
      });
    });
  }

  /** Kills the process for misbehaving; pending requests fail with `reason`. */
  kill(reason: UpstreamError): void {
    this.#killReason ??= reason;
    this.#child.kill('SIGKILL');
    // A process that never started has no exit event to wait for.
    if (this.#child.pid === undefined) this.#die(reason);
  }

  /** Ends the process: closes stdin, then SIGTERM, then SIGKILL, waiting a little between each. */
  async stop(): Promise<void> {
    if (this.#gone !== undefined || this.#child.pid === undefined) return;
    this.#child.stdin.end();
    if (await this.#waitExit(STOP_GRACE_MS)) return;
    this.#child.kill('SIGTERM');
    if (await this.#waitExit(STOP_GRACE_MS)) return;
    this.#child.kill('SIGKILL');
    await this.#waitExit(STOP_GRACE_MS);
  }

  #waitExit(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void this.#exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  #die(error: UpstreamError): void {
    if (this.#gone !== undefined) return;
    this.#gone = this.#killReason ?? error;
    this.#stdout = [];
    this.#stdoutBytes = 0;
    this.handlers.onGone(this.#gone);
  }

  #onStdout(chunk: Buffer): void {
    if (this.#gone !== undefined) return;
    let start = 0;
    this.#markOutput();
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      if (this.#stdoutBytes + (nl - start) > MAX_LINE_BYTES) return this.#tooLong();
      this.#stdout.push(chunk.subarray(start, nl));
      const line = Buffer.concat(this.#stdout).toString('utf8');
      this.#stdout = [];
      this.#stdoutBytes = 0;
      start = nl + 1;
      this.#onLine(line);
      if (this.#gone !== undefined) return;
    }
    if (start < chunk.length) {
      this.#stdout.push(chunk.subarray(start));
      this.#stdoutBytes += chunk.length - start;
      if (this.#stdoutBytes > MAX_LINE_BYTES) this.#tooLong();
    }
  }

  #tooLong(): void {
    this.#stdout = [];
    this.#stdoutBytes = 0;
    this.kill(new UpstreamError('protocol', this.#name, `MCP upstream "${this.#name}" wrote a line longer than ${MAX_LINE_BYTES} bytes; it was stopped.`));
  }

  #markOutput(): void {
    if (this.#resolveFirstOutput === undefined) return;
    this.#resolveFirstOutput();
    this.#resolveFirstOutput = undefined;
  }

  #onLine(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    let message: JsonRpcMessage;
    try {
      message = parseMessage(line);
    } catch (err) {
      this.logger.warn({ upstream: this.#name, line: line.slice(0, 200), err: describe(err) }, 'MCP upstream wrote a line that is not JSON-RPC');
      return;
    }
    this.handlers.onMessage(message);
  }

  #onStderr(chunk: string): void {
    this.#markOutput();
    this.#stderr += chunk;
    let nl: number;
    while ((nl = this.#stderr.indexOf('\n')) !== -1) {
      this.#logStderr(this.#stderr.slice(0, nl));
      this.#stderr = this.#stderr.slice(nl + 1);
    }
    if (this.#stderr.length > STDERR_PARTIAL_BYTES) {
      this.#logStderr(this.#stderr);
      this.#stderr = '';
    }
  }

  #logStderr(line: string): void {
    const window = this.#stderrWindow;
    const now = Date.now();
    if (now - window.start >= 1000) {
      if (window.dropped > 0) this.logger.debug({ upstream: this.#name, dropped: window.dropped }, 'MCP upstream stderr lines dropped');
      this.#stderrWindow = { start: now, count: 0, dropped: 0 };
    }
    if (this.#stderrWindow.count >= STDERR_LINES_PER_SECOND) {
      this.#stderrWindow.dropped += 1;
      return;
    }
    this.#stderrWindow.count += 1;
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    this.logger.debug({ upstream: this.#name, stderr: text.slice(0, STDERR_LINE_CHARS) }, 'MCP upstream stderr');
  }
}
