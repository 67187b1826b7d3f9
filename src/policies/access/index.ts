import { z } from 'zod';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { PolicyModule } from '../../pipeline/policy.js';
import { enforceField } from '../common-schema.js';

const configSchema = z
  .object({ enforce: enforceField })
  .strict()
  .describe('Checks that the identified caller may use the requested model. On by default.');

export type AccessConfig = z.infer<typeof configSchema>;

/**
 * Least privilege for models: an identity that lists the models it may use is refused any other.
 * Always in the chain (cheap: one compiled matcher call); `enforce: false` turns it into a report.
 */
export const accessPolicy: PolicyModule<AccessConfig> = {
  name: 'access',
  description: 'Refuses models the caller may not use (403 model_not_allowed).',
  configSchema,
  writes: ['decisions'],
  create(config) {
    return {
      name: 'access',
      enforce: config.enforce,
      failMode: 'closed',
      hooks: {
        authorize(exchange) {
          const models = exchange.identity.access.models;
          const model = exchange.requestedModel;
          if (models === undefined || model === undefined || models.matches(model)) return undefined;
          return {
            action: 'deny',
            error: new GatehouseError('model_not_allowed', `"${exchange.identity.name}" may not use model "${model}".`, { param: 'model' }),
            reason: `model "${model}" is not in ${JSON.stringify(models.patterns)}`,
          };
        },
      },
    };
  },
};
