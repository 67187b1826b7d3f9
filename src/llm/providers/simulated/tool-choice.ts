/**
 * When the simulator calls tools, and with which arguments — one rule for every wire format, so
 * the same conversation calls the same tools whether it arrives as OpenAI chat or Anthropic
 * Messages. Each format maps its own tool list and tool_choice onto these types.
 */
export interface ToolSpec {
  readonly name: string;
  /** The JSON Schema of the arguments (OpenAI `parameters`, Anthropic `input_schema`). */
  readonly parameters: Record<string, unknown> | undefined;
}

/** auto: call what the user mentions; required: at least one (OpenAI "required", Anthropic "any"). */
export type ToolChoice = { readonly kind: 'none' | 'auto' | 'required' } | { readonly kind: 'named'; readonly name: string };

export interface ToolSituation {
  readonly tools: readonly ToolSpec[];
  readonly choice: ToolChoice;
  /** The last message is a tool result: the model answers it with text. */
  readonly afterToolResult: boolean;
  /** Several tools may be called in one answer. */
  readonly parallel: boolean;
  /** The text of the last user message. */
  readonly userText: string;
}

export type ChosenTools = { readonly ok: true; readonly tools: readonly ToolSpec[] } | { readonly ok: false; readonly unknownName: string };

/**
 * Which tools to call: none when the choice is "none" or the last message is a tool result; the
 * named one for a named choice; else the tools the user's text mentions (in order of mention; only
 * the first when calls may not be parallel); else the first tool if a call is required.
 */
export function chooseTools(situation: ToolSituation): ChosenTools {
  const { tools, choice } = situation;
  if (tools.length === 0 || choice.kind === 'none' || situation.afterToolResult) return { ok: true, tools: [] };
  if (choice.kind === 'named') {
    const named = tools.find((t) => t.name === choice.name);
    return named === undefined ? { ok: false, unknownName: choice.name } : { ok: true, tools: [named] };
  }
  const firstMention = new Map<string, number>();
  for (const match of situation.userText.matchAll(/[A-Za-z0-9_-]+/g)) {
    const word = match[0].toLowerCase();
    if (!firstMention.has(word)) firstMention.set(word, match.index);
  }
  const mentioned = tools
    .filter((t) => firstMention.has(t.name.toLowerCase()))
    .sort((a, b) => (firstMention.get(a.name.toLowerCase()) ?? 0) - (firstMention.get(b.name.toLowerCase()) ?? 0));
  if (mentioned.length > 0) return { ok: true, tools: situation.parallel ? mentioned : mentioned.slice(0, 1) };
  if (choice.kind === 'required') return { ok: true, tools: [tools[0]] };
  return { ok: true, tools: [] };
}
