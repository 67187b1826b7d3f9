/** Durations as written in config, the CLI and the admin API: `90s`, `15m`, `12h`, `30d`, `2w`, or seconds as a number. */
const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Ten years: longer lifetimes are refused (they would also overflow what dates can show). */
export const MAX_DURATION_SECONDS = 10 * 366 * 86_400;

/** Seconds, or undefined when the text is not a duration of at most ten years. */
export function parseDurationSeconds(value: string | number): number | undefined {
  const seconds = typeof value === 'number' ? value : textSeconds(value);
  return seconds !== undefined && Number.isFinite(seconds) && seconds > 0 && seconds <= MAX_DURATION_SECONDS ? seconds : undefined;
}

function textSeconds(value: string): number | undefined {
  const match = /^\s*(\d{1,12}(?:\.\d{1,6})?)\s*([smhdw])\s*$/.exec(value);
  return match === null ? undefined : Number(match[1]) * UNITS[match[2]!]!;
}
