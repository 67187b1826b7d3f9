/** Building provider requests and reading provider answers directly, for provider unit tests. */
import type { UpstreamOperation, UpstreamRequest, UpstreamResponse } from '../../src/llm/providers/types.js';

/** An UpstreamRequest for `parsed` (its JSON text is the body unless `options.body` says otherwise). */
export function upstreamRequest(
  operation: UpstreamOperation,
  model: string,
  parsed: Record<string, unknown>,
  options: Partial<Omit<UpstreamRequest, 'parsed'>> = {},
): UpstreamRequest {
  return {
    operation,
    model,
    body: Buffer.from(JSON.stringify(parsed)),
    parsed,
    stream: parsed.stream === true,
    clientHeaders: {},
    requestId: 'req-test',
    signal: new AbortController().signal,
    ...options,
  };
}

/** The whole body of an upstream answer as text. */
export async function readText(response: UpstreamResponse): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of response.body) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}
