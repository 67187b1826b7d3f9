import type { DetectedEntity } from '../types.js';

/**
 * Keeps one finding per region: highest confidence first, then the longest span, then the earliest;
 * anything overlapping a kept finding is dropped. Result in order of position.
 */
export function resolveOverlaps(found: readonly DetectedEntity[]): DetectedEntity[] {
  if (found.length <= 1) return found.length === 0 ? [] : [found[0]];
  const ranked = [...found].sort(
    (a, b) => b.confidence - a.confidence || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const kept: DetectedEntity[] = [];
  for (const e of ranked) {
    if (!kept.some((k) => e.start < k.end && k.start < e.end)) kept.push(e);
  }
  return kept.sort((a, b) => a.start - b.start);
}
