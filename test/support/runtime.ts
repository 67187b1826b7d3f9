import { after, before } from 'node:test';
import { Runtime } from '../../src/config/runtime.js';
import { configSchema } from '../../src/config/schema.js';

/**
 * An empty compiled configuration for unit tests that need an Exchange, created before the file's
 * tests and closed after them. Call at the top level of a test file; read `.current` inside tests.
 */
export function useEmptyRuntime(): { readonly current: Runtime } {
  const holder = { current: undefined as unknown as Runtime };
  before(() => {
    holder.current = new Runtime(configSchema.parse({}));
  });
  after(() => holder.current.close());
  return holder;
}
