import { createRequire } from 'node:module';
import type { Ajv, Options } from 'ajv';
import type { Validator } from '../../util/precompiled-validators.js';
import type { PreparedSchema, SchemaDialect } from './ocpp-schema-files.js';

/**
 * Ajv for the OCPP schemas, used by the build (standalone code) and, run from source, at run time.
 * Ajv is required only when a schema is compiled, so code that validates with precompiled modules
 * never loads it.
 */

const require = createRequire(import.meta.url);

// strict: false because the official files carry keywords ajv does not know (javaType, comment,
// additionalProperties on strings). strictNumbers rejects Infinity (a huge number such as 1e400
// parses to it) where a number is expected. Validation stops at the first error: one is all a
// CALLERROR can report, and it keeps the work bounded on hostile input.
const AJV_OPTIONS: Readonly<Options> = {
  strict: false,
  strictNumbers: true,
  allErrors: false,
  coerceTypes: false,
  useDefaults: false,
  removeAdditional: false,
  addUsedSchema: false,
};

/** An Ajv for one draft, with ajv-formats' formats; `source` keeps the code for standalone output. */
export function createOcppAjv(dialect: SchemaDialect, source = false): Ajv {
  const options: Options = { ...AJV_OPTIONS, code: { source } };
  // CommonJS packages whose typings declare an ES default export; require gives what they really are.
  const addFormats = require('ajv-formats') as (ajv: Ajv) => Ajv;
  if (dialect === 'draft-04') {
    const Ajv04 = require('ajv-draft-04') as new (options: Options) => Ajv;
    return addFormats(new Ajv04(options));
  }
  const { Ajv: Ajv06 } = require('ajv') as typeof import('ajv');
  const ajv = new Ajv06(options);
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  return addFormats(ajv);
}

const runtimeAjv = new Map<SchemaDialect, Ajv>();

/** Compiles a schema now (run from source, or when the build wrote no module for it). */
export function compileOcppSchema(prepared: PreparedSchema): Validator {
  let ajv = runtimeAjv.get(prepared.dialect);
  if (!ajv) {
    ajv = createOcppAjv(prepared.dialect);
    runtimeAjv.set(prepared.dialect, ajv);
  }
  return ajv.compile(prepared.schema);
}
