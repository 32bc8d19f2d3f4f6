/**
 * Operator-supplied files (price table, probe config): JSON, or YAML by extension, checked
 * against a JSON Schema; any problem is one UserFacingError naming the file and the field.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { UserFacingError } from '../util/errors.js';

export function loadConfigFile<T>(file: string, schema: object, what: string, code: string, expected = ''): T {
  let parsed: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    parsed = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new UserFacingError(`cannot read ${what} ${file}: ${(e as Error).message}`, code);
  }
  const validate = new Ajv().compile<T>(schema);
  if (!validate(parsed)) {
    const err = validate.errors?.[0];
    throw new UserFacingError(`${what} ${file}: ${err?.instancePath || '(top level)'} ${err?.message ?? 'is invalid'}${expected}`, code);
  }
  return parsed;
}
