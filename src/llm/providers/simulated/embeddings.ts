/**
 * Embeddings for the simulated provider: one deterministic unit-length vector per input, seeded by
 * a hash of the model and the input, as float arrays or as base64 of little-endian float32 bytes
 * (what the official openai SDK asks for by default).
 */
import { countTextTokens } from '../../tokens.js';
import { prng, seedFrom } from './generate.js';
import type { EmbeddingsRequest } from './request.js';

/** The vector for one input: uniform components in [-1, 1), normalised, stored as float32. */
export function embeddingVector(model: string, input: string | readonly number[], dimensions: number): Float32Array {
  const key = typeof input === 'string' ? `s:${input}` : `t:${input.join(',')}`;
  const random = prng(seedFrom(`${model}\u0000${key}`));
  const values = new Float64Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    values[i] = random() * 2 - 1;
    norm += values[i] * values[i];
  }
  norm = Math.sqrt(norm) || 1;
  return Float32Array.from(values, (v) => v / norm);
}

/** Little-endian float32 bytes, base64-encoded, whatever the host's byte order. */
export function float32Base64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4);
  return bytes.toString('base64');
}

/** The inputs as a list: a string, strings, one token array, or token arrays. */
function inputList(input: EmbeddingsRequest['input']): Array<string | readonly number[]> {
  if (typeof input === 'string') return [input];
  if (input.every((item): item is number => typeof item === 'number')) return [input];
  return input as Array<string | number[]>;
}

/** The OpenAI `list` object for an embeddings request. */
export function embeddingsResponse(request: EmbeddingsRequest, model: string, defaultDimensions: number): Record<string, unknown> {
  const dimensions = request.dimensions ?? defaultDimensions;
  const base64 = request.encoding_format === 'base64';
  let promptTokens = 0;
  const data = inputList(request.input).map((input, index) => {
    promptTokens += typeof input === 'string' ? countTextTokens(input) : input.length;
    const vector = embeddingVector(model, input, dimensions);
    return { object: 'embedding', index, embedding: base64 ? float32Base64(vector) : Array.from(vector) };
  });
  return { object: 'list', data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
}
