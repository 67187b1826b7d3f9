/**
 * Anthropic's API: the Messages API and its token counter, natively. Auth is `x-api-key`; every
 * request carries `anthropic-version`, and `anthropic-beta` when features in beta are asked for.
 */
import { z } from 'zod';
import { classifyAnthropicError } from '../anthropic-errors.js';
import { createHttpUpstream, httpProviderFields } from '../http-upstream.js';
import type { Provider, ProviderModule, UpstreamOperation, UpstreamRequest } from '../types.js';

const anthropicSchema = z
  .object({
    type: z.literal('anthropic'),
    apiKey: z
      .string()
      .optional()
      .describe('Sent as "x-api-key". Use ${ENV} interpolation, e.g. ${ANTHROPIC_API_KEY:-}.'),
    baseUrl: z.url().default('https://api.anthropic.com/v1').describe('API base URL, up to and including /v1.'),
    version: z
      .string()
      .min(1)
      .default('2023-06-01')
      .describe('Sent as "anthropic-version" when the client sent none (a client\'s own anthropic-version header wins).'),
    betas: z
      .array(z.string().min(1))
      .default([])
      .describe('Beta features sent in "anthropic-beta" on every request, merged with the ones the client asks for.'),
    ...httpProviderFields,
    defaultMaxTokens: z
      .number()
      .int()
      .min(1)
      .default(4096)
      .describe('max_tokens for a request translated from another format that set none (Anthropic requires it).'),
  })
  .strict()
  .describe("Anthropic's Messages API. Without an API key the provider is listed but its models answer 503 provider_not_configured.");

export type AnthropicConfig = z.infer<typeof anthropicSchema>;

const PATHS: Partial<Record<UpstreamOperation, string>> = { messages: '/messages', count_tokens: '/messages/count_tokens' };
const OPERATIONS: ReadonlySet<UpstreamOperation> = new Set(['messages', 'count_tokens']);

/** A client header's values, whether sent once or repeated. */
function headerValues(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/**
 * The configured betas followed by the client's, split on commas, trimmed and de-duplicated with
 * the first occurrence kept: a client may add betas but never loses the ones the operator set.
 */
export function mergeBetas(configured: readonly string[], client: string | readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const list of [...configured, ...headerValues(client)]) {
    for (const item of list.split(',')) {
      const beta = item.trim();
      if (beta !== '' && !out.includes(beta)) out.push(beta);
    }
  }
  return out;
}

export function createAnthropicProvider(name: string, config: AnthropicConfig): Provider {
  const upstream = createHttpUpstream(name, config.baseUrl, config.connections);
  const apiKey = config.apiKey !== undefined && config.apiKey !== '' ? config.apiKey : undefined;
  // Only these headers go upstream: the client's own credentials (x-api-key, authorization) are
  // gateway keys and must never reach Anthropic.
  const fixedHeaders: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...config.headers };
  if (apiKey !== undefined) fixedHeaders['x-api-key'] = apiKey;

  function headersFor(request: UpstreamRequest): Record<string, string> {
    const clientVersion = headerValues(request.clientHeaders['anthropic-version'])
      .map((v) => v.trim())
      .find((v) => v !== '');
    const headers: Record<string, string> = {
      ...fixedHeaders,
      'anthropic-version': clientVersion ?? config.version,
      'x-request-id': request.requestId,
    };
    if (request.providerKey !== undefined) headers['x-api-key'] = request.providerKey;
    const betas = mergeBetas(config.betas, request.clientHeaders['anthropic-beta']);
    if (betas.length > 0) headers['anthropic-beta'] = betas.join(',');
    return headers;
  }

  return {
    name,
    type: 'anthropic',
    format: 'anthropic',
    operations: OPERATIONS,
    defaultMaxTokens: config.defaultMaxTokens,
    unavailableReason: apiKey === undefined ? `provider "${name}" has no API key (set apiKey, e.g. from ANTHROPIC_API_KEY)` : undefined,
    send: (request) => upstream.post(PATHS[request.operation]!, headersFor(request), request),
    classifyError: (status, headers, body) => classifyAnthropicError(status, headers, body, { provider: name }),
    close: () => upstream.close(),
  };
}

export const anthropicProvider: ProviderModule<AnthropicConfig> = {
  type: 'anthropic',
  configSchema: anthropicSchema,
  create: createAnthropicProvider,
};
