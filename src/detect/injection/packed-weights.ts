/**
 * A weight vector kept small enough to stay in cache while a text is scored: ~90% of the 2^18
 * weights are zero, so the dense 1 MiB array (whose random reads missed cache on every other
 * n-gram under load) becomes a bitmap of the non-zero slots, interleaved with a running count per
 * 32-slot word, and the non-zero weights packed in slot order: 64 KB + 4 bytes per weight.
 */
export interface PackedWeights {
  /** Pairs per 32-slot word: [bits of the non-zero slots, number of non-zero slots before the word]. */
  readonly index: Uint32Array;
  /** The non-zero weights, in slot order. */
  readonly values: Float32Array;
  /**
   * For a model of character 3-grams: the weight of every 3-gram over the 32 commonest characters,
   * looked up by the characters themselves instead of by hash (features.ts withTrigramTable).
   */
  readonly trigrams?: Float32Array;
}

export function packWeights(dense: Float32Array): PackedWeights {
  const index = new Uint32Array(2 * Math.ceil(dense.length / 32));
  const values: number[] = [];
  for (let w = 0; w < index.length / 2; w++) {
    index[2 * w + 1] = values.length;
    let bits = 0;
    for (let b = 0; b < 32; b++) {
      const v = dense[w * 32 + b];
      if (v !== undefined && v !== 0) {
        bits |= 1 << b;
        values.push(v);
      }
    }
    index[2 * w] = bits;
  }
  return { index, values: Float32Array.from(values) };
}

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** The weight of slot `i` (0 when not stored). */
export function packedWeight(packed: PackedWeights, i: number): number {
  const w = i >>> 5;
  const bits = packed.index[2 * w]!;
  const b = i & 31;
  if ((bits & (1 << b)) === 0) return 0;
  return packed.values[packed.index[2 * w + 1]! + popcount(bits & ~(-1 << b))]!;
}
