import type { Logger } from '../../telemetry/logger.js';
import { describeError } from './describe-error.js';
import type { UpstreamMessage } from './types.js';

/** Hands a message to a caller's callback; a callback that throws is logged, never allowed to break the stream it came from. */
export function safeDeliver(deliver: (m: UpstreamMessage) => void, message: UpstreamMessage, logger: Logger, upstream: string): void {
  try {
    deliver(message);
  } catch (err) {
    logger.error({ upstream, method: message.method, err: describeError(err) }, 'a handler of MCP upstream messages threw');
  }
}
