/**
 * The answer to every batch ingest: how many items were stored, how many were refused, and why
 * each refused one was, by its index in the batch. Good items are stored even when others fail.
 */
export interface BatchError {
  index: number;
  error: string;
}

export interface BatchResult {
  accepted: number;
  rejected: number;
  errors: BatchError[];
}

/** What checking one item gives: the value to store, or why it cannot be stored. */
export type Checked<T> = { value: T } | { error: string };

/** Splits a batch into the values of the items that passed `check` and the errors of the rest. */
export function partition<I, O>(items: readonly I[], check: (item: I) => Checked<O>): { values: O[]; errors: BatchError[] } {
  const values: O[] = [];
  const errors: BatchError[] = [];
  items.forEach((item, index) => {
    const out = check(item);
    if ('error' in out) errors.push({ index, error: out.error });
    else values.push(out.value);
  });
  return { values, errors };
}

export function batchResult(total: number, errors: BatchError[]): BatchResult {
  return { accepted: total - errors.length, rejected: errors.length, errors };
}

/** Response schema of the batch endpoints (Fastify serializes with it, and documents the shape). */
export const BATCH_RESULT_SCHEMA = {
  type: 'object',
  required: ['accepted', 'rejected', 'errors'],
  properties: {
    accepted: { type: 'integer' },
    rejected: { type: 'integer' },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['index', 'error'], properties: { index: { type: 'integer' }, error: { type: 'string' } } },
    },
  },
} as const;
