/**
 * Token counting for when a provider does not report usage (a cut stream, an OpenAI-compatible
 * server without usage) and for the simulated provider. Uses the o200k_base encoding (GPT-4o and
 * later); for other model families it is an estimate, and usage records say so via `estimated`.
 *
 * The encoding costs ~70 MB of memory and ~0.3 s to load, so it is loaded on first use (or by
 * warmTokenizer()), never by a gateway whose providers always report usage.
 */
import { createRequire } from 'node:module';

interface Encoding {
  countTokens(text: string): number;
  encode(text: string): number[];
  decode(tokens: number[]): string;
}

const require = createRequire(import.meta.url);
let encoding: Encoding | undefined;

function o200k(): Encoding {
  encoding ??= require('gpt-tokenizer/encoding/o200k_base') as Encoding;
  return encoding;
}

/** Loads the encoding now, so the first request that needs it does not pay for it. */
export function warmTokenizer(): void {
  o200k();
}

export function countTextTokens(text: string): number {
  if (text.length === 0) return 0;
  return o200k().countTokens(text);
}

/** The text cut to at most `maxTokens` tokens; `cut` says whether anything was removed. */
export function capTokens(text: string, maxTokens: number | undefined): { text: string; cut: boolean } {
  if (maxTokens === undefined) return { text, cut: false };
  const tokens = o200k().encode(text);
  if (tokens.length <= maxTokens) return { text, cut: false };
  return { text: o200k().decode(tokens.slice(0, maxTokens)), cut: true };
}

/**
 * Prompt tokens of a chat request, counted the way OpenAI documents for its chat models: every
 * message costs 3 tokens of framing plus its content and name, and every reply is primed with 3.
 * Tool definitions are counted as their JSON text (OpenAI's own framing of them is not public).
 */
export function countChatPromptTokens(body: Readonly<Record<string, unknown>>): number {
  let total = 3;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    if (message === null || typeof message !== 'object') continue;
    const m = message as Record<string, unknown>;
    total += 3;
    total += countTextTokens(contentText(m.content));
    if (typeof m.name === 'string') total += 1 + countTextTokens(m.name);
    if (Array.isArray(m.tool_calls)) total += countTextTokens(JSON.stringify(m.tool_calls));
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) total += countTextTokens(JSON.stringify(body.tools));
  return total;
}

/**
 * Input tokens of an Anthropic Messages (or count_tokens) request, with the same framing as
 * countChatPromptTokens: 3 per message (the system prompt counts as one), 3 to prime the reply.
 * Counted: text, tool_use names and inputs (as JSON), tool_result contents, and the tool
 * definitions as JSON text. Images, documents and thinking blocks are not counted. Anthropic's
 * tokenizer is not public, so for Claude models this is an estimate; the simulator reports it as
 * exact usage, and the gateway uses it to answer count_tokens for providers that have no counter.
 */
export function countMessagesPromptTokens(body: Readonly<Record<string, unknown>>): number {
  let total = 3;
  const system = messagesContentText(body.system);
  if (system !== '') total += 3 + countTextTokens(system);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    if (message === null || typeof message !== 'object') continue;
    total += 3 + countTextTokens(messagesContentText((message as { content?: unknown }).content));
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) total += countTextTokens(JSON.stringify(body.tools));
  return total;
}

/** The countable text of Messages content: a string, or its text, tool_use and tool_result blocks. */
function messagesContentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const block of content) {
    if (block === null || typeof block !== 'object') continue;
    const b = block as Record<string, unknown>;
    if (b.type === 'text' && typeof b.text === 'string') text += b.text;
    else if (b.type === 'tool_use') text += `${typeof b.name === 'string' ? b.name : ''}${JSON.stringify(b.input ?? {})}`;
    else if (b.type === 'tool_result') text += messagesContentText(b.content);
  }
  return text;
}

/** The text of a chat message's content: a string, or the text parts of a parts array. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (part !== null && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
      text += (part as { text: string }).text;
    }
  }
  return text;
}
