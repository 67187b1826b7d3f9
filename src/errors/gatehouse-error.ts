import { ERROR_CATALOGUE, type ErrorCode, type FaultDomain } from './catalogue.js';

export interface GatehouseErrorOptions {
  /** The request field at fault, when there is one (rendered as OpenAI's `param`). */
  param?: string;
  /** Seconds after which the caller may retry (rendered as a Retry-After header). */
  retryAfter?: number;
  /** The upstream HTTP status, when the provider produced this error. */
  upstreamStatus?: number;
  cause?: unknown;
}

/**
 * The one error class. Code, status and fault domain come from the catalogue; callers match on
 * `code`, never on the message.
 */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fault: FaultDomain;
  readonly param: string | undefined;
  readonly retryAfter: number | undefined;
  readonly upstreamStatus: number | undefined;

  constructor(code: ErrorCode, message?: string, options: GatehouseErrorOptions = {}) {
    const entry = ERROR_CATALOGUE[code];
    super(message ?? entry.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatehouseError';
    this.code = code;
    this.status = entry.status;
    this.fault = entry.fault;
    this.param = options.param;
    this.retryAfter = options.retryAfter;
    this.upstreamStatus = options.upstreamStatus;
  }
}

/** Turns anything thrown into a GatehouseError; unknown throwables become internal_error. */
export function toGatehouseError(err: unknown): GatehouseError {
  if (err instanceof GatehouseError) return err;
  return new GatehouseError('internal_error', undefined, { cause: err });
}
