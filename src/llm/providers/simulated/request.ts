/**
 * The parts of OpenAI and Anthropic requests the simulator reads, parsed loosely (unknown fields
 * are allowed, as both APIs allow them), and the OpenAI-style `param` of the first problem when
 * parsing fails.
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

// Anthropic Messages. Content blocks are kept loose: the simulator reads text, tool_use and
// tool_result blocks and ignores the others (images, documents, thinking).
const messagesBase = z.looseObject({
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['user', 'assistant']),
        content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]),
      }),
    )
    .min(1),
  system: z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))]).optional(),
  tools: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        type: z.string().nullish(),
        input_schema: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
  tool_choice: z
    .union([
      z.looseObject({ type: z.literal('tool'), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
      z.looseObject({ type: z.enum(['auto', 'any', 'none']), disable_parallel_tool_use: z.boolean().optional() }),
    ])
    .optional(),
});

/** A Messages request; max_tokens is required, as Anthropic requires it. */
export const messagesRequestSchema = messagesBase.extend({ max_tokens: positiveInt });

export type MessagesRequest = z.output<typeof messagesRequestSchema>;

/** A count_tokens request: a Messages request without max_tokens. */
export const countTokensRequestSchema = messagesBase;

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
