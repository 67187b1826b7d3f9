/** A parsed JSON object: not null, not an array. Wire bodies are read through this guard. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
