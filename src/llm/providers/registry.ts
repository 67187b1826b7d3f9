import type { ProviderModule } from './types.js';
import { anthropicProvider } from './anthropic/index.js';
import { openaiCompatibleProvider, openaiProvider } from './openai/index.js';
import { simulatedProvider } from './simulated/index.js';

/** Every provider type the configuration can name. Adding one is a folder and one line here. */
export const PROVIDER_MODULES = [simulatedProvider, openaiProvider, openaiCompatibleProvider, anthropicProvider] as const;

export function providerModule(type: string): ProviderModule<{ type: string }> | undefined {
  return (PROVIDER_MODULES as readonly ProviderModule<{ type: string }>[]).find((m) => m.type === type);
}
