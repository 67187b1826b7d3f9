/**
 * How far V8 lets the old generation grow past what a full collection left alive before it collects
 * again. Left to itself, V8 picks up to 4× for a small heap: a gateway with ~20 MB alive reaches
 * ~70 MB of old generation under saturation (plus the garbage buffers it holds), which is most of
 * the gap between its peak RSS and a bare proxy's. A fixed, lower factor trades a few more full
 * collections (each a few ms, mostly concurrent) for a bounded peak (bench/RESULTS.md, "heap growth").
 *
 * V8 reads the flag at every full collection, so setting it at run time (and again on reload)
 * takes effect from the next one. A `--heap-growing-percent` given to node itself wins.
 */
import { setFlagsFromString } from 'node:v8';

const FLAG = /--heap[-_]growing[-_]percent\b/;

/** Whether node was started with its own --heap-growing-percent (node refuses it in NODE_OPTIONS). */
export function heapGrowthFromNode(execArgv: readonly string[] = process.execArgv): boolean {
  return execArgv.some((a) => FLAG.test(a));
}

export interface HeapGrowthResult {
  /** The percentage now in force, or undefined when node's own flag was left in force. */
  readonly applied: number | undefined;
}

/**
 * Sets V8's heap growing factor to 1 + percent/100 (0: V8 chooses, up to 4×). Leaves it alone when
 * node was given the flag itself.
 */
export function applyHeapGrowth(percent: number, fromNode = heapGrowthFromNode()): HeapGrowthResult {
  if (!Number.isInteger(percent) || percent < 0) throw new RangeError(`heap growth: ${percent} is not a whole percentage`);
  if (fromNode) return { applied: undefined };
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return { applied: percent };
}
