import { Pool, errors as undiciErrors } from 'undici';
import { z } from 'zod';
import { GatehouseError } from '../../../errors/gatehouse-error.js';
import { classifyOpenAICompatibleError } from '../openai-compatible-errors.js';
import type { Provider, ProviderModule, UpstreamOperation, UpstreamRequest, UpstreamResponse } from '../types.js';

const common = {
  apiKey: z
    .string()
    .optional()
    .describe('Sent as "Authorization: Bearer <apiKey>". Use ${ENV} interpolation, e.g. ${OPENAI_API_KEY:-}.'),
  headers: z.record(z.string(), z.string()).default({}).describe('Extra headers sent with every request.'),
  connections: z.number().int().min(1).max(1024).default(128).describe('Maximum open connections to this provider.'),
};

const openaiSchema = z
  .object({
    type: z.literal('openai'),
    baseUrl: z.url().default('https://api.openai.com/v1').describe('API base URL, up to and including /v1.'),
    organization: z.string().optional().describe('Sent as OpenAI-Organization.'),
    project: z.string().optional().describe('Sent as OpenAI-Project.'),
    ...common,
  })
  .strict()
  .describe('OpenAI. Without an API key the provider is listed but its models answer 503 provider_not_configured.');

const compatibleSchema = z
  .object({
    type: z.literal('openai-compatible'),
    baseUrl: z.url().describe('Base URL of any OpenAI-compatible server (vLLM, Ollama, Groq, Together, Mistral...), including /v1.'),
    ...common,
  })
  .strict()
  .describe('Any server that speaks the OpenAI chat completions and embeddings API.');

export type OpenAIConfig = z.infer<typeof openaiSchema>;
export type OpenAICompatibleConfig = z.infer<typeof compatibleSchema>;

const PATHS: Partial<Record<UpstreamOperation, string>> = { chat: '/chat/completions', embeddings: '/embeddings', responses: '/responses' };
// OpenAI-compatible servers rarely implement the Responses API; theirs is translated to chat.
const OPENAI_OPERATIONS: ReadonlySet<UpstreamOperation> = new Set(['chat', 'embeddings', 'responses']);
const COMPATIBLE_OPERATIONS: ReadonlySet<UpstreamOperation> = new Set(['chat', 'embeddings']);

function createOpenAIStyleProvider(
  name: string,
  type: string,
  config: OpenAIConfig | OpenAICompatibleConfig,
  requireKey: boolean,
): Provider {
  const base = new URL(config.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, {
    connections: config.connections,
    keepAliveTimeout: 30_000,
    // Timeouts are applied per attempt by routing/ (so they compose with retries); these are backstops.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const fixedHeaders: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...config.headers };
  const apiKey = config.apiKey !== undefined && config.apiKey !== '' ? config.apiKey : undefined;
  if (apiKey !== undefined) fixedHeaders.authorization = `Bearer ${apiKey}`;
  if ('organization' in config && config.organization) fixedHeaders['openai-organization'] = config.organization;
  if ('project' in config && config.project) fixedHeaders['openai-project'] = config.project;

  return {
    name,
    type,
    format: 'openai',
    operations: type === 'openai' ? OPENAI_OPERATIONS : COMPATIBLE_OPERATIONS,
    unavailableReason: requireKey && apiKey === undefined ? `provider "${name}" has no API key (set apiKey, e.g. from OPENAI_API_KEY)` : undefined,
    async send(request: UpstreamRequest): Promise<UpstreamResponse> {
      try {
        const res = await pool.request({
          method: 'POST',
          path: basePath + PATHS[request.operation]!,
          headers: { ...fixedHeaders, 'x-request-id': request.requestId },
          body: request.body,
          signal: request.signal,
        });
        const body = res.body;
        return {
          status: res.statusCode,
          headers: res.headers,
          body,
          dispose() {
            // Destroying a body that was read to the end would close the connection instead of
            // returning it to the pool: only an unfinished body is destroyed.
            if (!body.destroyed && !body.readableEnded) body.destroy();
          },
        };
      } catch (err) {
        throw transportError(name, err, request.signal);
      }
    },
    classifyError: classifyOpenAICompatibleError,
    close: () => pool.close(),
  };
}

/** Maps an undici transport failure to the catalogue. An abort is re-thrown as its reason. */
export function transportError(provider: string, err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason ?? err;
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return new GatehouseError('upstream_timeout', `Provider "${provider}" did not answer in time.`, { cause: err });
  }
  const code = (err as { code?: string }).code ?? 'unknown';
  return new GatehouseError('upstream_unreachable', `Provider "${provider}" could not be reached (${code}).`, { cause: err });
}

export const openaiProvider: ProviderModule<OpenAIConfig> = {
  type: 'openai',
  configSchema: openaiSchema,
  create: (name, config) => createOpenAIStyleProvider(name, 'openai', config, true),
};

export const openaiCompatibleProvider: ProviderModule<OpenAICompatibleConfig> = {
  type: 'openai-compatible',
  configSchema: compatibleSchema,
  create: (name, config) => createOpenAIStyleProvider(name, 'openai-compatible', config, false),
};
