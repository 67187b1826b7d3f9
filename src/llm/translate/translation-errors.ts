import { GatehouseError } from '../../errors/gatehouse-error.js';
import { isJsonObject } from '../formats/json-object.js';

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

/** The value at `path`, which the translation needs to be an object. */
export function requireObject(value: unknown, path: string): Record<string, unknown> {
  if (!isJsonObject(value)) throw malformed('Expected an object.', path);
  return value;
}
