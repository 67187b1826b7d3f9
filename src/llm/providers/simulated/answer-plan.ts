/**
 * What the simulator answers, before any wire format: text (generated or echoed, capped at the
 * request's token limit) or tool calls with arguments built from their schemas. Chat completions
 * and Anthropic Messages both serialise this plan, so one rule decides the content of both.
 */
import { capTokens } from '../../tokens.js';
import { generateText, hexFrom, prng, promptWords, seedFrom, valueForSchema } from './generate.js';
import { chooseTools, type ToolSituation } from './tool-choice.js';

export interface AnswerSettings {
  readonly mode: 'generate' | 'echo';
  readonly outputTokens: number;
}

export interface PlannedToolCall {
  readonly name: string;
  readonly args: Record<string, unknown>;
  /** 12 deterministic random bytes as hex, for the format's call id (call_…, toolu_…). */
  readonly idHex: string;
}

export type Answer =
  | { readonly kind: 'text'; readonly text: string; readonly cut: boolean }
  | { readonly kind: 'tools'; readonly calls: readonly PlannedToolCall[] };

/**
 * Plans the answer. `seed` makes it deterministic (same seed, same text and arguments); `maxTokens`
 * caps text (tool calls are not capped). Fails only for a named tool choice that names no tool.
 */
export function planAnswer(
  seed: string,
  situation: ToolSituation,
  settings: AnswerSettings,
  maxTokens: number | undefined,
): { ok: true; answer: Answer } | { ok: false; unknownName: string } {
  const random = prng(seedFrom(seed));
  const chosen = chooseTools(situation);
  if (!chosen.ok) return chosen;
  if (chosen.tools.length > 0) {
    // Tool names are left out of the words, so "get_weather for Paris" yields "Paris".
    const words = promptWords(situation.userText, new Set(situation.tools.map((t) => t.name.toLowerCase())));
    const calls = chosen.tools.map((tool) => {
      const value = valueForSchema({ type: 'object', ...tool.parameters }, random, words);
      const args = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
      return { name: tool.name, args, idHex: hexFrom(random, 12) };
    });
    return { ok: true, answer: { kind: 'tools', calls } };
  }
  const full = settings.mode === 'echo' ? situation.userText : generateText(random, settings.outputTokens);
  const capped = capTokens(full, maxTokens);
  return { ok: true, answer: { kind: 'text', text: capped.text, cut: capped.cut } };
}
