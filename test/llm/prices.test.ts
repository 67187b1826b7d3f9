import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import shipped from '../../src/llm/prices/prices.json' with { type: 'json' };
import { buildPriceTable, costOf, type Price } from '../../src/llm/prices/price-table.js';
import { Runtime } from '../../src/config/runtime.js';
import { configSchema } from '../../src/config/schema.js';

const usage = (promptTokens: number, completionTokens: number, cachedPromptTokens = 0, cacheWriteTokens = 0) => ({
  promptTokens,
  completionTokens,
  cachedPromptTokens,
  cacheWriteTokens,
});

describe('the shipped price table', () => {
  const table = buildPriceTable({});

  it('prices gpt-4o-mini (USD per million tokens)', () => {
    assert.deepEqual(table.lookup('gpt-4o-mini'), { input: 0.15, cachedInput: 0.075, output: 0.6 });
  });

  it('has sane numbers for every model', () => {
    for (const [model, price] of Object.entries(shipped.models as Record<string, Price>)) {
      for (const [field, value] of Object.entries(price)) {
        assert.ok(typeof value === 'number' && Number.isFinite(value) && value >= 0, `${model}.${field} = ${String(value)}`);
      }
      assert.ok(price.input > 0, `${model} has an input price`);
      if (price.cachedInput !== undefined) assert.ok(price.cachedInput <= price.input, `${model}: cached input is a discount`);
    }
  });

  it('knows nothing of an unknown model (no price, not a price of 0)', () => {
    assert.equal(table.lookup('my-local-llama'), undefined);
    assert.equal(table.lookup(''), undefined);
  });

  it('prices a dated OpenAI snapshot like its base model', () => {
    assert.deepEqual(table.lookup('gpt-4o-mini-2024-07-18'), table.lookup('gpt-4o-mini'));
    assert.deepEqual(table.lookup('gpt-4.1-2025-04-14'), table.lookup('gpt-4.1'));
    assert.deepEqual(table.lookup('o3-mini-2025-01-31'), table.lookup('o3-mini'));
  });

  it('prices a dated Anthropic id (YYYYMMDD) like its base model', () => {
    assert.deepEqual(table.lookup('claude-sonnet-4-5-20250929'), table.lookup('claude-sonnet-4-5'));
    assert.deepEqual(table.lookup('claude-haiku-4-5-20251001'), table.lookup('claude-haiku-4-5'));
  });

  it('strips only a trailing date, not other numeric suffixes', () => {
    assert.equal(table.lookup('gpt-4o-mini-2024'), undefined);
    assert.equal(table.lookup('gpt-4o-mini-2024-07-18-extra'), undefined);
  });

  it('prices dated ids and aliases like their base name (Anthropic and OpenAI styles)', () => {
    assert.equal(table.lookup('claude-3-5-haiku-20241022')?.input, 0.8);
    assert.deepEqual(table.lookup('claude-3-5-haiku-latest'), table.lookup('claude-3-5-haiku-20241022'));
    assert.equal(table.lookup('claude-sonnet-4-20250514')?.output, 15);
    assert.deepEqual(table.lookup('claude-sonnet-4-0'), table.lookup('claude-sonnet-4-20250514'));
    assert.equal(table.lookup('claude-opus-4-1-20250805')?.input, 15);
    assert.equal(table.lookup('gpt-4-0613')?.input, 30);
    assert.equal(table.lookup('gpt-4o-2024-08-06')?.input, 2.5);
  });
});

describe('price overrides from the configuration', () => {
  const overrides: Record<string, Price> = {
    'gpt-4o-mini': { input: 0.1, output: 0.5 },
    'acme-llm': { input: 1, output: 2 },
    'gpt-4o-2024-08-06': { input: 9, output: 9 },
  };
  const table = buildPriceTable(overrides);

  it('win over the shipped price, as given (no merge with the shipped fields)', () => {
    assert.deepEqual(table.lookup('gpt-4o-mini'), { input: 0.1, output: 0.5 });
  });

  it('apply to dated snapshots of an overridden model too', () => {
    assert.deepEqual(table.lookup('gpt-4o-mini-2024-07-18'), { input: 0.1, output: 0.5 });
  });

  it('can add models the table does not have, dated ids included', () => {
    assert.deepEqual(table.lookup('acme-llm'), { input: 1, output: 2 });
    assert.deepEqual(table.lookup('acme-llm-20250101'), { input: 1, output: 2 });
  });

  it('an exact dated entry wins over its base', () => {
    assert.deepEqual(table.lookup('gpt-4o-2024-08-06'), { input: 9, output: 9 });
    assert.deepEqual(table.lookup('gpt-4o-2024-11-20'), table.lookup('gpt-4o'));
    assert.notDeepEqual(table.lookup('gpt-4o'), { input: 9, output: 9 });
  });

  it('leave every other shipped price alone', () => {
    assert.deepEqual(table.lookup('gpt-4o'), buildPriceTable({}).lookup('gpt-4o'));
  });

  it('are what a compiled runtime uses, and a route price beats both', async () => {
    const runtime = new Runtime(
      configSchema.parse({
        providers: { sim: { type: 'simulated' } },
        models: [
          { name: 'cheap', provider: 'sim', model: 'gpt-4o-mini' },
          { name: 'fixed', provider: 'sim', model: 'gpt-4o-mini', price: { input: 7, output: 8 } },
        ],
        prices: { 'gpt-4o-mini': { input: 0.2, output: 0.4 } },
      }),
    );
    try {
      const cheap = runtime.resolveRoute('cheap')!;
      const fixed = runtime.resolveRoute('fixed')!;
      assert.deepEqual(runtime.priceOf(cheap, 'gpt-4o-mini-2024-07-18'), { input: 0.2, output: 0.4 });
      assert.deepEqual(runtime.priceOf(fixed, 'gpt-4o-mini'), { input: 7, output: 8 });
      assert.equal(runtime.priceOf(cheap, 'unknown-model'), undefined);
    } finally {
      await runtime.close();
    }
  });
});

describe('costOf', () => {
  const mini: Price = { input: 0.15, cachedInput: 0.075, output: 0.6 };

  it('charges input and output per million tokens', () => {
    // 1000 × 0.15 + 500 × 0.6 = 150 + 300 = 450 µUSD
    assert.equal(costOf(mini, usage(1000, 500)), 0.00045);
    assert.equal(costOf({ input: 2, output: 8 }, usage(1_000_000, 1_000_000)), 10);
  });

  it('charges cached input at the cached rate (cached tokens are part of the prompt)', () => {
    // uncached 176 × 0.15 = 26.4; cached 1024 × 0.075 = 76.8; output 300 × 0.6 = 180 → 283.2 µUSD
    assert.equal(costOf(mini, usage(1200, 300, 1024)), 0.0002832);
  });

  it('charges cache writes at the cache-write rate (Anthropic)', () => {
    const sonnet: Price = { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 };
    // uncached 2000 × 3 = 6000; cached 6000 × 0.3 = 1800; writes 2000 × 3.75 = 7500; output 500 × 15 = 7500
    assert.equal(costOf(sonnet, usage(10_000, 500, 6000, 2000)), 0.0228);
  });

  it('bills cached tokens and cache writes at the input price when the model has no separate rate', () => {
    const turbo: Price = { input: 10, output: 30 };
    assert.equal(costOf(turbo, usage(1000, 0, 600, 400)), costOf(turbo, usage(1000, 0)));
    assert.equal(costOf(turbo, usage(1000, 0, 600, 400)), 0.01);
  });

  it('never goes negative when a provider reports more cached tokens than prompt tokens', () => {
    // 0 uncached; 200 cached × 0.075 = 15 µUSD
    assert.equal(costOf(mini, usage(100, 0, 200)), 0.000015);
  });

  it('is 0 for no tokens, and for a free model', () => {
    assert.equal(costOf(mini, usage(0, 0)), 0);
    assert.equal(costOf({ input: 0, output: 0 }, usage(5000, 5000)), 0);
  });

  it('shows no float noise', () => {
    // 0.1 + 0.2 is 0.30000000000000004 in floats; the cost must read as the exact decimal.
    assert.equal(costOf({ input: 0.1, output: 0.2 }, usage(1, 1)), 0.0000003);
    assert.equal(String(costOf({ input: 0.1, output: 0.2 }, usage(1, 1))), '3e-7');
    assert.equal(costOf({ input: 0.1, output: 0.7 }, usage(3, 1)), 0.000001);
    assert.equal(costOf(mini, usage(1, 1)), 0.00000075);
    assert.equal(costOf({ input: 1.1, output: 4.4 }, usage(3, 3)), 0.0000165);
    assert.equal(String(costOf(mini, usage(1200, 300, 1024))), '0.0002832');
  });
});
