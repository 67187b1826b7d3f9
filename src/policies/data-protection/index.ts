import { createHash } from 'node:crypto';
import { z } from 'zod';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Exchange } from '../../pipeline/exchange.js';
import type { PolicyModule, Verdict } from '../../pipeline/policy.js';
import { detectEntities, type DetectedEntity, type EntityType } from '../../detect/index.js';
import { enforceField } from '../common-schema.js';

const ENTITY_TYPES = ['email', 'phone', 'credit_card', 'iban', 'us_ssn', 'ip_address', 'date_of_birth', 'person', 'street_address', 'secret'] as const satisfies readonly EntityType[];
const action = z.enum(['block', 'redact', 'hash', 'log_only']);
type Action = z.infer<typeof action>;

const configSchema = z
  .object({
    enforce: enforceField,
    defaultAction: action.default('redact').describe('What happens to an entity whose type has no action of its own.'),
    actions: z
      .partialRecord(z.enum(ENTITY_TYPES), action)
      .default({})
      .describe('Action per entity type, e.g. { secret: block, credit_card: block, person: log_only }.'),
    redaction: z
      .enum(['placeholder', 'mask'])
      .default('placeholder')
      .describe('placeholder: [EMAIL_1], [CREDIT_CARD_2]... (the same value gets the same placeholder); mask: every character becomes "*".'),
    minConfidence: z.number().min(0).max(1).default(0.7).describe('Entities found with less confidence are ignored.'),
  })
  .strict()
  .describe('Finds PII and secrets in the request before it reaches the model, and blocks, redacts, hashes or only records them.');

export type DataProtectionConfig = z.output<typeof configSchema>;

/**
 * The inspect-in phase for sensitive data: every text slot of the request (system, messages, tool
 * calls and results, embeddings input — whatever the wire format) goes through the PII and secret
 * detectors. A block names the entity types, never the values; findings carry positions only.
 */
export const dataProtectionPolicy: PolicyModule<DataProtectionConfig> = {
  name: 'data-protection',
  description: 'Blocks, redacts or hashes PII and secrets in requests.',
  configSchema,
  writes: ['findings', 'decisions', 'body'],
  create(config) {
    const actionOf = (type: EntityType): Action => config.actions[type] ?? config.defaultAction;
    return {
      name: 'data-protection',
      enforce: config.enforce,
      failMode: 'closed',
      hooks: {
        inspectIn(exchange) {
          return inspect(exchange, config, actionOf);
        },
      },
    };
  },
};

function inspect(exchange: Exchange, config: DataProtectionConfig, actionOf: (type: EntityType) => Action): Verdict {
  const view = exchange.textView;
  if (view === undefined) return undefined;
  const found: { slot: number; entities: DetectedEntity[] }[] = [];
  const blocked = new Set<EntityType>();
  view.slots.forEach((slot, i) => {
    const entities = detectEntities(slot.text).filter((e) => e.confidence >= config.minConfidence);
    if (entities.length === 0) return;
    found.push({ slot: i, entities });
    for (const e of entities) if (actionOf(e.type) === 'block') blocked.add(e.type);
  });
  if (found.length === 0) return undefined;
  const record = (act: (e: DetectedEntity) => string) => {
    for (const { slot, entities } of found) {
      for (const e of entities) {
        exchange.findings.push({ policy: 'data-protection', type: e.type, detector: e.detector, slot, start: e.start, end: e.end, confidence: e.confidence, action: act(e) });
      }
    }
  };
  if (blocked.size > 0) {
    record((e) => (actionOf(e.type) === 'block' ? 'block' : 'none'));
    const types = [...blocked].sort().join(', ');
    return { action: 'deny', error: new GatehouseError('sensitive_data_blocked', `The request contains data policy does not let reach the model: ${types}.`), reason: `blocked: ${types}` };
  }
  record((e) => actionOf(e.type));
  // Placeholders are numbered per type across the whole request: the same value, the same name.
  const names = new Map<string, string>();
  const counters = new Map<EntityType, number>();
  const replacement = (e: DetectedEntity, value: string): string | undefined => {
    const act = actionOf(e.type);
    if (act === 'log_only') return undefined;
    const label = e.type.toUpperCase();
    if (act === 'hash') return `[${label}:${createHash('sha256').update(value).digest('hex').slice(0, 12)}]`;
    if (config.redaction === 'mask') return '*'.repeat(value.length);
    const key = `${e.type}\u0000${value}`;
    let name = names.get(key);
    if (name === undefined) {
      const n = (counters.get(e.type) ?? 0) + 1;
      counters.set(e.type, n);
      name = `[${label}_${n}]`;
      names.set(key, name);
    }
    return name;
  };
  let rewritten = 0;
  for (const { slot, entities } of found) {
    const target = view.slots[slot]!;
    const text = target.text;
    let out = '';
    let at = 0;
    for (const e of [...entities].sort((a, b) => a.start - b.start)) {
      if (e.start < at) continue; // overlapping spans: the first one wins
      const value = text.slice(e.start, e.end);
      const replaced = replacement(e, value);
      if (replaced === undefined) continue;
      out += text.slice(at, e.start) + replaced;
      at = e.end;
      rewritten++;
    }
    if (at > 0) target.set(out + text.slice(at));
  }
  if (rewritten === 0) return { action: 'allow', reason: `recorded ${countTypes(found)}` };
  exchange.decide({ policy: 'data-protection', phase: 'inspectIn', verdict: 'mutate', reason: `rewrote ${rewritten} entities (${countTypes(found)})`, enforced: true });
  return undefined;
}

function countTypes(found: readonly { entities: readonly DetectedEntity[] }[]): string {
  const counts = new Map<string, number>();
  for (const { entities } of found) for (const e of entities) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  return [...counts].map(([t, n]) => `${t} ×${n}`).join(', ');
}
