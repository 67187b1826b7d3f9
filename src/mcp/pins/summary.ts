import { boundToolSummary, type ToolSummary } from '../../state/tool-pin-store.js';

/**
 * What a reviewer needs to decide on a definition without reading its whole schema: the
 * description and the names of the top-level arguments, bounded to 4 KB.
 */
export function summarizeTool(tool: Record<string, unknown>): ToolSummary {
  const description = typeof tool.description === 'string' ? tool.description : null;
  const schema = tool.inputSchema;
  const properties =
    schema !== null && typeof schema === 'object' && !Array.isArray(schema)
      ? (schema as Record<string, unknown>).properties
      : undefined;
  const names = properties !== null && typeof properties === 'object' && !Array.isArray(properties) ? Object.keys(properties) : [];
  return boundToolSummary({ description, properties: names });
}
