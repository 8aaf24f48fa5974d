import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Has every `import ... from 'rxjs'` in this process get rxjs's own single-file build (its
 * package's dist/bundles/rxjs.umd.min.js: the same release, one file) instead of its CommonJS
 * build, which is some 220 files, each found, read and compiled on its own: about 70 ms of a
 * desktop core at start against 6 (issue 18; several times that on a Raspberry Pi). The bundle is
 * required and entered in require.cache under the file that 'rxjs' resolves to, which Node's ESM
 * loader takes for CommonJS packages; the export names it still reads from that file. Called by the
 * process entry before anything imports rxjs; in-process callers (tests) keep the usual build.
 */
export function useRxjsBundle(): void {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('rxjs');
  if (require.cache[entry]) return;
  const bundle = path.join(path.dirname(entry), '..', 'bundles', 'rxjs.umd.min.js');
  try {
    require(bundle);
  } catch {
    return; // a package without the bundle: the usual build loads
  }
  require.cache[entry] = require.cache[bundle];
}
