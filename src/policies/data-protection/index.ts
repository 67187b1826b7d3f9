import { z } from 'zod';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Exchange } from '../../pipeline/exchange.js';
import type { PolicyModule, Verdict } from '../../pipeline/policy.js';
import type { ResponseInspector, TextEncoding } from '../../pipeline/response-inspection.js';
import { detectEntities, type DetectedEntity, type EntityType, type TextFacts } from '../../detect/index.js';
import { enforceField, scanCacheField } from '../common-schema.js';
import { ScanCache } from '../../detect/scan-cache.js';
import { ACTIONS, Redactor, type Action } from './redactor.js';
import { SettlingWindow } from './stream-window.js';

const ENTITY_TYPES = ['email', 'phone', 'credit_card', 'iban', 'us_ssn', 'ip_address', 'date_of_birth', 'person', 'street_address', 'secret'] as const satisfies readonly EntityType[];
const action = z.enum(ACTIONS);

const configSchema = z
  .object({
    enforce: enforceField,
    defaultAction: action.default('redact').describe('What happens to an entity whose type has no action of its own.'),
    actions: z
      .partialRecord(z.enum(ENTITY_TYPES), action)
      .default({})
      .describe('Action per entity type, e.g. { secret: block, credit_card: block, email: pseudonymize, person: log_only }.'),
    direction: z
      .enum(['request', 'response', 'both'])
      .optional()
      .describe(
        'Which way the detectors look: at what the caller sends, at what the model answers (streams included), or both. Default: request for LLM calls; both for MCP tool calls (arguments and results). Pseudonyms are put back into the response whatever this says.',
      ),
    redaction: z
      .enum(['placeholder', 'mask'])
      .default('placeholder')
      .describe('How `redact` writes: placeholder: [EMAIL_1], [CREDIT_CARD_2]... (the same value gets the same placeholder); mask: every character becomes "*".'),
    minConfidence: z.number().min(0).max(1).default(0.7).describe('Entities found with less confidence are ignored.'),
    scanCache: scanCacheField,
    streamWindow: z
      .number()
      .int()
      .min(16)
      .max(4096)
      .default(64)
      .describe('Characters of a streamed response held back so that an entity split across chunks is seen whole (docs/guardrails.md: the latency this adds).'),
    streamMaxHold: z
      .number()
      .int()
      .min(256)
      .max(1_048_576)
      .default(4096)
      .describe('Most characters one stream channel holds while waiting for the end of a word or an entity; beyond it text is released.'),
  })
  .strict()
  .describe('Finds PII and secrets in requests and responses, and blocks, redacts, pseudonymizes (reversibly), hashes or only records them.');

export type DataProtectionConfig = z.output<typeof configSchema>;

const POLICY = 'data-protection';

/**
 * Sensitive data in both directions. Inspect-in: every text slot of the request (system, messages,
 * tool calls and results, embeddings input — whatever the wire format) goes through the PII and
 * secret detectors. Inspect-out: a ResponseInspector registered on the Exchange puts pseudonyms
 * back and, with `direction: response|both`, runs the same detectors over the response's slots —
 * in streams through a boundary-safe window. A block names the entity types, never the values;
 * findings carry positions only.
 */
export const dataProtectionPolicy: PolicyModule<DataProtectionConfig> = {
  name: POLICY,
  description: 'Blocks, redacts, pseudonymizes or hashes PII and secrets in requests and responses.',
  configSchema,
  writes: ['findings', 'decisions', 'body', 'responseInspectors'],
  create(config) {
    const actionOf = (type: EntityType): Action => config.actions[type] ?? config.defaultAction;
    // In a response there is nothing to give back: a pseudonym is a placeholder like any other.
    const responseActionOf = (type: EntityType): Action => {
      const act = actionOf(type);
      return act === 'pseudonymize' ? 'redact' : act;
    };
    const cache = new ScanCache<readonly DetectedEntity[]>(config.scanCache);
    // A cached list is shared: scan hands each request its own copy (inspectRequest sorts it).
    const confident = (text: string, facts?: TextFacts): DetectedEntity[] => detectEntities(text, facts).filter((e) => e.confidence >= config.minConfidence);
    return {
      name: POLICY,
      enforce: config.enforce,
      failMode: 'closed',
      hooks: {
        inspectIn(exchange) {
          const direction = config.direction ?? (exchange.surface === 'mcp' ? 'both' : 'request');
          const inRequest = direction !== 'response';
          const inResponse = direction !== 'request';
          const redactor = new Redactor(config.redaction);
          const scan = (text: string, facts: TextFacts | undefined): DetectedEntity[] => {
            const found = cache.get(exchange.identity.id, text, facts === undefined ? confident : (t) => confident(t, facts));
            return found.length === 0 ? [] : found.slice();
          };
          const verdict = inRequest ? inspectRequest(exchange, redactor, scan, actionOf) : undefined;
          if (inResponse || redactor.hasPseudonyms) {
            // Answers are new text (and stream windows are slices): scanned without the cache.
            exchange.addResponseInspector(responseInspector(exchange, config, redactor, inResponse ? confident : undefined, responseActionOf));
          }
          return verdict;
        },
      },
    };
  },
};

function inspectRequest(
  exchange: Exchange,
  redactor: Redactor,
  scan: (text: string, facts: TextFacts | undefined) => DetectedEntity[],
  actionOf: (type: EntityType) => Action,
): Verdict {
  const view = exchange.textView;
  if (view === undefined) return undefined;
  const found: { slot: number; entities: DetectedEntity[] }[] = [];
  const blocked = new Set<EntityType>();
  view.slots.forEach((slot, i) => {
    const entities = scan(slot.text, slot.facts);
    if (entities.length === 0) return;
    entities.sort((a, b) => a.start - b.start);
    found.push({ slot: i, entities });
    for (const e of entities) if (actionOf(e.type) === 'block') blocked.add(e.type);
  });
  if (found.length === 0) return undefined;
  const record = (act: (e: DetectedEntity) => string) => {
    for (const { slot, entities } of found) {
      for (const e of entities) {
        exchange.findings.push({ policy: POLICY, type: e.type, detector: e.detector, slot, start: e.start, end: e.end, confidence: e.confidence, action: act(e) });
      }
    }
  };
  if (blocked.size > 0) {
    record((e) => (actionOf(e.type) === 'block' ? 'block' : 'none'));
    const types = [...blocked].sort().join(', ');
    return { action: 'deny', error: new GatehouseError('sensitive_data_blocked', `The request contains data policy does not let reach the model: ${types}.`), reason: `blocked: ${types}` };
  }
  record((e) => actionOf(e.type));
  let rewritten = 0;
  for (const { slot, entities } of found) {
    const target = view.slots[slot]!;
    const result = redactor.rewrite(target.text, entities, actionOf, target.encoding, false);
    if (result.rewritten === 0) continue;
    target.set(result.text);
    rewritten += result.rewritten;
  }
  if (rewritten === 0) return { action: 'allow', reason: `recorded ${countTypes(found)}` };
  exchange.decide({ policy: POLICY, phase: 'inspectIn', verdict: 'mutate', reason: `rewrote ${rewritten} entities (${countTypes(found)})`, enforced: true });
  return undefined;
}

/**
 * The response side: `scan` is undefined when only pseudonyms need restoring (direction: request),
 * and then nothing is held back in streams either — a placeholder is one run of non-space text, so
 * the window only waits for the end of the current word.
 */
function responseInspector(
  exchange: Exchange,
  config: DataProtectionConfig,
  redactor: Redactor,
  scan: ((text: string) => DetectedEntity[]) | undefined,
  actionOf: (type: EntityType) => Action,
): ResponseInspector {
  const tally = { rewritten: 0, restored: 0 };
  const noEntities = (): DetectedEntity[] => [];
  const detect = scan ?? noEntities;
  const settle = (text: string, entities: DetectedEntity[], encoding: TextEncoding, slot: number, offset: number): string => {
    if (entities.length > 0) {
      const blocked = new Set<EntityType>();
      for (const e of entities) if (actionOf(e.type) === 'block') blocked.add(e.type);
      for (const e of entities) {
        exchange.findings.push({
          policy: POLICY,
          type: e.type,
          detector: e.detector,
          slot,
          start: offset + e.start,
          end: offset + e.end,
          confidence: e.confidence,
          action: blocked.size > 0 && actionOf(e.type) !== 'block' ? 'none' : actionOf(e.type),
          direction: 'response',
        });
      }
      if (blocked.size > 0) {
        const types = [...blocked].sort().join(', ');
        exchange.decide({ policy: POLICY, phase: 'inspectOut', verdict: 'deny', reason: `blocked in the response: ${types}`, code: 'sensitive_data_blocked', enforced: config.enforce });
        if (config.enforce) {
          throw new GatehouseError('sensitive_data_blocked', `The response contains data policy does not let reach the caller: ${types}.`);
        }
      }
    }
    const result = redactor.rewrite(text, entities, actionOf, encoding, true);
    if (result.rewritten > 0 || result.restored > 0) {
      if (tally.rewritten + tally.restored === 0) {
        // One decision for the whole response, however many slots or stream segments it took.
        exchange.decide({
          policy: POLICY,
          phase: 'inspectOut',
          verdict: 'mutate',
          get reason() {
            return tally.restored === 0 ? `rewrote ${tally.rewritten} entities in the response` : `rewrote ${tally.rewritten} entities and restored ${tally.restored} pseudonyms in the response`;
          },
          enforced: true,
        });
      }
      tally.rewritten += result.rewritten;
      tally.restored += result.restored;
    }
    return result.text;
  };
  const window = { window: scan === undefined ? 0 : config.streamWindow, maxHold: config.streamMaxHold };
  return {
    rewrite(text, encoding, slot) {
      const entities = detect(text).sort((a, b) => a.start - b.start);
      return settle(text, entities, encoding, slot, 0);
    },
    open(encoding, channel) {
      return new SettlingWindow(window, detect, (segment, entities, offset) => settle(segment, entities, encoding, channel, offset));
    },
  };
}

function countTypes(found: readonly { entities: readonly DetectedEntity[] }[]): string {
  const counts = new Map<string, number>();
  for (const { entities } of found) for (const e of entities) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  return [...counts].map(([t, n]) => `${t} ×${n}`).join(', ');
}
