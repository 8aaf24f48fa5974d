import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { buildValidators } from '../../tools/build-validators.js';
import { repoRoot } from './cli.js';
import { makeTempDir } from './temp-dir.js';

let built: string | undefined;

/**
 * The build's standalone validators, written by the build step's own code (tools/build-validators.ts)
 * into a scratch folder once per test file (about a second), so a test compares them with what
 * the sources compile to now, never with an older dist/. The folder links the repository's
 * node_modules, which the generated modules require Ajv's runtime helpers and ajv-formats from.
 */
export function builtValidatorsForTest(): string {
  // In a parallel run the root hooks remove the scratch folders after each file, and a worker runs
  // several files: the second one to ask builds again.
  if (built === undefined || !existsSync(built)) {
    const dir = makeTempDir('evse-validators');
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const validators = path.join(dir, 'validators');
    buildValidators(validators);
    built = validators;
  }
  return built;
}
