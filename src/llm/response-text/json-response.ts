import type { Exchange } from '../../pipeline/exchange.js';
import { composeInspectors } from '../../pipeline/response-inspection.js';
import { chatResponseTextView } from '../formats/openai-chat.js';
import { messagesResponseTextView } from '../formats/anthropic-messages.js';
import { responsesResponseTextView } from '../formats/openai-responses.js';
import type { TextView } from '../formats/text-view.js';

const VIEWS: Partial<Record<Exchange['operation'], (json: Record<string, unknown>, onChange: () => void) => TextView>> = {
  chat: chatResponseTextView,
  messages: messagesResponseTextView,
  responses: responsesResponseTextView,
};

/**
 * Inspect-out for a JSON response in the client's format: every text slot through the registered
 * inspectors. Returns the bytes to send instead of the provider's, or undefined when nothing
 * changed (or no policy inspects responses). Throws what an inspector throws (a block).
 */
export function inspectJsonResponse(exchange: Exchange, json: Record<string, unknown>): Buffer | undefined {
  const inspectors = exchange.responseInspectors;
  const view = VIEWS[exchange.operation];
  if (inspectors === undefined || view === undefined) return undefined;
  const inspector = composeInspectors(inspectors);
  let changed = false;
  const slots = view(json, () => {
    changed = true;
  }).slots;
  slots.forEach((slot, i) => {
    const text = slot.text;
    const out = inspector.rewrite(text, slot.encoding, i);
    if (out !== text) slot.set(out);
  });
  return changed ? Buffer.from(JSON.stringify(json)) : undefined;
}
