import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { formatPath } from '../config/load.js';
import { GatehouseError, toGatehouseError } from '../errors/gatehouse-error.js';
import { renderOpenAIError } from '../llm/formats/openai-errors.js';
import { consumerSchema, durationSeconds, principalName, teamSchema } from '../identity/identity-config.js';
import type { IdentityService } from '../identity/identity-service.js';
import type { AgentTokenService } from '../identity/open-services.js';
import type { Logger } from '../telemetry/logger.js';
import { readBody } from '../server/body.js';
import { consumerView, keyView, teamView } from './resource-views.js';

export interface AdminApiContext {
  /** The admin token; the API is off without one. */
  readonly token: () => string | undefined;
  readonly identity: () => IdentityService | undefined;
  readonly agentTokens: () => AgentTokenService | undefined;
  readonly logger: Logger;
}

const MAX_ADMIN_BODY = 1024 * 1024;

const createKeyBody = z
  .object({
    consumer: principalName,
    team: principalName.optional(),
    kind: z.enum(['consumer', 'service', 'agent']).optional(),
    name: z.string().min(1).optional(),
    models: z.array(z.string().min(1)).optional(),
    expires: durationSeconds.optional(),
  })
  .strict();
const rotateBody = z.object({ grace: durationSeconds.optional() }).strict();
const tokenBody = z.object({ ttl: durationSeconds.optional() }).strict();
const consumerBody = consumerSchema.omit({ name: true, keys: true });
const teamBody = teamSchema.omit({ name: true });

type Reply = { status: number; body: unknown };

/**
 * /admin/...: teams, consumers and agents, virtual keys, agent tokens, signing-key rotation.
 * JSON in and out; errors in the data plane's OpenAI shape with the same codes. Every call needs
 * `Authorization: Bearer <server.admin.token>`.
 */
export async function handleAdminApi(req: IncomingMessage, res: ServerResponse, path: string, ctx: AdminApiContext, requestId: string): Promise<void> {
  let reply: Reply;
  try {
    authorize(req, ctx.token());
    const identity = ctx.identity();
    if (identity === undefined) throw new GatehouseError('store_unavailable', 'The admin API needs the `identity` section (the store) in the configuration.');
    reply = await route(req, pathParts(path), identity, ctx);
  } catch (err) {
    const error = toGatehouseError(err);
    if (error.fault === 'gateway') ctx.logger.error({ requestId, err: String(error.cause ?? error) }, 'admin API failed');
    const rendered = renderOpenAIError(error, requestId);
    res.writeHead(rendered.status, { ...rendered.headers, 'x-request-id': requestId, 'cache-control': 'no-store' });
    res.end(rendered.body);
    return;
  }
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-request-id': requestId, 'cache-control': 'no-store' });
  res.end(body);
}

function authorize(req: IncomingMessage, token: string | undefined): void {
  if (token === undefined || token === '') throw new GatehouseError('admin_auth_required', 'The admin API is off: set server.admin.token (e.g. from GATEHOUSE_ADMIN_TOKEN).');
  const auth = req.headers.authorization;
  const presented = typeof auth === 'string' && auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : '';
  // Compare digests: constant time whatever the lengths.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  if (presented === '' || !timingSafeEqual(digest(presented), digest(token))) throw new GatehouseError('admin_auth_required');
}

async function body<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const raw = await readBody(req, MAX_ADMIN_BODY, 30_000);
  let parsed: unknown = {};
  if (raw.length > 0) {
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new GatehouseError('invalid_json', `The request body is not valid JSON: ${(err as Error).message}`);
    }
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = formatPath(issue.path);
    throw new GatehouseError('invalid_request', `Invalid request: ${path === '' ? '' : `${path}: `}${issue.message}`, { param: path || undefined });
  }
  return result.data;
}

/** /admin/a/b/c → [a, b, c], decoded; a malformed escape or a path deeper than any route is refused. */
function pathParts(path: string): string[] {
  const parts = path.split('/').slice(2);
  if (parts.length > 3 || parts.some((p) => p === '')) throw new GatehouseError('route_not_found', `No admin route ${path}.`);
  try {
    return parts.map(decodeURIComponent);
  } catch {
    throw new GatehouseError('invalid_request', `The path ${path} is not valid percent-encoding.`);
  }
}

/** A consumer, agent or team name from the path, held to the same rule as in the file. */
function nameFrom(id: string): string {
  const result = principalName.safeParse(id);
  if (!result.success) throw new GatehouseError('invalid_request', `Invalid name "${id.slice(0, 64)}": ${result.error.issues[0]!.message}.`, { param: 'name' });
  return id;
}

function notFound(what: string): GatehouseError {
  return new GatehouseError('resource_not_found', `No ${what}.`);
}

function methodNotAllowed(req: IncomingMessage, allowed: string): GatehouseError {
  return new GatehouseError('method_not_allowed', `${req.method} is not allowed here; use ${allowed}.`);
}

async function route(req: IncomingMessage, parts: string[], identity: IdentityService, ctx: AdminApiContext): Promise<Reply> {
  const store = identity.store;
  const method = req.method ?? 'GET';
  const [collection, id, action] = parts;
  const query = new URL(req.url ?? '/', 'http://admin').searchParams;

  if (collection === 'keys') {
    if (id === undefined) {
      if (method === 'GET') return { status: 200, body: { data: (await store.listKeys({ consumer: query.get('consumer') ?? undefined })).map((k) => keyView(k)) } };
      if (method !== 'POST') throw methodNotAllowed(req, 'GET or POST');
      const b = await body(req, createKeyBody);
      const issued = await identity.createKey({ ...b, expiresInSeconds: b.expires });
      return { status: 201, body: { ...keyView(issued.key), key: issued.secret } };
    }
    if (action === undefined) {
      if (method === 'DELETE') return { status: 200, body: keyView(await identity.revokeKey(id)) };
      if (method !== 'GET') throw methodNotAllowed(req, 'GET or DELETE');
      const key = await store.getKey(id);
      if (key === undefined) throw notFound(`key "${id}"`);
      return { status: 200, body: keyView(key) };
    }
    if (method !== 'POST') throw methodNotAllowed(req, 'POST');
    if (action === 'revoke') return { status: 200, body: keyView(await identity.revokeKey(id)) };
    if (action === 'rotate') {
      const b = await body(req, rotateBody);
      const rotated = await identity.rotateKey(id, b.grace ?? 0);
      return { status: 201, body: { ...keyView(rotated.key), key: rotated.secret, previous: keyView(rotated.previous) } };
    }
    throw notFound(`key action "${action}"`);
  }

  if (collection === 'consumers' || collection === 'agents') {
    const agents = collection === 'agents';
    if (id !== undefined) nameFrom(id);
    if (id === undefined) {
      if (method !== 'GET') throw methodNotAllowed(req, 'GET');
      const list = await store.listConsumers({ kind: agents ? 'agent' : ((query.get('kind') ?? undefined) as 'consumer' | undefined), team: query.get('team') ?? undefined });
      return { status: 200, body: { data: list.map(consumerView) } };
    }
    if (action === 'tokens') {
      if (method !== 'POST') throw methodNotAllowed(req, 'POST');
      const service = ctx.agentTokens();
      const agent = await store.getConsumer(id);
      if (agent === undefined || service === undefined) throw notFound(`agent "${id}"`);
      const b = await body(req, tokenBody);
      const minted = await service.mint(agent, b.ttl);
      return { status: 201, body: { token: minted.token, token_type: 'Bearer', expires_at: new Date(minted.expiresAt).toISOString(), kid: minted.kid, token_id: minted.tokenId } };
    }
    if (action !== undefined) throw notFound(`${collection} action "${action}"`);
    const existing = await store.getConsumer(id);
    if (method === 'GET') {
      if (existing === undefined || (agents && existing.kind !== 'agent')) throw notFound(`${agents ? 'agent' : 'consumer'} "${id}"`);
      return { status: 200, body: consumerView(existing) };
    }
    if (existing?.source === 'config') throw new GatehouseError('invalid_request', `"${id}" is declared in the configuration file; change it there.`);
    if (method === 'DELETE') {
      if (!(await store.deleteConsumer(id))) throw notFound(`consumer "${id}"`);
      identity.forgetAll();
      return { status: 200, body: { name: id, deleted: true } };
    }
    if (method !== 'PUT') throw methodNotAllowed(req, 'GET, PUT or DELETE');
    const b = await body(req, consumerBody);
    if (b.team !== undefined && (await store.getTeam(b.team)) === undefined) {
      throw new GatehouseError('invalid_request', `No team "${b.team}": create it first (PUT /admin/teams/${b.team}).`, { param: 'team' });
    }
    const { models, mcpServers, mcpTools, routes, ...rest } = b;
    const saved = await store.upsertConsumer({ ...rest, kind: agents ? 'agent' : rest.kind, name: id, grants: { models, mcpServers, mcpTools, routes }, source: 'api' });
    identity.forgetAll();
    return { status: existing === undefined ? 201 : 200, body: consumerView(saved) };
  }

  if (collection === 'teams') {
    if (action !== undefined) throw new GatehouseError('route_not_found', `No admin route /admin/${parts.join('/')}.`);
    if (id !== undefined) nameFrom(id);
    if (id === undefined) {
      if (method !== 'GET') throw methodNotAllowed(req, 'GET');
      return { status: 200, body: { data: (await store.listTeams()).map(teamView) } };
    }
    const existing = await store.getTeam(id);
    if (method === 'GET') {
      if (existing === undefined) throw notFound(`team "${id}"`);
      return { status: 200, body: teamView(existing) };
    }
    if (existing?.source === 'config') throw new GatehouseError('invalid_request', `Team "${id}" is declared in the configuration file; change it there.`);
    if (method === 'DELETE') {
      const members = await store.listConsumers({ team: id });
      if (members.length > 0) {
        throw new GatehouseError('invalid_request', `Team "${id}" still has ${members.length} member(s); move or delete them first.`);
      }
      if (!(await store.deleteTeam(id))) throw notFound(`team "${id}"`);
      identity.forgetAll();
      return { status: 200, body: { name: id, deleted: true } };
    }
    if (method !== 'PUT') throw methodNotAllowed(req, 'GET, PUT or DELETE');
    const { models, mcpServers, mcpTools, routes, ...rest } = await body(req, teamBody);
    const saved = await store.upsertTeam({ ...rest, name: id, grants: { models, mcpServers, mcpTools, routes }, source: 'api' });
    identity.forgetAll();
    return { status: existing === undefined ? 201 : 200, body: teamView(saved) };
  }

  if (collection === 'signing-keys' && id === 'rotate' && action === undefined) {
    if (method !== 'POST') throw methodNotAllowed(req, 'POST');
    const service = ctx.agentTokens();
    if (service === undefined) throw notFound('agent token service');
    return { status: 201, body: await service.rotateSigningKey() };
  }
  throw new GatehouseError('route_not_found', `No admin route /admin/${parts.join('/')}.`);
}

