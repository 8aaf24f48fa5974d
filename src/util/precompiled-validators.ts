import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject } from 'ajv';
import { packageRoot } from '../paths.js';

/**
 * Validators compiled at build time: `npm run build` writes Ajv's standalone code of every schema
 * the agent validates against (our documents' and the OCPP messages') into dist/validators/, one
 * CommonJS module per schema, required when first needed. Built code uses them and never loads the
 * Ajv compiler (compiling the config schema alone took about 300 ms at start); run from source
 * (tsx: tests, npm start) there is no such folder and the schemas are compiled as they are needed.
 */

/** A validate function as both Ajv's compile and its standalone code give it. */
export interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const require = createRequire(import.meta.url);
// Built: dist/src/**/*.js, or the bundle (dist/bundle/agent.cjs); the sources are .ts.
const runningBuilt = !fileURLToPath(import.meta.url).endsWith('.ts');

/** dist/validators when this code runs built, else undefined. */
export const builtValidatorsDir: string | undefined = runningBuilt ? path.join(packageRoot, 'dist', 'validators') : undefined;

/** Validator modules the shipped bundle carries (tools/build-bundle.ts), by module path under dist/validators. */
const bundled = new Map<string, () => Validator>();

/** Called by the bundle's entry: these modules come from the bundle, not from their files. */
export function provideBundledValidators(modules: Readonly<Record<string, () => Validator>>): void {
  for (const [modulePath, load] of Object.entries(modules)) bundled.set(modulePath, load);
}

/** The validator a module of `dir` exports, or undefined when the build wrote none there. */
export function loadPrecompiled(dir: string | undefined, modulePath: string): Validator | undefined {
  if (dir === undefined) return undefined;
  const inBundle = bundled.get(modulePath);
  if (inBundle) return inBundle();
  const file = path.join(dir, modulePath);
  if (!existsSync(file)) return undefined;
  return require(file) as Validator;
}
