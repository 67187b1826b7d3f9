import { z } from 'zod';
import { createHttpUpstream, httpProviderFields } from '../http-upstream.js';
import { classifyOpenAICompatibleError } from '../openai-compatible-errors.js';
import type { Provider, ProviderModule, UpstreamOperation } from '../types.js';

const common = {
  apiKey: z
    .string()
    .optional()
    .describe('Sent as "Authorization: Bearer <apiKey>". Use ${ENV} interpolation, e.g. ${OPENAI_API_KEY:-}.'),
  ...httpProviderFields,
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
  const upstream = createHttpUpstream(name, config.baseUrl, config.connections);
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
    send: (request) => {
      const headers: Record<string, string> = { ...fixedHeaders, 'x-request-id': request.requestId };
      if (request.providerKey !== undefined) headers.authorization = `Bearer ${request.providerKey}`;
      return upstream.post(PATHS[request.operation]!, headers, request);
    },
    classifyError: classifyOpenAICompatibleError,
    close: () => upstream.close(),
  };
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
