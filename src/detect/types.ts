import type { TextFacts } from './text-facts.js';

/**
 * Detectors are pure functions over text: no I/O, no state between calls, no regex compiled per
 * call. Policies decide what to do with what they find; `gatehouse scan` runs the same functions
 * offline. Offsets are UTF-16 code units of the input (JavaScript string indexes), end exclusive.
 */

/** Entity types. PII types name what was found; every credential is `secret` (the detector says which kind). */
export type EntityType =
  | 'email'
  | 'phone'
  | 'credit_card'
  | 'iban'
  | 'us_ssn'
  | 'ip_address'
  | 'date_of_birth'
  | 'person'
  | 'street_address'
  | 'secret';

export interface DetectedEntity {
  readonly type: EntityType;
  /** Which detector found it, e.g. `email`, `luhn-card`, `aws-access-key-id`, `private-key`. */
  readonly detector: string;
  readonly start: number;
  readonly end: number;
  /** 0..1: how sure the detector is (precision first: structured matches with a checksum ≈ 0.99). */
  readonly confidence: number;
}

/**
 * `facts`: what an earlier pass learnt of this very text (text-facts.ts). A detector may skip work
 * they rule out; its findings are the same with or without them.
 */
export type Detector = (text: string, facts?: TextFacts) => DetectedEntity[];
