import { GatehouseError } from '../../errors/gatehouse-error.js';

/**
 * The two ways a translation fails: the request uses something the target format cannot express
 * (`unsupported_feature`), or it is malformed where the translation has to read it
 * (`invalid_request`). Both name the field at fault, as a path into the client's body.
 */
export function unsupported(message: string, param: string): GatehouseError {
  return new GatehouseError('unsupported_feature', message, { param });
}

export function malformed(message: string, param: string): GatehouseError {
  return new GatehouseError('invalid_request', message, { param });
}
