import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchemaPath, meterProfileDir, packageRoot } from '../paths.js';
import { createAjv, SchemaChecker } from './json-schema.js';
import { builtValidatorsDir, loadPrecompiled, type Validator } from './precompiled-validators.js';

/**
 * The schemas of our own documents: the installer's config and the hardware profiles. Each is
 * compiled by the build into a standalone module (dist/validators/documents/<name>.cjs) and, run
 * from source, compiled when first used; either way with createAjv's options (every error, defaults
 * filled in, x-expected and x-secret), so both give the same problems and defaults.
 */

export const DOCUMENT_SCHEMAS = {
  config: configSchemaPath,
  'meter-profile': path.join(meterProfileDir, 'profile.schema.json'),
  'pilot-profile': path.join(packageRoot, 'hardware', 'pilots', 'profile.schema.json'),
} as const;

export type DocumentSchemaName = keyof typeof DOCUMENT_SCHEMAS;

export const DOCUMENT_SCHEMA_NAMES = Object.keys(DOCUMENT_SCHEMAS) as DocumentSchemaName[];

/** Where the build puts a document schema's standalone validator, relative to the validators folder. */
export function precompiledDocumentModule(name: DocumentSchemaName): string {
  return path.join('documents', `${name}.cjs`);
}

/** A document schema's validator: the module in `validatorsDir` if the build wrote it, else compiled now. */
export function loadDocumentValidator(name: DocumentSchemaName, validatorsDir: string | undefined): { validate: Validator; precompiled: boolean } {
  const precompiled = loadPrecompiled(validatorsDir, precompiledDocumentModule(name));
  if (precompiled) return { validate: precompiled, precompiled: true };
  const schema = JSON.parse(readFileSync(DOCUMENT_SCHEMAS[name], 'utf8')) as object;
  return { validate: createAjv().compile(schema), precompiled: false };
}

// Loaded once per process and never changed after: the schema files are part of the package.
const checkers = new Map<DocumentSchemaName, SchemaChecker<unknown>>();

/** The checker of one kind of document, T being the document once valid (defaults filled in). */
export function documentChecker<T>(name: DocumentSchemaName): SchemaChecker<T> {
  let checker = checkers.get(name);
  if (!checker) {
    checker = new SchemaChecker<unknown>(loadDocumentValidator(name, builtValidatorsDir).validate);
    checkers.set(name, checker);
  }
  return checker as SchemaChecker<T>;
}
