import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UserFacingError } from '../util/errors.js';
import { BUILTIN_PRICES, loadPricing, Pricing } from './pricing.js';

const pricing = new Pricing(BUILTIN_PRICES);

describe('pricing', () => {
  it('prices dated and prefixed model names by the longest matching name', () => {
    assert.equal(pricing.priceOf('gpt-4o-mini-2024-07-18'), BUILTIN_PRICES['gpt-4o-mini']);
    assert.equal(pricing.priceOf('gpt-4o-2024-08-06'), BUILTIN_PRICES['gpt-4o']);
    assert.equal(pricing.priceOf('gpt-4-0613'), BUILTIN_PRICES['gpt-4']);
    assert.equal(pricing.priceOf('claude-3-5-sonnet-20241022'), BUILTIN_PRICES['claude-3-5-sonnet']);
    assert.equal(pricing.priceOf('claude-opus-4-5-20251101'), BUILTIN_PRICES['claude-opus-4-5']);
    assert.equal(pricing.priceOf('claude-opus-4-1-20250805'), BUILTIN_PRICES['claude-opus-4']);
    assert.equal(pricing.priceOf('models/gemini-1.5-pro-002'), BUILTIN_PRICES['gemini-1.5-pro']);
    assert.equal(pricing.priceOf('openai/GPT-4o-mini'), BUILTIN_PRICES['gpt-4o-mini']);
    assert.equal(pricing.priceOf('mistral-large-latest'), BUILTIN_PRICES['mistral-large']);
    assert.equal(pricing.priceOf('o3-mini-2025-01-31'), BUILTIN_PRICES['o3-mini']);
  });

  it('does not price a different model that merely starts with a known name', () => {
    assert.equal(pricing.priceOf('gpt-4ox'), null);
    assert.equal(pricing.priceOf('o10'), null);
    assert.equal(pricing.priceOf('my-finetune'), null);
  });

  it('computes cost from per-1M prices, and none without a model or token counts', () => {
    assert.equal(pricing.costOf('gpt-4o', 1_000_000, 1_000_000), 12.5);
    assert.equal(pricing.costOf('gpt-4o', 1000, null), 0.0025);
    assert.equal(pricing.costOf(null, 10, 10), null);
    assert.equal(pricing.costOf('gpt-4o', null, null), null);
    assert.equal(pricing.costOf('unknown-model', 10, 10), null);
  });

  it('lays a JSON or YAML file over the built-in table and names the bad field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osprey-prices-'));
    const yaml = join(dir, 'prices.yaml');
    writeFileSync(yaml, 'gpt-4o:\n  input: 1\n  output: 2\nmy-finetune:\n  input: 3\n  output: 4\n  provider: openai\n');
    const custom = loadPricing(yaml);
    assert.equal(custom.costOf('gpt-4o-2024-08-06', 1_000_000, 1_000_000), 3);
    assert.equal(custom.costOf('my-finetune', 1_000_000, 0), 3);
    assert.equal(custom.priceOf('claude-3-haiku'), BUILTIN_PRICES['claude-3-haiku']);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ 'gpt-4o': { input: -1, output: 2 } }));
    assert.throws(() => loadPricing(bad), (e: unknown) => e instanceof UserFacingError && /\/gpt-4o\/input must be >= 0/.test(e.message));
    assert.throws(() => loadPricing(join(dir, 'missing.json')), UserFacingError);
  });
});
