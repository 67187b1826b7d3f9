import shipped from './prices.json' with { type: 'json' };

/** USD per million tokens. */
export interface Price {
  readonly input: number;
  readonly output: number;
  /** Cached input; defaults to `input` when a provider has no cache discount. */
  readonly cachedInput?: number | undefined;
  /** Prompt-cache writes (Anthropic); defaults to `input`. */
  readonly cacheWrite?: number | undefined;
}

export interface PriceTable {
  /** The price of an upstream model id, trying the id as given and then without a date suffix. */
  lookup(model: string): Price | undefined;
}

// Dated snapshots ("gpt-4o-mini-2024-07-18", "claude-sonnet-4-20250514", "gpt-4-0613") and
// aliases ("claude-3-5-haiku-latest", "claude-opus-4-0") are billed like their base names.
const VERSION_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8}|(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])|latest|0)$/;

/** The shipped table overlaid with the configuration's `prices`. Built once per runtime. */
export function buildPriceTable(overrides: Readonly<Record<string, Price>>): PriceTable {
  const table = new Map<string, Price>(Object.entries(shipped.models as Record<string, Price>));
  for (const [model, price] of Object.entries(overrides)) table.set(model, price);
  return {
    lookup(model) {
      return table.get(model) ?? table.get(model.replace(VERSION_SUFFIX, ''));
    },
  };
}

/** Cost in USD of one call's usage. */
export function costOf(
  price: Price,
  usage: { promptTokens: number; completionTokens: number; cachedPromptTokens: number; cacheWriteTokens: number },
): number {
  const uncached = Math.max(0, usage.promptTokens - usage.cachedPromptTokens - usage.cacheWriteTokens);
  const microUsd =
    uncached * price.input +
    usage.cachedPromptTokens * (price.cachedInput ?? price.input) +
    usage.cacheWriteTokens * (price.cacheWrite ?? price.input) +
    usage.completionTokens * price.output;
  // Round to 1e-10 USD so float noise never shows up in headers and records.
  return Math.round(microUsd * 1e4) / 1e10;
}
