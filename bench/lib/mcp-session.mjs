// An MCP session opened as an agent opens one, for the load runs of bench/run.mjs and
// bench/profile.mjs: wrk then repeats MCP_CALL with the returned headers.

/** The tools/call wrk repeats: the mock's one tool (bench/mock-upstream.mjs), ~1 KB of text back. */
export const MCP_CALL = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'lookup_order', arguments: { order_id: 'A-1042' } } });
export const MCP_VERSION = '2025-11-25';

/**
 * Opens an MCP session at `url` as an agent does (initialize, notifications/initialized), checks
 * one tools/call, and returns the headers every later request carries (session id, version).
 */
export async function openMcpSession(url, headers) {
  const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers };
  const post = async (body, extra = {}) => {
    const res = await fetch(url, { method: 'POST', headers: { ...base, ...extra }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    return { res, text: await res.text() };
  };
  const init = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: MCP_VERSION, capabilities: {}, clientInfo: { name: 'gatehouse-bench', version: '1' } } });
  if (init.res.status !== 200) throw new Error(`initialize: status ${init.res.status}: ${init.text.slice(0, 160)}`);
  const session = init.res.headers.get('mcp-session-id');
  if (!session) throw new Error(`initialize: no Mcp-Session-Id: ${init.text.slice(0, 160)}`);
  const mcpHeaders = { 'mcp-session-id': session, 'mcp-protocol-version': MCP_VERSION, accept: base.accept };
  const note = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, mcpHeaders);
  if (note.res.status !== 202) throw new Error(`notifications/initialized: status ${note.res.status}: ${note.text.slice(0, 160)}`);
  const call = await post(JSON.parse(MCP_CALL), mcpHeaders);
  const text = call.text.startsWith('event:') || call.text.startsWith('data:') ? call.text.split('\n').find((l) => l.startsWith('data:'))?.slice(5) ?? '' : call.text;
  const result = JSON.parse(text)?.result;
  if (call.res.status !== 200 || typeof result?.content?.[0]?.text !== 'string' || result.isError) throw new Error(`tools/call: status ${call.res.status}: ${call.text.slice(0, 160)}`);
  return mcpHeaders;
}
