import { chatImageUrl } from './image-sources.js';
import { malformed, unsupported, requireObject } from './translation-errors.js';
import { isJsonObject } from '../formats/json-object.js';

/**
 * An Anthropic Messages request as an OpenAI chat completions request. Used only when the provider
 * behind the route speaks chat and the client speaks Anthropic; docs/translation.md has the full
 * table. Fields not listed there are not carried over. Dropped on purpose:
 * - thinking and redacted_thinking blocks, and the `thinking` parameter: chat completions has no
 *   place for signed reasoning, and a chat model reasons (or not) on its own;
 * - top_k: chat has no top-k sampling;
 * - cache_control: OpenAI caches prompt prefixes automatically;
 * - a tool result's is_error flag: chat tool messages have no such flag (the text still says what
 *   went wrong);
 * - service_tier, container, context_management: Anthropic account-side features.
 */
export interface MessagesToChatOptions {
  /** The provider's model id. */
  readonly model: string;
}

type ChatMessage = Record<string, unknown>;

export function messagesToChatRequest(body: Record<string, unknown>, options: MessagesToChatOptions): Record<string, unknown> {
  if (body.mcp_servers !== undefined && body.mcp_servers !== null) {
    throw unsupported('Anthropic-hosted MCP servers cannot be used through a chat completions provider.', 'mcp_servers');
  }
  const messages: ChatMessage[] = [];
  const system = chatSystem(body.system);
  if (system !== undefined) messages.push(system);
  (body.messages as unknown[]).forEach((raw, i) => {
    const m = requireObject(raw, `messages[${i}]`);
    if (m.role === 'user') messages.push(...userMessages(m.content, i));
    else messages.push(...assistantMessages(m.content, i));
  });

  const out: Record<string, unknown> = { model: options.model, messages };
  if (typeof body.max_tokens === 'number') out.max_completion_tokens = body.max_tokens;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) out.stop = body.stop_sequences;
  if (typeof body.temperature === 'number') out.temperature = body.temperature;
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  const tools = Array.isArray(body.tools) ? body.tools.map((t, i) => chatTool(t, i)) : [];
  if (tools.length > 0) out.tools = tools;
  // OpenAI rejects tool_choice and parallel_tool_calls on a request without tools.
  if (isJsonObject(body.tool_choice) && tools.length > 0) {
    out.tool_choice = chatToolChoice(body.tool_choice);
    if (body.tool_choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  }
  if (isJsonObject(body.metadata) && typeof body.metadata.user_id === 'string') out.user = body.metadata.user_id;
  if (body.stream === true) {
    out.stream = true;
    // Without it a chat stream carries no usage at all, and a streamed call must cost what the
    // same call unstreamed costs.
    out.stream_options = { include_usage: true };
  }
  return out;
}

function chatSystem(system: unknown): ChatMessage | undefined {
  if (typeof system === 'string') return system === '' ? undefined : { role: 'system', content: system };
  if (!Array.isArray(system) || system.length === 0) return undefined;
  const texts = system.map((b, j) => {
    const block = requireObject(b, `system[${j}]`);
    if (block.type !== 'text' || typeof block.text !== 'string') throw malformed('System blocks must be text blocks.', `system[${j}]`);
    return block.text;
  });
  // Separate blocks stay separate parts: joining them would mean choosing a separator for the client.
  return { role: 'system', content: texts.length === 1 ? texts[0] : texts.map((text) => ({ type: 'text', text })) };
}

/**
 * A user turn becomes its tool results, as `tool` messages, and then a user message with the rest.
 * Tool results go first because chat requires tool messages right after the assistant's calls.
 */
function userMessages(content: unknown, i: number): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const path = `messages[${i}].content`;
  const toolMessages: ChatMessage[] = [];
  const parts: Record<string, unknown>[] = [];
  blocks(content, path).forEach((block, j) => {
    const at = `${path}[${j}]`;
    switch (block.type) {
      case 'tool_result':
        toolMessages.push(toolMessage(block, at));
        break;
      case 'text':
        parts.push({ type: 'text', text: text(block, at) });
        break;
      case 'image':
        parts.push({ type: 'image_url', image_url: { url: chatImageUrl(block.source, `${at}.source`) } });
        break;
      default:
        throw unsupported(`Content blocks of type "${String(block.type)}" cannot be translated to chat completions.`, at);
    }
  });
  if (parts.length === 0) return toolMessages;
  const [only] = parts;
  const userContent = parts.length === 1 && only !== undefined && only.type === 'text' ? only.text : parts;
  return [...toolMessages, { role: 'user', content: userContent }];
}

function toolMessage(block: Record<string, unknown>, path: string): ChatMessage {
  if (typeof block.tool_use_id !== 'string') throw malformed('A tool_result block needs tool_use_id.', `${path}.tool_use_id`);
  let content = '';
  if (typeof block.content === 'string') {
    content = block.content;
  } else if (Array.isArray(block.content)) {
    content = blocks(block.content, `${path}.content`)
      .map((part, k) => {
        if (part.type !== 'text') throw unsupported('Chat tool messages can only hold text.', `${path}.content[${k}]`);
        return text(part, `${path}.content[${k}]`);
      })
      .join('\n');
  } else if (block.content !== undefined && block.content !== null) {
    throw malformed('tool_result content must be a string or an array of blocks.', `${path}.content`);
  }
  return { role: 'tool', tool_call_id: block.tool_use_id, content };
}

function assistantMessages(content: unknown, i: number): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'assistant', content }];
  const path = `messages[${i}].content`;
  let texts = '';
  let hasText = false;
  const toolCalls: Record<string, unknown>[] = [];
  blocks(content, path).forEach((block, j) => {
    const at = `${path}[${j}]`;
    switch (block.type) {
      case 'text':
        // Several text blocks in one answer are one text split up (around citations, say).
        texts += text(block, at);
        hasText = true;
        break;
      case 'tool_use':
        toolCalls.push(toolCall(block, at));
        break;
      case 'thinking':
      case 'redacted_thinking':
        break;
      default:
        throw unsupported(`Content blocks of type "${String(block.type)}" cannot be translated to chat completions.`, at);
    }
  });
  // A turn that was only thinking has nothing left to say in chat.
  if (!hasText && toolCalls.length === 0) return [];
  const message: ChatMessage = { role: 'assistant', content: hasText ? texts : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return [message];
}

function toolCall(block: Record<string, unknown>, path: string): Record<string, unknown> {
  if (typeof block.id !== 'string') throw malformed('A tool_use block needs an id.', `${path}.id`);
  if (typeof block.name !== 'string') throw malformed('A tool_use block needs a name.', `${path}.name`);
  if (block.input !== undefined && !isJsonObject(block.input)) throw malformed('A tool_use input must be an object.', `${path}.input`);
  return { id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } };
}

function chatTool(raw: unknown, i: number): Record<string, unknown> {
  const tool = requireObject(raw, `tools[${i}]`);
  // Anthropic's server tools (web search, code execution, bash, ...) run at Anthropic.
  if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
    throw unsupported(`The server tool "${String(tool.type)}" runs only at Anthropic.`, `tools[${i}]`);
  }
  if (typeof tool.name !== 'string') throw malformed('A tool needs a name.', `tools[${i}].name`);
  const fn: Record<string, unknown> = { name: tool.name };
  if (typeof tool.description === 'string') fn.description = tool.description;
  if (isJsonObject(tool.input_schema)) fn.parameters = tool.input_schema;
  return { type: 'function', function: fn };
}

function chatToolChoice(choice: Record<string, unknown>): unknown {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      if (typeof choice.name !== 'string') throw malformed('tool_choice of type "tool" needs a name.', 'tool_choice.name');
      return { type: 'function', function: { name: choice.name } };
    default:
      throw unsupported(`tool_choice of type "${String(choice.type)}" cannot be translated to chat completions.`, 'tool_choice');
  }
}

function text(block: Record<string, unknown>, path: string): string {
  if (typeof block.text !== 'string') throw malformed('A text block needs a string text.', `${path}.text`);
  return block.text;
}

function blocks(content: unknown, path: string): Record<string, unknown>[] {
  if (!Array.isArray(content)) throw malformed('Content must be a string or an array of blocks.', path);
  return content.map((b, j) => requireObject(b, `${path}[${j}]`));
}


