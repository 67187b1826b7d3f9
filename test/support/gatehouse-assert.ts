import assert from 'node:assert/strict';
import { GatehouseError } from '../../src/errors/gatehouse-error.js';

/** Asserts the promise rejects with a GatehouseError of this code (and message part); returns it. */
export async function rejectsWithCode(promise: Promise<unknown>, code: string, messagePart?: string): Promise<GatehouseError> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return err instanceof GatehouseError && err.code === code;
  });
  const err = caught as GatehouseError;
  if (messagePart !== undefined) assert.match(err.message, new RegExp(messagePart));
  return err;
}
