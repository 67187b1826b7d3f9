import { randomBytes } from 'node:crypto';

/**
 * An id for a tool call whose provider gave none (some OpenAI-compatible servers): Anthropic
 * clients answer a tool_use by its id, so every call needs one.
 */
export function generatedToolUseId(): string {
  return `toolu_gh${randomBytes(12).toString('hex')}`;
}
