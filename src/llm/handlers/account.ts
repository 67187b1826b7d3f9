import { runPhases } from '../../pipeline/chain.js';
import type { Exchange } from '../../pipeline/exchange.js';
import { RESPONSE_PHASES } from '../../pipeline/phases.js';
import type { Logger } from '../../telemetry/logger.js';
import { costOf } from '../prices/price-table.js';
import type { Usage } from '../usage.js';
import { inspectJsonResponse } from '../response-text/json-response.js';
import { parseProviderJson } from './provider-json.js';
import { forwardedUsage, usageOrEstimate, type UpstreamFormat } from './upstream-formats.js';

/** Sets usage and cost on the Exchange. A model without a known price costs undefined, not 0. */
export function account(exchange: Exchange, upstreamModel: string, usage: Usage): void {
  exchange.usage = usage;
  const route = exchange.route;
  if (route === undefined) return;
  const price = exchange.runtime.priceOf(route, upstreamModel);
  exchange.costUsd = price === undefined ? undefined : costOf(price, usage);
}

/** The cost as a header value: plain decimal, no exponent, at most 10 decimals. */
export function costHeader(costUsd: number | undefined): string | undefined {
  if (costUsd === undefined) return undefined;
  return costUsd.toFixed(10).replace(/\.?0+$/, '') || '0';
}

export function overheadHeader(exchange: Exchange): string {
  return exchange.overheadMs().toFixed(3);
}

/**
 * A non-streamed answer in the client's own format: accounted, then through the response
 * inspectors. Only when a policy inspects responses is the whole answer parsed; otherwise it is
 * checked and its usage read (forwardedUsage). Returns the bytes to send: the inspectors' rewrite,
 * or the answer as received.
 */
export function acceptNativeAnswer(
  exchange: Exchange,
  format: UpstreamFormat,
  upstreamModel: string,
  upstreamBody: () => Readonly<Record<string, unknown>>,
  buf: Buffer,
): Buffer {
  const provider = exchange.route!.provider.name;
  if (exchange.responseInspectors === undefined) {
    account(exchange, upstreamModel, forwardedUsage(format, upstreamBody, buf, provider));
    return buf;
  }
  const json = parseProviderJson(buf, provider);
  account(exchange, upstreamModel, usageOrEstimate(format, upstreamBody(), json));
  return inspectJsonResponse(exchange, json) ?? buf;
}

/** The inspect-out and account phases of the route's chain; nothing to do (and no promise) when it has none. */
export function runResponsePhases(exchange: Exchange, logger: Logger): Promise<void> | undefined {
  const chain = exchange.route!.chain;
  return chain.responseHooks ? runPhases(chain, RESPONSE_PHASES, exchange, logger) : undefined;
}
