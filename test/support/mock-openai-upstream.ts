/**
 * A mock OpenAI-compatible upstream for integration tests. It replays the hand-written wire
 * fixtures in test/fixtures/openai/ (see the README there), choosing the scenario from the
 * request's `model` field: `mock-<scenario>`; any other model gets the plain text answer.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { nextTick, startMockServer, writeChunk, type MockUpstream } from './mock-server.js';

export type { MockUpstream, RecordedRequest } from './mock-server.js';

export const MOCK_SCENARIOS = [
  'text',
  'tool-call',
  'parallel-tool-calls',
  'parallel-tool-calls-interleaved',
  'usage-in-last-choice',
  'cut',
  'error-429',
  'error-400-context',
  'error-500',
  'error-401',
  'hang',
  'slow',
  'invalid-json',
  'embeddings',
] as const;
export type MockScenario = (typeof MOCK_SCENARIOS)[number];

const FIXTURE_DIR = new URL('../fixtures/openai/', import.meta.url);
const fixtureCache = new Map<string, string>();

/** Raw text of test/fixtures/openai/<name>. */
export function readFixture(name: string): string {
  let text = fixtureCache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(name, FIXTURE_DIR), 'utf8');
    fixtureCache.set(name, text);
  }
  return text;
}

type Json = Record<string, unknown>;

function readJsonFixture(name: string): Json {
  return JSON.parse(readFixture(name)) as Json;
}

const ERROR_FIXTURES = {
  'error-429': { status: 429, file: 'error-429.json' },
  'error-400-context': { status: 400, file: 'error-400-context.json' },
  'error-500': { status: 500, file: 'error-500.json' },
  'error-401': { status: 401, file: 'error-401.json' },
} as const satisfies Partial<Record<MockScenario, { status: number; file: string }>>;

const CHAT_FIXTURES = {
  text: 'chat-text',
  slow: 'chat-text',
  cut: 'chat-text',
  'tool-call': 'chat-tool-call',
  'parallel-tool-calls': 'chat-parallel-tool-calls',
  'parallel-tool-calls-interleaved': 'chat-parallel-tool-calls',
  'usage-in-last-choice': 'chat-text',
} as const satisfies Partial<Record<MockScenario, string>>;

const SSE_FIXTURES = {
  text: 'chat-text.sse',
  slow: 'chat-text.sse',
  cut: 'chat-cut.sse',
  'tool-call': 'chat-tool-call.sse',
  'parallel-tool-calls': 'chat-parallel-tool-calls.sse',
  'parallel-tool-calls-interleaved': 'chat-parallel-tool-calls-interleaved.sse',
  'usage-in-last-choice': 'chat-usage-in-last-choice.sse',
} as const satisfies Record<keyof typeof CHAT_FIXTURES, string>;

function isScenario(value: string): value is MockScenario {
  return (MOCK_SCENARIOS as readonly string[]).includes(value);
}

/** `mock-<scenario>` selects a scenario; any model without the prefix is plain text. */
function scenarioFor(model: string): MockScenario | undefined {
  if (!model.startsWith('mock-')) return 'text';
  const name = model.slice('mock-'.length);
  return isScenario(name) ? name : undefined;
}

function requestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

function baseHeaders(): Record<string, string> {
  return {
    'x-request-id': requestId(),
    'openai-version': '2020-10-01',
    'openai-processing-ms': '87',
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...baseHeaders(),
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...extra,
  });
  res.end(text);
}

function openAIError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  param: string | null,
  code: string | null,
): void {
  sendJson(res, status, { error: { message, type, param, code } });
}

function sendErrorFixture(res: ServerResponse, scenario: keyof typeof ERROR_FIXTURES): void {
  const { status, file } = ERROR_FIXTURES[scenario];
  const extra: Record<string, string> = status === 429 ? { 'retry-after': '1', 'x-ratelimit-reset-tokens': '644ms' } : {};
  sendJson(res, status, readJsonFixture(file), extra);
}

interface StreamOptions {
  includeUsage: boolean;
  includeObfuscation: boolean;
}

/**
 * Rewrites one fixture event for this request: echo the requested model, and drop what OpenAI
 * would not have sent (usage fields without include_usage, obfuscation when turned off).
 * Returns undefined when the whole event is dropped (the usage-only final chunk).
 */
function rewriteEvent(payload: string, model: string, opts: StreamOptions | undefined): string | undefined {
  if (payload === '[DONE]') return payload;
  const chunk = JSON.parse(payload) as Json;
  chunk.model = model;
  if (opts) {
    if (!opts.includeUsage && 'usage' in chunk) {
      if (Array.isArray(chunk.choices) && chunk.choices.length === 0) return undefined;
      delete chunk.usage;
    }
    if (!opts.includeObfuscation) delete chunk.obfuscation;
  }
  return JSON.stringify(chunk);
}

/** Splits raw event-stream text into the `data:` payloads, in order. */
export function sseDataPayloads(raw: string): string[] {
  return raw
    .split('\n\n')
    .filter((block) => block.length > 0)
    .map((block) => {
      if (!block.startsWith('data: ')) throw new Error(`fixture event is not a data line: ${block.slice(0, 40)}`);
      return block.slice('data: '.length);
    });
}



interface Body {
  model?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown; include_obfuscation?: unknown } | null;
  encoding_format?: unknown;
}

function asBody(json: unknown): Body {
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Body) : {};
}

export function startMockOpenAI(options: { latencyMs?: number } = {}): Promise<MockUpstream> {
  const latencyMs = options.latencyMs ?? 200;
  return startMockServer(
    ({ delay, closed }) => {
      async function streamFixture(res: ServerResponse, file: string, model: string, opts: StreamOptions | undefined, cut: boolean): Promise<void> {
        res.writeHead(200, {
          ...baseHeaders(),
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
        });
        res.flushHeaders();
        for (const payload of sseDataPayloads(readFixture(file))) {
          const data = rewriteEvent(payload, model, opts);
          if (data === undefined) continue;
          if (res.destroyed || closed()) return;
          await writeChunk(res, `data: ${data}\n\n`);
          await nextTick();
        }
        if (cut) res.socket?.destroy();
        else if (!res.destroyed) res.end();
      }

      async function chatCompletions(res: ServerResponse, body: Body, model: string, scenario: MockScenario): Promise<void> {
        if (scenario === 'embeddings') {
          openAIError(res, 400, 'This is not a chat model and thus not supported in the v1/chat/completions endpoint.', 'invalid_request_error', 'model', null);
          return;
        }
        if (scenario === 'slow') await delay(latencyMs);
        if (res.destroyed || closed()) return;
        const chatScenario = scenario as keyof typeof CHAT_FIXTURES;
        if (body.stream === true) {
          const includeUsage = body.stream_options?.include_usage === true;
          const includeObfuscation = body.stream_options?.include_obfuscation !== false;
          // usage-in-last-choice mimics servers that always send usage; served as recorded.
          if (chatScenario === 'usage-in-last-choice') return streamFixture(res, SSE_FIXTURES[chatScenario], model, undefined, false);
          const file = (chatScenario === 'text' || chatScenario === 'slow') && !includeUsage ? 'chat-text-no-usage.sse' : SSE_FIXTURES[chatScenario];
          return streamFixture(res, file, model, { includeUsage, includeObfuscation }, chatScenario === 'cut');
        }
        const completion = readJsonFixture(`${CHAT_FIXTURES[chatScenario]}.json`);
        completion.model = model;
        if (chatScenario === 'cut') {
          // Connection lost mid-body: half a JSON document, then a reset.
          const text = JSON.stringify(completion);
          res.writeHead(200, { ...baseHeaders(), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
          await writeChunk(res, text.slice(0, Math.floor(text.length / 2)));
          res.socket?.destroy();
          return;
        }
        sendJson(res, 200, completion);
      }

      async function embeddings(res: ServerResponse, body: Body, model: string, scenario: MockScenario): Promise<void> {
        if (scenario === 'slow') await delay(latencyMs);
        if (res.destroyed || closed()) return;
        const response = readJsonFixture('embeddings.json');
        response.model = model;
        if (body.encoding_format === 'base64') {
          // The API's base64 form: the float32 vector, little-endian.
          const data = response.data as Array<{ embedding: unknown }>;
          for (const item of data) {
            const floats = item.embedding as number[];
            const buf = Buffer.alloc(floats.length * 4);
            floats.forEach((value, i) => buf.writeFloatLE(value, i * 4));
            item.embedding = buf.toString('base64');
          }
        }
        sendJson(res, 200, response);
      }

      /** The Responses API, replayed from test/fixtures/openai/responses-*.{json,sse} as recorded. */
      async function responses(res: ServerResponse, body: Body, model: string, scenario: MockScenario): Promise<void> {
        const name = scenario === 'tool-call' ? 'responses-function-call' : 'responses-text';
        if (body.stream !== true) {
          const response = readJsonFixture(`${name}.json`);
          response.model = model;
          return sendJson(res, 200, response);
        }
        res.writeHead(200, { ...baseHeaders(), 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
        for (const event of readFixture(`${name}.sse`).split('\n\n')) {
          if (event.trim() === '' || res.destroyed || closed()) continue;
          await writeChunk(res, `${event}\n\n`);
          await nextTick();
        }
        if (!res.destroyed) res.end();
      }

      return async (req, res, { path, json, parseFailed }) => {
        const route = `${req.method} ${path}`;
        if (route === 'GET /v1/models') return sendJson(res, 200, readJsonFixture('models.json'));
        if (route !== 'POST /v1/chat/completions' && route !== 'POST /v1/embeddings' && route !== 'POST /v1/responses') {
          return openAIError(res, 404, `Invalid URL (${req.method} ${path})`, 'invalid_request_error', null, null);
        }
        if (parseFailed) {
          return openAIError(res, 400, 'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.', 'invalid_request_error', null, null);
        }
        const body = asBody(json);
        if (typeof body.model !== 'string' || body.model.length === 0) {
          return openAIError(res, 400, 'you must provide a model parameter', 'invalid_request_error', null, null);
        }
        const model = body.model;
        const scenario = scenarioFor(model);
        if (scenario === undefined) {
          return openAIError(res, 404, `The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', null, 'model_not_found');
        }
        if (scenario === 'hang') return; // never answered; close() destroys the socket
        if (scenario in ERROR_FIXTURES) return sendErrorFixture(res, scenario as keyof typeof ERROR_FIXTURES);
        if (scenario === 'invalid-json') {
          const text = readFixture('invalid-json.txt');
          res.writeHead(200, { ...baseHeaders(), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
          res.end(text);
          return;
        }
        if (path === '/v1/embeddings') return embeddings(res, body, model, scenario);
        if (path === '/v1/responses') return responses(res, body, model, scenario);
        return chatCompletions(res, body, model, scenario);
      };
    },
    (res, err) => openAIError(res, 500, `mock upstream failure: ${String(err)}`, 'server_error', null, null),
  );
}
