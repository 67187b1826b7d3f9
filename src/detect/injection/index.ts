/**
 * Prompt-injection score: a logistic-regression model over hashed n-grams (trained by
 * scripts/train-injection.ts, weights committed beside this file) plus hand-written signals.
 *
 * - `prompt` mode scores a prompt as a whole: jailbreaks, overrides, role hijacks.
 * - `data` mode scores content that arrives as data (tool results, retrieved documents): each
 *   sentence or line is scored by a model trained on contexts with inserted instructions, and the
 *   highest counts, because an instruction addressed to the model is itself the signal there.
 */
import { type LinearModel, type WeightsFile, decodeModel } from './model.js';
import { type InjectionMode, type InjectionResult, scoreWith } from './score.js';
import promptWeightsFile from './weights-prompt.json' with { type: 'json' };
import dataWeightsFile from './weights-data.json' with { type: 'json' };

export type { InjectionMode, InjectionResult } from './score.js';

export interface InjectionOptions {
  /** Overrides the mode's tuned threshold (0..1). */
  readonly threshold?: number;
}

// Decoded on first use (a few ms); the weights never change after load.
const models: Partial<Record<InjectionMode, LinearModel>> = {};

function model(mode: InjectionMode): LinearModel {
  let m = models[mode];
  if (!m) {
    const file = (mode === 'prompt' ? promptWeightsFile : dataWeightsFile) as unknown as WeightsFile;
    m = decodeModel(file);
    models[mode] = m;
  }
  return m;
}

/** The tuned default threshold of a mode. */
export function defaultInjectionThreshold(mode: InjectionMode): number {
  return model(mode).threshold;
}

/** `options` may be the threshold itself (a number) or `{ threshold }`; absent, the mode's tuned default. */
export function scoreInjection(
  text: string,
  mode: InjectionMode = 'prompt',
  options: InjectionOptions | number = {},
): InjectionResult {
  const m = model(mode);
  const threshold = typeof options === 'number' ? options : options.threshold;
  return scoreWith(m, text, mode, threshold ?? m.threshold);
}
