/**
 * 2026-07-28 subscriptions/listen, what both transports share: the filter a session asks for when
 * it listens on behalf of the gateway, and the loop that keeps such a subscription open.
 */
import { META, type Json, type JsonRpcNotification } from '../jsonrpc.js';
import type { Logger } from '../../telemetry/logger.js';
import { delay } from './deadline.js';
import { describeError } from './describe-error.js';
import type { UpstreamSubscription } from './types.js';

export const LISTEN = 'subscriptions/listen';
export const ACKNOWLEDGED = 'notifications/subscriptions/acknowledged';

const BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

function declares(capabilities: Json, key: string, flag: string): boolean {
  const c = capabilities[key];
  return typeof c === 'object' && c !== null && (c as Json)[flag] === true;
}

/** Every list_changed notification the server declares, as a subscriptions/listen filter (may be empty). */
export function listChangedFilter(capabilities: Json): Json {
  const filter: Json = {};
  if (declares(capabilities, 'tools', 'listChanged')) filter.toolsListChanged = true;
  if (declares(capabilities, 'prompts', 'listChanged')) filter.promptsListChanged = true;
  if (declares(capabilities, 'resources', 'listChanged')) filter.resourcesListChanged = true;
  return filter;
}

/** Keeps a subscription open until `signal` aborts, reopening it with backoff when it ends or fails. */
export async function holdSubscription(
  open: (onMessage: (m: JsonRpcNotification) => void, signal: AbortSignal) => Promise<UpstreamSubscription>,
  onMessage: (m: JsonRpcNotification) => void,
  signal: AbortSignal,
  logger: Logger,
  upstream: string,
): Promise<void> {
  let backoff = BACKOFF_MS;
  while (!signal.aborted) {
    try {
      const subscription = await open(onMessage, signal);
      const since = Date.now();
      await subscription.ended;
      // A stream that stayed up a while is a healthy one: reopen it promptly.
      if (Date.now() - since > 5000) backoff = BACKOFF_MS;
    } catch (err) {
      if (signal.aborted) return;
      logger.debug({ upstream, err: describeError(err) }, 'MCP upstream subscriptions/listen failed; reopening');
    }
    try {
      await delay(backoff, signal);
    } catch {
      return;
    }
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

/**
 * A notification of a subscription listen() holds, as listeners get it: without the subscription's
 * tag (it names a request of the gateway's own, which nobody downstream knows).
 */
export function untagged(m: JsonRpcNotification): JsonRpcNotification {
  const meta = m.params?._meta;
  if (typeof meta !== 'object' || meta === null || !(META.subscriptionId in meta)) return m;
  const { [META.subscriptionId]: _tag, ...rest } = meta as Json;
  const params: Json = { ...m.params };
  if (Object.keys(rest).length === 0) delete params._meta;
  else params._meta = rest;
  return { ...m, params };
}
