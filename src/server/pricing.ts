/**
 * What an LLM call cost: list prices in USD per one million tokens, for the common models of
 * OpenAI, Anthropic, Google Gemini and Mistral. Providers answer with dated names
 * (`gpt-4o-mini-2024-07-18`, `claude-3-5-sonnet-20241022`), so a price applies to its name and
 * to every name that continues it after a `-`, `@` or `:`; the longest such name wins. Users
 * override or extend the table with a JSON or YAML file (`osprey server --prices FILE`).
 *
 * These are public list prices (standard tier, no batch or cache discounts) as published in
 * 2025; anything else a user knows better goes in the override file.
 */
import { loadConfigFile } from './config-file.js';

export interface ModelPrice {
  /** USD per 1M input (prompt) tokens. */
  input: number;
  /** USD per 1M output (completion) tokens. */
  output: number;
  /** The OpenTelemetry `gen_ai.provider.name` of whoever serves the model, when known. */
  provider?: string;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

const openai = (input: number, output: number): ModelPrice => ({ input, output, provider: 'openai' });
const anthropic = (input: number, output: number): ModelPrice => ({ input, output, provider: 'anthropic' });
const gemini = (input: number, output: number): ModelPrice => ({ input, output, provider: 'gcp.gemini' });
const mistral = (input: number, output: number): ModelPrice => ({ input, output, provider: 'mistral_ai' });

export const BUILTIN_PRICES: PriceTable = {
  'gpt-5': openai(1.25, 10),
  'gpt-5-mini': openai(0.25, 2),
  'gpt-5-nano': openai(0.05, 0.4),
  'gpt-4.1': openai(2, 8),
  'gpt-4.1-mini': openai(0.4, 1.6),
  'gpt-4.1-nano': openai(0.1, 0.4),
  'gpt-4o': openai(2.5, 10),
  'gpt-4o-mini': openai(0.15, 0.6),
  'gpt-4-turbo': openai(10, 30),
  'gpt-4': openai(30, 60),
  'gpt-3.5-turbo': openai(0.5, 1.5),
  o1: openai(15, 60),
  'o1-mini': openai(1.1, 4.4),
  o3: openai(2, 8),
  'o3-mini': openai(1.1, 4.4),
  'o4-mini': openai(1.1, 4.4),
  'text-embedding-3-small': openai(0.02, 0),
  'text-embedding-3-large': openai(0.13, 0),
  'claude-opus-4-5': anthropic(5, 25),
  'claude-opus-4': anthropic(15, 75),
  'claude-sonnet-4': anthropic(3, 15),
  'claude-haiku-4-5': anthropic(1, 5),
  'claude-3-7-sonnet': anthropic(3, 15),
  'claude-3-5-sonnet': anthropic(3, 15),
  'claude-3-5-haiku': anthropic(0.8, 4),
  'claude-3-opus': anthropic(15, 75),
  'claude-3-haiku': anthropic(0.25, 1.25),
  'gemini-2.5-pro': gemini(1.25, 10),
  'gemini-2.5-flash': gemini(0.3, 2.5),
  'gemini-2.5-flash-lite': gemini(0.1, 0.4),
  'gemini-2.0-flash': gemini(0.1, 0.4),
  'gemini-2.0-flash-lite': gemini(0.075, 0.3),
  'gemini-1.5-pro': gemini(1.25, 5),
  'gemini-1.5-flash': gemini(0.075, 0.3),
  'mistral-large': mistral(2, 6),
  'mistral-medium': mistral(0.4, 2),
  'mistral-small': mistral(0.1, 0.3),
  codestral: mistral(0.3, 0.9),
  'open-mistral-nemo': mistral(0.15, 0.15),
  'ministral-8b': mistral(0.1, 0.1),
  'ministral-3b': mistral(0.04, 0.04),
};

/** Where a dated or tagged name may continue a priced name. */
const CONTINUATION = new Set(['-', '@', ':']);

/** Routers and Gemini write `openai/gpt-4o` or `models/gemini-1.5-pro`: the price is the model's. */
function bareModelName(model: string): string {
  return model.slice(model.lastIndexOf('/') + 1).toLowerCase();
}

export class Pricing {
  private readonly byName: Map<string, ModelPrice>;
  /** Longest names first, so the first match is the most specific. */
  private readonly names: string[];

  constructor(table: PriceTable) {
    this.byName = new Map(Object.entries(table).map(([name, price]) => [name.toLowerCase(), price]));
    this.names = [...this.byName.keys()].sort((a, b) => b.length - a.length);
  }

  priceOf(model: string): ModelPrice | null {
    const name = bareModelName(model);
    for (const candidate of this.names) {
      if (name === candidate || (name.startsWith(candidate) && CONTINUATION.has(name[candidate.length] ?? ''))) {
        return this.byName.get(candidate) ?? null;
      }
    }
    return null;
  }

  /** USD for one call, or null when the model is unknown or no token counts were seen. */
  costOf(model: string | null, inputTokens: number | null, outputTokens: number | null): number | null {
    if (model === null || (inputTokens === null && outputTokens === null)) return null;
    const price = this.priceOf(model);
    if (price === null) return null;
    return ((inputTokens ?? 0) * price.input + (outputTokens ?? 0) * price.output) / 1_000_000;
  }
}

const OVERRIDE_SCHEMA = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['input', 'output'],
    additionalProperties: false,
    properties: {
      input: { type: 'number', minimum: 0 },
      output: { type: 'number', minimum: 0 },
      provider: { type: 'string' },
    },
  },
} as const;

/**
 * The built-in table with a user's file laid over it. The file maps model names to prices:
 * `{"gpt-4o": {"input": 2.5, "output": 10}, "my-finetune": {"input": 1, "output": 2, "provider": "openai"}}`
 * (or the same in YAML). An entry replaces the built-in one of the same name.
 */
export function loadPricing(overrideFile?: string): Pricing {
  if (overrideFile === undefined) return new Pricing(BUILTIN_PRICES);
  const overrides = loadConfigFile<Record<string, ModelPrice>>(
    overrideFile,
    OVERRIDE_SCHEMA,
    'price file',
    'OSP_ERR_SERVER_PRICES',
    ' (expected {"model": {"input": USD per 1M, "output": USD per 1M}})',
  );
  return new Pricing({ ...BUILTIN_PRICES, ...overrides });
}
