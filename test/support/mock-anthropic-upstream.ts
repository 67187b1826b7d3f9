/**
 * A mock Anthropic Messages upstream for integration tests. It replays the wire fixtures in
 * test/fixtures/anthropic/ (see the README there), choosing the scenario from the request's
 * `model`: `mock-<scenario>`; any other model gets the plain text answer.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { nextTick, startMockServer, writeChunk, type MockUpstream } from './mock-server.js';

export const ANTHROPIC_SCENARIOS = [
  'text',
  'tool-use',
  'thinking',
  'cache-usage',
  'error-overloaded',
  'error-400',
  'error-401',
  'error-429',
  'error-529',
  'error-500',
  'cut',
  'hang',
] as const;
export type AnthropicScenario = (typeof ANTHROPIC_SCENARIOS)[number];

const FIXTURE_DIR = new URL('../fixtures/anthropic/', import.meta.url);

/** Raw text of test/fixtures/anthropic/<name>. */
export function readAnthropicFixture(name: string): string {
  return readFileSync(new URL(name, FIXTURE_DIR), 'utf8');
}

const ERRORS: Partial<Record<AnthropicScenario, { status: number; file: string }>> = {
  'error-400': { status: 400, file: 'error-400.json' },
  'error-401': { status: 401, file: 'error-401.json' },
  'error-429': { status: 429, file: 'error-429.json' },
  'error-529': { status: 529, file: 'error-529.json' },
  'error-500': { status: 500, file: 'error-500.json' },
};

function scenarioFor(model: string): AnthropicScenario | undefined {
  if (!model.startsWith('mock-')) return 'text';
  const name = model.slice('mock-'.length);
  return (ANTHROPIC_SCENARIOS as readonly string[]).includes(name) ? (name as AnthropicScenario) : undefined;
}

function sendJson(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'request-id': `req_${randomBytes(12).toString('hex')}`,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...extra,
  });
  res.end(body);
}

function anthropicError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, JSON.stringify({ type: 'error', error: { type, message } }));
}

/** The fixture base name of a scenario's message (streamed: `.sse`, unstreamed: `.json`). */
function messageFixture(scenario: AnthropicScenario): string {
  if (scenario === 'tool-use' || scenario === 'thinking' || scenario === 'cache-usage') return `messages-${scenario}`;
  return 'messages-text';
}

export function startMockAnthropic(): Promise<MockUpstream> {
  return startMockServer(
    ({ closed }) => {
      async function stream(res: ServerResponse, file: string, cutAfter: number | undefined): Promise<void> {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': 'req_mock' });
        const events = readAnthropicFixture(file)
          .split('\n\n')
          .filter((e) => e.trim() !== '');
        for (const [i, event] of events.entries()) {
          if (cutAfter !== undefined && i === cutAfter) {
            res.socket?.destroy();
            return;
          }
          if (res.destroyed || closed()) return;
          await writeChunk(res, `${event}\n\n`);
          await nextTick();
        }
        if (!res.destroyed) res.end();
      }

      return async (req, res, { path, json, parseFailed }) => {
        const route = `${req.method} ${path}`;
        if (route !== 'POST /v1/messages' && route !== 'POST /v1/messages/count_tokens') {
          return anthropicError(res, 404, 'not_found_error', `Not found: ${req.method} ${path}`);
        }
        if (req.headers['x-api-key'] === undefined) return anthropicError(res, 401, 'authentication_error', 'x-api-key header is required');
        if (parseFailed) return anthropicError(res, 400, 'invalid_request_error', 'There was an issue with your request: invalid JSON');
        const body = (json ?? {}) as Record<string, unknown>;
        if (typeof body.model !== 'string') return anthropicError(res, 400, 'invalid_request_error', 'model: Field required');
        const scenario = scenarioFor(body.model);
        if (scenario === undefined) return anthropicError(res, 404, 'not_found_error', `model: ${body.model}`);
        if (path === '/v1/messages/count_tokens') return sendJson(res, 200, readAnthropicFixture('count-tokens.json'));
        if (typeof body.max_tokens !== 'number') return anthropicError(res, 400, 'invalid_request_error', 'max_tokens: Field required');
        if (scenario === 'hang') return;
        const error = ERRORS[scenario];
        if (error !== undefined) {
          return sendJson(res, error.status, readAnthropicFixture(error.file), error.status === 429 || error.status === 529 ? { 'retry-after': '3' } : {});
        }
        const streamed = body.stream === true;
        if (scenario === 'error-overloaded') {
          if (streamed) return stream(res, 'messages-error-overloaded.sse', undefined);
          return sendJson(res, 529, readAnthropicFixture('error-529.json'));
        }
        if (!streamed) return sendJson(res, 200, readAnthropicFixture(`${messageFixture(scenario)}.json`));
        return stream(res, `${messageFixture(scenario)}.sse`, scenario === 'cut' ? 4 : undefined);
      };
    },
    (res, err) => anthropicError(res, 500, 'api_error', `mock upstream failure: ${String(err)}`),
  );
}
