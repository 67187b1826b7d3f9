import { z } from 'zod';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { PolicyModule } from '../../pipeline/policy.js';
import { enforceField } from '../common-schema.js';
import { unsafePatternReason } from './safe-pattern.js';

const pattern = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    const reason = unsafePatternReason(source);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: `pattern refused: ${reason}` });
  });

const ruleSet = z
  .object({
    keywords: z.array(z.string().min(1)).default([]).describe('Words or phrases, matched case-insensitively anywhere in the text.'),
    patterns: z.array(pattern).default([]).describe('Regular expressions (JavaScript syntax, case-insensitive). Patterns that could backtrack catastrophically are refused at load.'),
  })
  .strict();

const configSchema = z
  .object({
    enforce: enforceField,
    deny: ruleSet.default({ keywords: [], patterns: [] }).describe('Text matching any of these is refused (400 content_blocked).'),
    allow: ruleSet.default({ keywords: [], patterns: [] }).describe('Exceptions: a deny match that lies inside an allow match does not count.'),
    action: z.enum(['block', 'log_only']).default('block'),
  })
  .strict()
  .describe('Custom deny and allow rules (keywords and safe regular expressions) over every text slot of the request.');

export type ContentRulesConfig = z.output<typeof configSchema>;

interface Span {
  readonly start: number;
  readonly end: number;
  readonly rule: string;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** All rules of a set as one compiled list, built once per configuration. */
function compile(set: z.output<typeof ruleSet>): { re: RegExp; rule: string }[] {
  return [
    ...set.keywords.map((k, i) => ({ re: new RegExp(escape(k), 'giu'), rule: `keyword ${i + 1}` })),
    ...set.patterns.map((p, i) => ({ re: new RegExp(p, 'giu'), rule: `pattern ${i + 1}` })),
  ];
}

function spans(text: string, rules: readonly { re: RegExp; rule: string }[]): Span[] {
  const out: Span[] = [];
  for (const { re, rule } of rules) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) {
      if (m[0].length === 0) continue;
      out.push({ start: m.index, end: m.index + m[0].length, rule });
    }
  }
  return out;
}

/**
 * Deny and allow rules an operator writes per route. Matches are recorded by rule number and
 * position, never by the text they matched.
 */
export const contentRulesPolicy: PolicyModule<ContentRulesConfig> = {
  name: 'content-rules',
  description: 'Refuses requests matching custom keywords or patterns.',
  configSchema,
  writes: ['findings', 'decisions'],
  create(config) {
    const deny = compile(config.deny);
    const allow = compile(config.allow);
    return {
      name: 'content-rules',
      enforce: config.enforce,
      failMode: 'closed',
      hooks: {
        inspectIn(exchange) {
          const view = exchange.textView;
          if (view === undefined || deny.length === 0) return undefined;
          const hits: string[] = [];
          view.slots.forEach((slot, i) => {
            const denied = spans(slot.text, deny);
            if (denied.length === 0) return;
            const allowed = allow.length === 0 ? [] : spans(slot.text, allow);
            for (const d of denied) {
              if (allowed.some((a) => a.start <= d.start && d.end <= a.end)) continue;
              hits.push(d.rule);
              exchange.findings.push({ policy: 'content-rules', type: 'content_rule', detector: d.rule, slot: i, start: d.start, end: d.end, confidence: 1, action: config.action });
            }
          });
          if (hits.length === 0) return undefined;
          const rules = [...new Set(hits)].join(', ');
          if (config.action === 'log_only') return { action: 'allow', reason: `matched ${rules}` };
          return { action: 'deny', error: new GatehouseError('content_blocked', `The request matches a content rule of this route (${rules}).`), reason: `matched ${rules}` };
        },
      },
    };
  },
};
