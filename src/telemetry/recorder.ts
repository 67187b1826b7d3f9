import type { Exchange } from '../pipeline/exchange.js';
import type { Logger } from './logger.js';

/**
 * The record phase: turns a finished Exchange into one structured log line (the audit trail and
 * metrics will hang off this same function). Never throws; pino writes asynchronously.
 */
export function recordExchange(exchange: Exchange, method: string, path: string, logger: Logger): void {
  try {
    const error = exchange.error;
    const level = error !== undefined && error.fault === 'gateway' ? 'error' : 'info';
    if (!logger.isLevelEnabled(level)) return;
    const status = exchange.clientClosed && exchange.status === undefined ? 499 : (exchange.status ?? error?.status);
    const entry = {
      requestId: exchange.id,
      surface: exchange.surface,
      operation: exchange.operation,
      // Set only when the request was translated for a provider that speaks another API.
      translatedTo: exchange.upstreamOperation !== undefined && exchange.upstreamOperation !== exchange.operation ? exchange.upstreamOperation : undefined,
      method,
      path,
      status,
      model: exchange.requestedModel,
      route: exchange.route?.name,
      provider: exchange.route?.provider.name,
      stream: exchange.surface === 'llm' ? exchange.stream : undefined,
      mcp: exchange.mcp === undefined ? undefined : mcpFields(exchange),
      identity: exchange.identity.id,
      authMethod: exchange.identity.method,
      team: exchange.identity.team,
      credential: exchange.identity.credential,
      decisions: exchange.decisions.length > 0 ? exchange.decisions : undefined,
      // Positions, types and actions only: detectors never hand over the values they found.
      findings: exchange.findings.length > 0 ? exchange.findings : undefined,
      attempts: exchange.attempts.length > 0 ? exchange.attempts : undefined,
      usage: exchange.usage,
      costUsd: exchange.costUsd,
      durationMs: round(exchange.elapsedMs()),
      upstreamMs: round(exchange.upstreamMs),
      overheadMs: round(exchange.overheadMs()),
      clientClosed: exchange.clientClosed || undefined,
      error: error === undefined ? undefined : { code: error.code, fault: error.fault, message: error.message, upstreamStatus: error.upstreamStatus },
    };
    if (error !== undefined && error.fault === 'gateway') logger.error({ ...entry, cause: describeCause(error.cause) }, 'request failed');
    else logger.info(entry, 'request');
  } catch (err) {
    logger.error({ requestId: exchange.id, err: String(err) }, 'could not record exchange');
  }
}

/** The MCP part of a record: endpoint, JSON-RPC method, tool; arguments and result only under audit: enhanced. */
function mcpFields(exchange: Exchange): Record<string, unknown> {
  const mcp = exchange.mcp!;
  const call = mcp.call;
  return {
    endpoint: mcp.endpoint,
    method: mcp.method,
    protocolVersion: mcp.protocolVersion,
    server: call?.server,
    tool: call?.tool,
    upstreamTool: call !== undefined && call.upstreamTool !== call.tool ? call.upstreamTool : undefined,
    rpcError: mcp.rpcError,
    arguments: mcp.captured?.arguments,
    result: mcp.captured?.result,
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) return cause.stack ?? cause.message;
  return String(cause);
}
