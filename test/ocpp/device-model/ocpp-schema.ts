import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import type { FormatsPlugin } from 'ajv-formats';

/** The official OCPP 2.0.1 JSON schemas (draft-06), as shipped by ocpp-messages, for checking what the station sends. */

const require = createRequire(import.meta.url);
const schemaDir = path.join(path.dirname(require.resolve('ocpp-messages/package.json')), 'schema', 'v2.0');
const addFormats = require('ajv-formats') as FormatsPlugin;

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
addFormats(ajv);

const validators = new Map<string, ValidateFunction>();

function validator(message: string): ValidateFunction {
  let validate = validators.get(message);
  if (!validate) {
    const schema = JSON.parse(readFileSync(path.join(schemaDir, `${message}.json`), 'utf8')) as object;
    validate = ajv.compile(schema);
    validators.set(message, validate);
  }
  return validate;
}

/** Fails the test unless `body` is a valid `message` (e.g. "GetVariablesResponse"). */
export function assertValidOcpp(message: string, body: unknown): void {
  const validate = validator(message);
  const ok = validate(body);
  assert.ok(ok, `${message} is not valid OCPP 2.0.1: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body, null, 2).slice(0, 2000)}`);
}
