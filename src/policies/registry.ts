import type { PolicyModule } from '../pipeline/policy.js';
import { accessPolicy } from './access/index.js';
import { apiKeysPolicy } from './api-keys/index.js';
import { identityPolicy } from './identity/index.js';
import { dataProtectionPolicy } from './data-protection/index.js';
import { promptInjectionPolicy } from './prompt-injection/index.js';
import { contentRulesPolicy } from './content-rules/index.js';

/**
 * Every policy the configuration can name, in chain order within a phase. Adding a policy is one
 * folder under src/policies/ and one line here.
 */
export const POLICY_MODULES = [apiKeysPolicy, identityPolicy, accessPolicy, promptInjectionPolicy, contentRulesPolicy, dataProtectionPolicy] as const satisfies readonly PolicyModule<unknown>[];

/** Policies that are in every chain even when the configuration does not name them. */
export const DEFAULT_ON_POLICIES: ReadonlySet<string> = new Set(['access']);
