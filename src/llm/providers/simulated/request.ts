/**
 * The parts of OpenAI requests the simulator reads, parsed loosely (unknown fields are allowed,
 * as OpenAI allows them), and the OpenAI-style `param` of the first problem when parsing fails.
 */
import { z } from 'zod';

const positiveInt = z.number().int().min(1);

const functionTool = z.looseObject({
  type: z.string(),
  function: z
    .looseObject({
      name: z.string().min(1),
      parameters: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});

export const chatRequestSchema = z.looseObject({
  messages: z
    .array(
      z.looseObject({
        role: z.string(),
        content: z.unknown().optional(),
      }),
    )
    .min(1),
  max_tokens: positiveInt.nullish(),
  max_completion_tokens: positiveInt.nullish(),
  tools: z.array(functionTool).nullish(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
      // Other forms (e.g. allowed_tools) are treated as "auto".
      z.looseObject({ type: z.string() }),
    ])
    .nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
});

export type ChatRequest = z.output<typeof chatRequestSchema>;

export const embeddingsRequestSchema = z.looseObject({
  input: z.union([
    z.string().min(1),
    z.array(z.string().min(1)).min(1),
    z.array(z.number().int().min(0)).min(1),
    z.array(z.array(z.number().int().min(0)).min(1)).min(1),
  ]),
  dimensions: positiveInt.max(16384).nullish(),
  encoding_format: z.enum(['float', 'base64']).nullish(),
});

export type EmbeddingsRequest = z.output<typeof embeddingsRequestSchema>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; param: string | null };

export function parseRequest<T>(schema: z.ZodType<T>, body: unknown): Parsed<T> {
  const result = schema.safeParse(body);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const param = issue === undefined ? null : paramOf(issue.path);
  const message = issue === undefined ? 'Invalid request.' : `Invalid ${param ?? 'request'}: ${issue.message}`;
  return { ok: false, message, param };
}

/** `['messages', 0, 'role']` → `messages[0].role`, as OpenAI writes `param`. */
function paramOf(path: readonly PropertyKey[]): string | null {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? null : out;
}
