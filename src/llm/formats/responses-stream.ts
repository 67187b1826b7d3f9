import type { StreamObserver, WireEvent } from './wire-event.js';
import { usageFromResponses } from './openai-responses.js';
import type { Usage } from '../usage.js';

/**
 * Watches an OpenAI Responses stream passed through untouched: generated text from the text,
 * refusal and function-call-argument deltas (plus function names, as responsesResponseText counts
 * them), usage and the end from response.completed or response.incomplete, and in-band failures
 * from response.failed and `error` events.
 */
export class ResponsesStreamObserver implements StreamObserver {
  usage: Usage | undefined;
  finished = false;
  upstreamError: string | undefined;
  text = '';

  observe(event: WireEvent): void {
    const data = event.data;
    const type = typeof data.type === 'string' ? data.type : event.event;
    switch (type) {
      case 'response.output_text.delta':
      case 'response.refusal.delta':
      case 'response.function_call_arguments.delta':
        if (typeof data.delta === 'string') this.text += data.delta;
        break;
      case 'response.output_item.added': {
        const item = data.item as Record<string, unknown> | null | undefined;
        if (item?.type === 'function_call' && typeof item.name === 'string') this.text += item.name;
        break;
      }
      case 'response.completed':
      case 'response.incomplete':
        this.readUsage(data.response);
        this.finished = true;
        break;
      case 'response.failed': {
        this.readUsage(data.response);
        const error = (data.response as { error?: { message?: unknown } | null } | null | undefined)?.error;
        this.upstreamError = typeof error?.message === 'string' ? error.message : 'The response failed.';
        this.finished = true;
        break;
      }
      case 'error':
        this.upstreamError = typeof data.message === 'string' ? data.message : JSON.stringify(data);
        this.finished = true;
        break;
      default:
        break;
    }
  }

  private readUsage(response: unknown): void {
    if (response === null || typeof response !== 'object') return;
    const usage = usageFromResponses((response as { usage?: unknown }).usage);
    if (usage !== undefined) this.usage = usage;
  }
}
