import { createRequire } from 'node:module';
import type * as TarStream from 'tar-stream';

const require = createRequire(import.meta.url);

/**
 * tar-stream (with streamx and its helpers), loaded the first time an archive is made or read (a
 * log upload, a firmware install), not with the agent (issue 18). CommonJS, so it loads
 * synchronously and its callers stay as they are.
 */
export function tarStream(): typeof TarStream {
  return require('tar-stream') as typeof TarStream;
}
