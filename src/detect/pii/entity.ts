import type { DetectedEntity, EntityType } from '../types.js';

/** Builds a finding; detectors round confidence so equal evidence compares equal when overlaps are resolved. */
export function entity(type: EntityType, detector: string, start: number, end: number, confidence: number): DetectedEntity {
  return { type, detector, start, end, confidence: Math.round(confidence * 100) / 100 };
}

/** The `n` characters before `index`, lower-cased: where context cues ("card", "SSN", "born") are looked for. */
export function before(text: string, index: number, n: number): string {
  return text.slice(Math.max(0, index - n), index).toLowerCase();
}

/** The `n` characters after `end`, lower-cased. */
export function after(text: string, end: number, n: number): string {
  return text.slice(end, end + n).toLowerCase();
}

export function digitsOf(s: string): string {
  return s.replace(/\D/g, '');
}
