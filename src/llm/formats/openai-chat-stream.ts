import type { StreamObserver, WireEvent } from './wire-event.js';
import { usageFromOpenAI, type Usage } from '../usage.js';

/**
 * Watches an OpenAI chat completions stream: usage from the usage chunk, completion from a
 * finish_reason, in-band `{error}` chunks, and generated text (content and tool-call arguments).
 */
export class ChatStreamObserver implements StreamObserver {
  usage: Usage | undefined;
  finished = false;
  upstreamError: string | undefined;
  text = '';

  observe(event: WireEvent): void {
    const chunk = event.data;
    if (chunk.error !== undefined && chunk.error !== null) {
      const err = chunk.error as { message?: unknown };
      this.upstreamError = typeof err.message === 'string' ? err.message : JSON.stringify(chunk.error);
      this.finished = true;
      return;
    }
    const choices = chunk.choices;
    if (Array.isArray(choices)) {
      for (const choice of choices as (Record<string, unknown> | null)[]) {
        if (choice === null || typeof choice !== 'object') continue;
        if (choice.finish_reason !== null && choice.finish_reason !== undefined) this.finished = true;
        const delta = choice.delta as Record<string, unknown> | null | undefined;
        if (delta === null || typeof delta !== 'object') continue;
        if (typeof delta.content === 'string') this.text += delta.content;
        if (Array.isArray(delta.tool_calls)) {
          for (const call of delta.tool_calls as (Record<string, Record<string, unknown> | undefined> | null)[]) {
            const fn = call?.function;
            if (fn) this.text += (typeof fn.name === 'string' ? fn.name : '') + (typeof fn.arguments === 'string' ? fn.arguments : '');
          }
        }
      }
    }
    if (chunk.usage !== undefined && chunk.usage !== null) {
      const usage = usageFromOpenAI(chunk.usage);
      if (usage !== undefined) this.usage = usage;
    }
  }
}
