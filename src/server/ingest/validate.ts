/**
 * One Ajv instance for every per-record check of the ingest endpoints, and one way to say what
 * is wrong with a record: the first error, with its JSON path, in a sentence the sender can act on.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

// allErrors off: one clear reason per rejected record is enough, and it is cheaper.
const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });

export function compile<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}

export function describeError(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (e === undefined) return 'invalid';
  const where = e.instancePath === '' ? 'record' : e.instancePath.slice(1).replace(/\//g, '.');
  switch (e.keyword) {
    case 'required':
      return `${where === 'record' ? '' : `${where}.`}${String(e.params.missingProperty)} is required`;
    case 'additionalProperties':
      return `${where}: unknown field ${String(e.params.additionalProperty)}`;
    case 'enum':
      return `${where} must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
    default:
      return `${where} ${e.message ?? 'is invalid'}`;
  }
}
