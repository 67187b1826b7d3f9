import { GatehouseError } from '../../errors/gatehouse-error.js';
import { inputItemType } from '../formats/openai-responses.js';
import { isJsonObject } from '../formats/json-object.js';

/**
 * A Responses API request as a chat completions request, for providers that only speak chat.
 * What chat cannot express is refused with `unsupported_feature` naming the field, never dropped
 * silently; the few things dropped on purpose are those that change nothing a stateless
 * provider could do (see docs/translation.md): reasoning items, `store`, `truncation`, `include`
 * entries about built-in tools, reasoning summaries.
 */
type Body = Record<string, unknown>;
type ChatMessage = Record<string, unknown>;

export interface ResponsesToChatOptions {
  /** The upstream model id. */
  readonly model: string;
}

const IMAGE_DETAIL = new Set(['auto', 'low', 'high']);
const TOOL_CHOICE_MODES = new Set(['auto', 'none', 'required']);

export function responsesToChatRequest(body: Readonly<Body>, options: ResponsesToChatOptions): Body {
  refuseStatefulFeatures(body);
  const out: Body = { model: options.model, messages: chatMessages(body) };

  const tools = chatTools(body.tools);
  if (tools !== undefined) out.tools = tools;
  if (present(body.tool_choice)) out.tool_choice = chatToolChoice(body.tool_choice);
  if (present(body.parallel_tool_calls)) out.parallel_tool_calls = body.parallel_tool_calls;
  if (present(body.max_output_tokens)) out.max_completion_tokens = body.max_output_tokens;
  for (const key of ['temperature', 'top_p', 'user', 'service_tier', 'safety_identifier', 'prompt_cache_key', 'prompt_cache_retention'] as const) {
    if (present(body[key])) out[key] = body[key];
  }
  Object.assign(out, chatTextOptions(body.text), chatLogprobs(body));

  const reasoning = body.reasoning as Body | null | undefined;
  // Only the effort has a chat equivalent; summaries are never produced by a chat provider.
  if (isJsonObject(reasoning) && present(reasoning.effort)) out.reasoning_effort = reasoning.effort;

  if (body.stream === true) {
    out.stream = true;
    // Usage arrives only in this extra chunk; a streamed call must cost what the unstreamed one does.
    const streamOptions: Body = { include_usage: true };
    const clientOptions = body.stream_options as Body | null | undefined;
    if (isJsonObject(clientOptions) && typeof clientOptions.include_obfuscation === 'boolean') streamOptions.include_obfuscation = clientOptions.include_obfuscation;
    out.stream_options = streamOptions;
  }
  return out;
}

/** The gateway keeps no conversation state for translated providers and runs nothing in the background. */
function refuseStatefulFeatures(body: Readonly<Body>): void {
  const stateful: Record<string, string> = {
    previous_response_id: 'previous_response_id needs the stored conversation, which the gateway does not keep for this provider; send the full conversation in input',
    conversation: 'conversations are stored state the gateway does not keep for this provider; send the full conversation in input',
    prompt: 'stored prompt templates exist only at OpenAI; send the prompt in instructions and input',
    context_management: 'server-side context compaction cannot be done by this provider',
  };
  for (const [param, why] of Object.entries(stateful)) {
    if (present(body[param])) throw unsupported(param, `${why}.`);
  }
  if (body.background === true) throw unsupported('background', 'background responses cannot be run by this provider.');
}

function chatMessages(body: Readonly<Body>): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (typeof body.instructions === 'string' && body.instructions !== '') messages.push({ role: 'system', content: body.instructions });
  if (typeof body.input === 'string') {
    messages.push({ role: 'user', content: body.input });
    return messages;
  }
  if (!Array.isArray(body.input)) return messages;
  (body.input as unknown[]).forEach((item, i) => {
    const param = `input[${i}]`;
    if (!isJsonObject(item)) throw invalid(param, 'an input item must be an object.');
    const type = inputItemType(item);
    switch (type) {
      case 'message':
        messages.push(chatMessage(item, param));
        break;
      case 'function_call':
        addToolCall(messages, item, param);
        break;
      case 'function_call_output':
        messages.push({ role: 'tool', tool_call_id: requireString(item, 'call_id', param), content: toolOutput(item.output, `${param}.output`) });
        break;
      case 'reasoning':
        // A chat provider cannot take reasoning back (OpenAI's is encrypted); the model reasons anew.
        break;
      case 'item_reference':
        throw unsupported(param, 'item references point to items stored at OpenAI, which the gateway does not keep for this provider; send the items themselves.');
      default:
        throw unsupported(param, `input items of type "${String(type)}" cannot be translated to chat completions.`);
    }
  });
  return messages;
}

function chatMessage(item: Body, param: string): ChatMessage {
  const role = item.role;
  if (role === 'assistant') return assistantMessage(item, param);
  if (role !== 'user' && role !== 'system' && role !== 'developer') {
    throw invalid(`${param}.role`, 'role must be one of "user", "assistant", "system", "developer".');
  }
  // Chat servers other than OpenAI rarely know "developer"; OpenAI treats the two alike.
  const chatRole = role === 'developer' ? 'system' : role;
  if (typeof item.content === 'string') return { role: chatRole, content: item.content };
  const parts = contentParts(item.content, `${param}.content`);
  return { role: chatRole, content: parts.map((part, j) => chatPart(part, `${param}.content[${j}]`, chatRole)) };
}

function chatPart(part: Body, param: string, role: string): Body {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: requireString(part, 'text', param) };
    case 'input_image': {
      if (role !== 'user') throw unsupported(param, `chat completions takes images only in user messages, not in ${role} messages.`);
      if (typeof part.image_url !== 'string' || part.image_url === '') {
        throw unsupported(param, 'images given by file_id refer to OpenAI file storage, which this provider cannot read; send image_url (a URL or a data: URL).');
      }
      const image: Body = { url: part.image_url };
      // "original" (full resolution) has no chat equivalent; "high" is the nearest.
      if (part.detail === 'original') image.detail = 'high';
      else if (IMAGE_DETAIL.has(part.detail as string)) image.detail = part.detail;
      return { type: 'image_url', image_url: image };
    }
    case 'input_file':
      throw unsupported(param, 'file inputs cannot be translated to chat completions for this provider.');
    default:
      throw unsupported(param, `content parts of type "${String(part.type)}" cannot be translated to chat completions.`);
  }
}

function assistantMessage(item: Body, param: string): ChatMessage {
  if (typeof item.content === 'string') return { role: 'assistant', content: item.content };
  let text = '';
  let refusal: string | undefined;
  contentParts(item.content, `${param}.content`).forEach((part, j) => {
    const partParam = `${param}.content[${j}]`;
    if (part.type === 'output_text' || part.type === 'input_text') text += requireString(part, 'text', partParam);
    else if (part.type === 'refusal') refusal = (refusal ?? '') + requireString(part, 'refusal', partParam);
    else throw unsupported(partParam, `assistant content parts of type "${String(part.type)}" cannot be translated to chat completions.`);
  });
  const message: ChatMessage = { role: 'assistant', content: text };
  if (refusal !== undefined) message.refusal = refusal;
  return message;
}

/**
 * Chat keeps the tool calls of one turn in one assistant message: consecutive function_call
 * items join the assistant message just before them (its text, or the calls already gathered).
 */
function addToolCall(messages: ChatMessage[], item: Body, param: string): void {
  const call = {
    id: requireString(item, 'call_id', param),
    type: 'function',
    function: { name: requireString(item, 'name', param), arguments: requireString(item, 'arguments', param) },
  };
  const last = messages.at(-1);
  if (last?.role === 'assistant') {
    last.tool_calls = [...((last.tool_calls as unknown[] | undefined) ?? []), call];
    return;
  }
  messages.push({ role: 'assistant', content: null, tool_calls: [call] });
}

function toolOutput(output: unknown, param: string): string {
  if (typeof output === 'string') return output;
  let text = '';
  contentParts(output, param).forEach((part, j) => {
    if (part.type !== 'input_text') throw unsupported(`${param}[${j}]`, `chat tool results carry only text, not "${String(part.type)}" parts.`);
    text += requireString(part, 'text', `${param}[${j}]`);
  });
  return text;
}

function chatTools(tools: unknown): Body[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  return tools.map((tool: unknown, i) => {
    const param = `tools[${i}]`;
    if (!isJsonObject(tool)) throw invalid(param, 'a tool must be an object.');
    if (tool.type !== 'function') {
      throw unsupported(param, `the built-in tool "${String(tool.type)}" runs only at OpenAI; a chat completions provider can call function tools only.`);
    }
    const fn: Body = { name: requireString(tool, 'name', param) };
    for (const key of ['description', 'parameters', 'strict'] as const) {
      if (present(tool[key])) fn[key] = tool[key];
    }
    return { type: 'function', function: fn };
  });
}

function chatToolChoice(choice: unknown): unknown {
  if (typeof choice === 'string') {
    if (!TOOL_CHOICE_MODES.has(choice)) throw invalid('tool_choice', 'tool_choice must be "auto", "none", "required" or an object.');
    return choice;
  }
  if (!isJsonObject(choice)) throw invalid('tool_choice', 'tool_choice must be "auto", "none", "required" or an object.');
  if (choice.type === 'function') return { type: 'function', function: { name: requireString(choice, 'name', 'tool_choice') } };
  if (choice.type === 'allowed_tools') {
    const tools = Array.isArray(choice.tools) ? (choice.tools as unknown[]) : [];
    return {
      type: 'allowed_tools',
      allowed_tools: {
        mode: choice.mode,
        tools: tools.map((tool, i) => {
          const param = `tool_choice.tools[${i}]`;
          if (!isJsonObject(tool) || tool.type !== 'function') throw unsupported(param, 'only function tools can be allowed on a chat completions provider.');
          return { type: 'function', function: { name: requireString(tool, 'name', param) } };
        }),
      },
    };
  }
  throw unsupported('tool_choice', `tool_choice of type "${String(choice.type)}" names a tool a chat completions provider does not have.`);
}

function chatTextOptions(text: unknown): Body {
  if (!isJsonObject(text)) return {};
  const out: Body = {};
  if (present(text.verbosity)) out.verbosity = text.verbosity;
  const format = text.format;
  if (!isJsonObject(format) || format.type === 'text') return out;
  if (format.type === 'json_object') out.response_format = { type: 'json_object' };
  else if (format.type === 'json_schema') {
    const schema: Body = { name: requireString(format, 'name', 'text.format') };
    for (const key of ['description', 'schema', 'strict'] as const) {
      if (present(format[key])) schema[key] = format[key];
    }
    out.response_format = { type: 'json_schema', json_schema: schema };
  } else {
    throw unsupported('text.format', `text.format of type "${String(format.type)}" cannot be translated to chat completions.`);
  }
  return out;
}

/** Logprobs come back when the client includes them or asks for alternatives (chat needs logprobs:true for either). */
function chatLogprobs(body: Readonly<Body>): Body {
  const include = Array.isArray(body.include) ? (body.include as unknown[]) : [];
  const top = typeof body.top_logprobs === 'number' && body.top_logprobs > 0 ? body.top_logprobs : undefined;
  if (!include.includes('message.output_text.logprobs') && top === undefined) return {};
  return top === undefined ? { logprobs: true } : { logprobs: true, top_logprobs: top };
}

function contentParts(content: unknown, param: string): Body[] {
  if (!Array.isArray(content)) throw invalid(param, 'content must be a string or an array of content parts.');
  return content.map((part: unknown, j) => {
    if (!isJsonObject(part) || typeof part.type !== 'string') throw invalid(`${param}[${j}]`, 'a content part must be an object with a type.');
    return part;
  });
}

function requireString(holder: Body, key: string, param: string): string {
  const value = holder[key];
  if (typeof value !== 'string') throw invalid(`${param}.${key}`, `${key} must be a string.`);
  return value;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}


function unsupported(param: string, why: string): GatehouseError {
  return new GatehouseError('unsupported_feature', `Cannot translate ${param} for this provider: ${why}`, { param });
}

function invalid(param: string, why: string): GatehouseError {
  return new GatehouseError('invalid_request', `Invalid request: ${param}: ${why}`, { param });
}
