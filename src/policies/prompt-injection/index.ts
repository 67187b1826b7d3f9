import { z } from 'zod';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { PolicyModule } from '../../pipeline/policy.js';
import { scoreInjection } from '../../detect/index.js';
import type { SlotKind } from '../../llm/formats/text-view.js';
import { enforceField, scanCacheField } from '../common-schema.js';
import { ScanCache } from '../../detect/scan-cache.js';
import type { InjectionResult } from '../../detect/injection/score.js';
import type { Exchange } from '../../pipeline/exchange.js';
import type { ResponseInspector } from '../../pipeline/response-inspection.js';

/** How each slot kind is read: what a person wrote is a prompt; what a tool returned is data. */
const MODE_OF: Partial<Record<SlotKind, 'prompt' | 'data'>> = { system: 'prompt', user: 'prompt', input: 'prompt', tool_result: 'data' };

const configSchema = z
  .object({
    enforce: enforceField,
    action: z.enum(['block', 'log_only']).default('block').describe('block: refuse the request (400 prompt_injection_detected); log_only: record the finding.'),
    threshold: z.number().min(0).max(1).optional().describe('Score above which a prompt is flagged (default: the tuned threshold, docs/detectors.md).'),
    dataThreshold: z.number().min(0).max(1).optional().describe('The same for content arriving as data: tool results (default: the tuned one).'),
    scanCache: scanCacheField,
  })
  .strict()
  .describe('Scores prompts and tool results for prompt injection (heuristics and a small trained classifier).');

export type PromptInjectionConfig = z.output<typeof configSchema>;

/**
 * The inspect-in phase for injection: user and system text is scored as a prompt, tool results as
 * data (where an instruction addressed to the model is itself the signal). Text the model wrote
 * (assistant turns, tool-call arguments) is not scored.
 */
export const promptInjectionPolicy: PolicyModule<PromptInjectionConfig> = {
  name: 'prompt-injection',
  description: 'Blocks or records prompt injection in prompts and tool results.',
  configSchema,
  writes: ['findings', 'decisions', 'textView.facts'],
  create(config) {
    // One cache per mode: the same text scores differently as a prompt and as data.
    const caches = { prompt: new ScanCache<InjectionResult>(config.scanCache), data: new ScanCache<InjectionResult>(config.scanCache) };
    const scorers = {
      prompt: (text: string) => scoreInjection(text, 'prompt', config.threshold),
      data: (text: string) => scoreInjection(text, 'data', config.dataThreshold),
    };
    return {
      name: 'prompt-injection',
      enforce: config.enforce,
      failMode: 'closed',
      hooks: {
        inspectIn(exchange) {
          // A tool's result is data on its way to the model: scored as data when it comes back.
          if (exchange.surface === 'mcp') exchange.addResponseInspector(toolResultInspector(exchange, config));
          const view = exchange.textView;
          if (view === undefined) return undefined;
          const flagged: string[] = [];
          view.slots.forEach((slot, i) => {
            const mode = MODE_OF[slot.kind];
            if (mode === undefined) return;
            const result = caches[mode].get(exchange.identity.id, slot.text, scorers[mode]);
            // What the classifier read of the text spares the PII and secret detectors some passes.
            if (result.facts !== undefined) slot.facts = result.facts;
            if (!result.flagged) return;
            flagged.push(`${slot.kind} ${slot.index}`);
            exchange.findings.push({
              policy: 'prompt-injection',
              type: 'prompt_injection',
              detector: result.signals.length > 0 ? `classifier+${result.signals.join('+')}` : 'classifier',
              slot: i,
              start: 0,
              end: slot.text.length,
              confidence: result.score,
              action: config.action,
            });
          });
          if (flagged.length === 0) return undefined;
          if (config.action === 'log_only') return { action: 'allow', reason: `injection recorded in ${flagged.join(', ')}` };
          return {
            action: 'deny',
            error: new GatehouseError('prompt_injection_detected', `The request looks like a prompt injection (${flagged.join(', ')}).`),
            reason: `injection in ${flagged.join(', ')}`,
          };
        },
      },
    };
  },
};

/**
 * MCP tool results, scored in data mode when they come back. A flagged result is withheld
 * (`block`: the agent gets an error result instead) or recorded (`log_only`). Streams are not
 * scored: only whole texts are (LLM answers are not inspected for injection).
 */
function toolResultInspector(exchange: Exchange, config: PromptInjectionConfig): ResponseInspector {
  return {
    rewrite(text, _encoding, slot) {
      const result = scoreInjection(text, 'data', config.dataThreshold);
      if (!result.flagged) return text;
      exchange.findings.push({
        policy: 'prompt-injection',
        type: 'prompt_injection',
        detector: result.signals.length > 0 ? `classifier+${result.signals.join('+')}` : 'classifier',
        slot,
        start: 0,
        end: text.length,
        confidence: result.score,
        action: config.action,
        direction: 'response',
      });
      const enforced = config.enforce && config.action === 'block';
      exchange.decide({ policy: 'prompt-injection', phase: 'inspectOut', verdict: config.action === 'block' ? 'deny' : 'allow', reason: `injection in tool result slot ${slot}`, code: config.action === 'block' ? 'prompt_injection_detected' : undefined, enforced });
      if (enforced) throw new GatehouseError('prompt_injection_detected', 'The tool result looks like a prompt injection.');
      return text;
    },
    open() {
      return { push: (delta) => delta, end: () => '' };
    },
  };
}
