/**
 * The score of one text under given models: the classifier's logit (whole text in prompt mode,
 * best sentence or line in data mode) plus the weights of the heuristic signals that fire.
 * Kept apart from index.ts so the training script scores candidate models exactly as shipped.
 */
import { normalizeText } from './features.js';
import { matchSignals } from './heuristics.js';
import { type LinearModel, logit } from './model.js';
import { splitSegments } from './segments.js';

export type InjectionMode = 'prompt' | 'data';

export interface InjectionResult {
  /** 0..1. */
  readonly score: number;
  readonly flagged: boolean;
  /** Names of the heuristic signals that fired (empty when the classifier alone decided). */
  readonly signals: string[];
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** The classifier's logit alone: whole text in prompt mode, best segment in data mode. */
export function modelLogit(model: LinearModel, text: string, mode: InjectionMode): number {
  if (mode === 'prompt') return logit(model, normalizeText(text));
  let best = -Infinity;
  for (const seg of splitSegments(text)) {
    const l = logit(model, normalizeText(seg));
    if (l > best) best = l;
  }
  return best === -Infinity ? model.bias : best;
}

export function scoreWith(model: LinearModel, text: string, mode: InjectionMode, threshold: number): InjectionResult {
  const base = modelLogit(model, text, mode);
  const heur = matchSignals(text);
  const score = sigmoid(base + heur.weight);
  return { score, flagged: score >= threshold, signals: heur.names };
}
