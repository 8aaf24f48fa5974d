import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package's root folder, whether running from src/ (tsx) or dist/ (built): both sit one level down. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the shipped meter profiles live. */
export const meterProfileDir = path.join(packageRoot, 'hardware', 'meters');

/** The installer config's JSON Schema. */
export const configSchemaPath = path.join(packageRoot, 'config', 'config.schema.json');
