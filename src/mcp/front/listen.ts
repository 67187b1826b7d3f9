/**
 * `subscriptions/listen` for stateless (2026-07-28) agents: the endpoint's one stream of
 * list_changed and resources/updated notifications, gathered from its upstreams.
 *
 * Each 2026-07-28 upstream gets its own subscriptions/listen for what the agent asked and the
 * server declares; a session-era upstream is listened to on its GET stream (and resources/subscribe
 * for the URIs asked). Only once every upstream has answered does the agent get its
 * acknowledgement — the first message of the stream, naming what is honored — so a change made
 * right after it is not lost. Every later notification carries the agent's subscriptionId (the
 * listen request's id), only the types it asked for, never progress or log lines. Closing the
 * stream ends the upstream subscriptions; at shutdown the agent gets the final result.
 */
import type { Logger } from '../../telemetry/logger.js';
import { isJsonObject } from '../../llm/formats/json-object.js';
import { ERR, META, errorResponse, type Json, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../jsonrpc.js';
import { ACKNOWLEDGED, holdSubscription } from '../upstream/subscription.js';
import type { UpstreamMessage, UpstreamSession } from '../upstream/types.js';
import type { CallContext } from './dispatch.js';
import type { AbortLike } from '../../pipeline/abort.js';

/** The filter key for each list_changed notification, and the capability that declares it. */
const LIST_CHANGED: Record<string, { key: string; capability: string }> = {
  'notifications/tools/list_changed': { key: 'toolsListChanged', capability: 'tools' },
  'notifications/prompts/list_changed': { key: 'promptsListChanged', capability: 'prompts' },
  'notifications/resources/list_changed': { key: 'resourcesListChanged', capability: 'resources' },
};
const UPDATED = 'notifications/resources/updated';
/** Keep-alive comments on a quiet stream (proxies drop idle connections). */
const KEEP_ALIVE_MS = 15_000;

function declares(session: UpstreamSession, capability: string, flag: string): boolean {
  const c = session.serverCapabilities[capability];
  return isJsonObject(c) && c[flag] === true;
}

/** What the agent asked for, as a filter: the list_changed keys set to true, and resource URIs. */
function requestedOf(params: Json): { keys: Set<string>; uris: string[] } {
  const notifications = isJsonObject(params.notifications) ? params.notifications : {};
  const keys = new Set(Object.values(LIST_CHANGED).map((l) => l.key).filter((k) => notifications[k] === true));
  const uris = Array.isArray(notifications.resourceSubscriptions) ? notifications.resourceSubscriptions.filter((u): u is string => typeof u === 'string') : [];
  return { keys, uris };
}

export async function listen(ctx: CallContext, request: JsonRpcRequest, sessionFor: (server: string) => Promise<UpstreamSession>): Promise<Json | JsonRpcResponse> {
  if (!ctx.reply.canStream) return errorResponse(request.id, ERR.invalidRequest, 'subscriptions/listen answers with an event stream: accept text/event-stream.');
  const subscriptionId = request.id;
  const wanted = requestedOf(request.params ?? {});
  const honoredKeys = new Set<string>();
  const honoredUris = new Set<string>();
  const controller = new AbortController();
  const stops: (() => void)[] = [];
  const stopCancel = ctx.signal.aborted ? (controller.abort(), () => undefined) : listenOnce(ctx.signal, () => controller.abort());
  const stopShutdown = ctx.hub.onShutdown(() => controller.abort());
  // Until the agent has its acknowledgement, what the upstreams send waits.
  let queue: JsonRpcNotification[] | undefined = [];

  const relay = (session: UpstreamSession) => (m: UpstreamMessage) => {
    if ('id' in m && m.id !== undefined && m.id !== null) {
      // A session-era server's request on its GET stream: nobody here can answer it.
      void session.respond(errorResponse(m.id, ERR.methodNotFound, `${m.method}: no agent of this stream can answer.`)).catch(() => undefined);
      return;
    }
    const listChanged = LIST_CHANGED[m.method];
    if (listChanged?.key === 'toolsListChanged') ctx.hub.toolsChanged(session);
    const uri = m.params?.uri;
    const wantedHere = listChanged !== undefined ? honoredKeys.has(listChanged.key) : m.method === UPDATED && typeof uri === 'string' && honoredUris.has(uri);
    if (!wantedHere) return;
    const params = { ...m.params, _meta: { ...(isJsonObject(m.params?._meta) ? m.params._meta : {}), [META.subscriptionId]: subscriptionId } };
    const tagged: JsonRpcNotification = { jsonrpc: '2.0', method: m.method, params };
    if (queue !== undefined) queue.push(tagged);
    else ctx.reply.send(tagged);
  };

  const settled = await Promise.allSettled(
    ctx.endpoint.servers.map(async ({ server }) => {
      const session = await sessionFor(server);
      if (session.era === 'modern') return subscribeModern(ctx.logger, server, session, wanted, relay(session), controller.signal, honoredKeys, honoredUris);
      stops.push(await listenLegacy(ctx, session, wanted, relay(session), honoredKeys, honoredUris));
    }),
  );
  settled.forEach((r, i) => {
    if (r.status === 'rejected' && !controller.signal.aborted) {
      ctx.logger.warn({ requestId: ctx.exchange.id, server: ctx.endpoint.servers[i]!.server, err: String((r.reason as Error)?.message ?? r.reason) }, 'MCP listen: server left out');
    }
  });

  const acknowledged: Json = {};
  for (const key of honoredKeys) acknowledged[key] = true;
  if (honoredUris.size > 0) acknowledged.resourceSubscriptions = [...honoredUris];
  ctx.reply.send({ jsonrpc: '2.0', method: ACKNOWLEDGED, params: { notifications: acknowledged, _meta: { [META.subscriptionId]: subscriptionId } } });
  for (const m of queue) ctx.reply.send(m);
  queue = undefined;

  const keepAlive = setInterval(() => ctx.reply.comment('keep-alive'), KEEP_ALIVE_MS);
  keepAlive.unref();
  try {
    await new Promise<void>((resolve) => (controller.signal.aborted ? resolve() : controller.signal.addEventListener('abort', () => resolve(), { once: true })));
  } finally {
    clearInterval(keepAlive);
    controller.abort();
    for (const stop of stops) stop();
    stopCancel();
    stopShutdown();
  }
  // Seen only when the gateway ends the stream (shutdown); an agent that left sees nothing.
  return { _meta: { [META.subscriptionId]: subscriptionId } };
}

/** A 2026-07-28 upstream: its own subscription for what it declares of what was asked, kept open. */
async function subscribeModern(
  logger: Logger,
  server: string,
  session: UpstreamSession,
  wanted: { keys: Set<string>; uris: string[] },
  deliver: (m: UpstreamMessage) => void,
  signal: AbortSignal,
  honoredKeys: Set<string>,
  honoredUris: Set<string>,
): Promise<void> {
  const filter: Json = {};
  for (const { key, capability } of Object.values(LIST_CHANGED)) if (wanted.keys.has(key) && declares(session, capability, 'listChanged')) filter[key] = true;
  if (wanted.uris.length > 0 && declares(session, 'resources', 'subscribe')) filter.resourceSubscriptions = wanted.uris;
  if (Object.keys(filter).length === 0) return;
  const first = await session.subscribe(filter, deliver, signal);
  for (const [key, value] of Object.entries(first.acknowledged)) {
    if (value === true && wanted.keys.has(key)) honoredKeys.add(key);
    if (key === 'resourceSubscriptions' && Array.isArray(value)) for (const uri of value) if (typeof uri === 'string' && wanted.uris.includes(uri)) honoredUris.add(uri);
  }
  // The upstream may end its stream (a restart, a proxy's idle limit): it is opened again.
  void first.ended.then(() => holdSubscription((d, s) => session.subscribe(filter, d, s), deliver, signal, logger, server));
}

/** A session-era upstream: its GET stream (list_changed it declares), resources/subscribe for the URIs. */
async function listenLegacy(
  ctx: CallContext,
  session: UpstreamSession,
  wanted: { keys: Set<string>; uris: string[] },
  deliver: (m: UpstreamMessage) => void,
  honoredKeys: Set<string>,
  honoredUris: Set<string>,
): Promise<() => void> {
  for (const { key, capability } of Object.values(LIST_CHANGED)) if (wanted.keys.has(key) && declares(session, capability, 'listChanged')) honoredKeys.add(key);
  if (wanted.uris.length > 0 && declares(session, 'resources', 'subscribe')) {
    // The pooled session is shared: subscriptions stay (an unsubscribe could cut off another agent).
    for (const uri of wanted.uris) {
      const response = await session.request('resources/subscribe', { uri }, { signal: ctx.signal });
      if (response.error === undefined) honoredUris.add(uri);
    }
  }
  return session.listen(deliver);
}

function listenOnce(signal: AbortLike, fn: () => void): () => void {
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}
