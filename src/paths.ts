import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package's root folder: src/ (run with tsx) sits one level down, dist/src/ (built) and dist/bundle/ (the bundle) two. */
const here = path.dirname(fileURLToPath(import.meta.url));
export const packageRoot = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '..', '..') : path.resolve(here, '..');

/** Where the shipped meter profiles live. */
export const meterProfileDir = path.join(packageRoot, 'hardware', 'meters');

/** The installer config's JSON Schema. */
export const configSchemaPath = path.join(packageRoot, 'config', 'config.schema.json');
