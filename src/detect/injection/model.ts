/**
 * A trained linear model over hashed features: the committed weights file, decoded once into
 * packed weights (~160 KB; the prompt model also a 128 KB trigram table) so that scoring is a walk
 * over the text's characters and hashes.
 */
import { FEATURE_BITS, FEATURE_DIM, type MaxGram, type WordReader, dotFeatures, dotFoldedFeatures, withTrigramTable } from './features.js';
import { type PackedWeights, packWeights } from './packed-weights.js';
import type { TrigramRecord } from '../text-facts.js';

/** The committed JSON: only the non-zero weights, as little-endian base64 (index u32, weight f32). */
export interface WeightsFile {
  readonly version: 1;
  readonly mode: 'prompt' | 'data';
  readonly bits: number;
  /** The character n-grams trained on (features.ts MaxGram); absent in files written before it was: 5. */
  readonly maxGram?: MaxGram;
  readonly bias: number;
  /** Threshold on the final score (0..1), tuned on the tune split. */
  readonly threshold: number;
  readonly indices: string;
  readonly weights: string;
  readonly trained: Record<string, unknown>;
}

export interface LinearModel {
  readonly bias: number;
  readonly threshold: number;
  readonly maxGram: MaxGram;
  /** The weights, packed (see PackedWeights): the dense vector would not stay in cache. */
  readonly weights: PackedWeights;
}

export function decodeModel(file: WeightsFile): LinearModel {
  const maxGram = file.maxGram ?? 5;
  if (file.version !== 1 || file.bits !== FEATURE_BITS || (maxGram !== 3 && maxGram !== 5)) {
    throw new Error(`injection weights: unsupported version ${file.version} / bits ${file.bits} / maxGram ${maxGram}`);
  }
  const idx = Buffer.from(file.indices, 'base64');
  const w = Buffer.from(file.weights, 'base64');
  const n = idx.length / 4;
  if (w.length !== idx.length) throw new Error('injection weights: index and weight lengths differ');
  const dense = new Float32Array(FEATURE_DIM);
  for (let i = 0; i < n; i++) dense[idx.readUInt32LE(i * 4) & (FEATURE_DIM - 1)] = w.readFloatLE(i * 4);
  const packed = packWeights(dense);
  return { bias: file.bias, threshold: file.threshold, maxGram, weights: maxGram === 3 ? withTrigramTable(packed) : packed };
}

export function encodeWeights(dense: ArrayLike<number>, minAbs: number): { indices: string; weights: string; count: number } {
  const keep: number[] = [];
  for (let i = 0; i < dense.length; i++) if (Math.abs(dense[i]) >= minAbs) keep.push(i);
  const idx = Buffer.alloc(keep.length * 4);
  const w = Buffer.alloc(keep.length * 4);
  keep.forEach((k, j) => {
    idx.writeUInt32LE(k, j * 4);
    w.writeFloatLE(dense[k], j * 4);
  });
  return { indices: idx.toString('base64'), weights: w.toString('base64'), count: keep.length };
}

/** Linear logit of one normalised text. */
export function logit(model: LinearModel, norm: string): number {
  return model.bias + dotFeatures(norm, model.weights, model.maxGram);
}

/**
 * logit(model, normalizeFolded(folded)), without making the normalised string where it can;
 * `reader` is given the text's words as they are hashed, `record` its 3-grams and digits
 * (features.ts dotFoldedFeatures).
 */
export function logitFolded(model: LinearModel, folded: string, reader?: WordReader, record?: TrigramRecord): number {
  return model.bias + dotFoldedFeatures(folded, model.weights, model.maxGram, reader, record);
}
