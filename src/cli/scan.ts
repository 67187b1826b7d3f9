import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { detectEntities, scoreInjection } from '../detect/index.js';

export interface ScanOptions {
  readonly mode: 'prompt' | 'data';
  readonly files: readonly string[];
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
}

/**
 * `gatehouse scan`: the gateway's detectors, offline. Input is JSON Lines (a JSON string, or an
 * object with a `text` string, per line) from the files in order, or stdin; output is one JSON line
 * per input line, in order. A line that cannot be read gets `{"error": ...}` in its place and makes
 * the exit code 1; the scan goes on. Offsets are UTF-16 code units, end exclusive.
 */
export async function runScan(options: ScanOptions): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const err = options.stderr ?? process.stderr;
  let failed = false;
  const sources: { name: string; stream: () => Readable }[] =
    options.files.length === 0 ? [{ name: 'stdin', stream: () => options.stdin ?? process.stdin }] : options.files.map((f) => ({ name: f, stream: () => createReadStream(f) }));
  for (const source of sources) {
    let lineNo = 0;
    try {
      const lines = createInterface({ input: source.stream(), crlfDelay: Infinity });
      for await (const line of lines) {
        lineNo++;
        const result = scanLine(line, options.mode);
        if ('error' in result) {
          failed = true;
          result.error = `${source.name}:${lineNo}: ${result.error}`;
        }
        if (!out.write(`${JSON.stringify(result)}\n`)) await new Promise((r) => out.once('drain', r));
      }
    } catch (e) {
      err.write(`gatehouse scan: ${source.name}: ${(e as Error).message}\n`);
      return 1;
    }
  }
  return failed ? 1 : 0;
}

type LineResult =
  | { findings: { type: string; detector: string; start: number; end: number; confidence: number }[]; injection: { score: number; flagged: boolean } }
  | { error: string };

function scanLine(line: string, mode: 'prompt' | 'data'): LineResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { error: 'not JSON' };
  }
  const text = typeof value === 'string' ? value : typeof (value as { text?: unknown } | null)?.text === 'string' ? (value as { text: string }).text : undefined;
  if (text === undefined) return { error: 'expected a JSON string or an object with a "text" string' };
  // Scored first: what the classifier reads of a prompt spares the PII and secret detectors some passes.
  const injection = scoreInjection(text, mode);
  const findings = detectEntities(text, injection.facts).map(({ type, detector, start, end, confidence }) => ({ type, detector, start, end, confidence: round(confidence) }));
  return { findings, injection: { score: round(injection.score), flagged: injection.flagged } };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
