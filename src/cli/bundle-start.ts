import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodeCache } from '../process/code-cache.js';

/** What the bundle exports: its entry is process-main.ts. */
export type ProcessModule = typeof import('./process-main.js');

/** The folder under dist/ with the bundle, its code cache and this module as CommonJS (start.cjs). */
export const BUNDLE_DIR = 'bundle';
export const BUNDLE_FILE = 'agent.cjs';
export const START_FILE = 'start.cjs';
export const CODE_CACHE_FILE = 'code-cache.bin';

/**
 * Runs the shipped agent (issue 18: start-up time): `npm run build` bundles process-main.ts and
 * everything it loads into dist/bundle/agent.cjs (tools/build-bundle.ts), which Node loads as one
 * script, compiled from V8's code cache beside it, instead of some 500 ES modules each resolved,
 * read and compiled at every start. main.ts requires this module as dist/bundle/start.cjs, built
 * by the same tool: CommonJS, so that neither it nor its builtins go through the ES module loader.
 *
 * EVSE_AGENT_CODE_CACHE=off compiles the bundle from source; =write has SIGUSR2 write the cache
 * with what ran so far (the build's warm-up run, at its boot).
 */
export function runBundled(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const bundleDir = path.dirname(fileURLToPath(import.meta.url));
  if (env['EVSE_AGENT_CODE_CACHE'] !== 'off') {
    // The package's root (dist/bundle/ -> ../..): the validators and packages the bundle requires are cached too.
    const cache = CodeCache.open(path.join(bundleDir, CODE_CACHE_FILE), path.resolve(bundleDir, '..', '..'));
    cache.install();
    if (env['EVSE_AGENT_CODE_CACHE'] === 'write') process.once('SIGUSR2', () => cache.write());
    process.once('exit', () => {
      if (!cache.stale) return;
      try {
        cache.write();
      } catch {
        // A read-only installation (systemd's ProtectSystem=strict): compiled from source each start, as without the cache.
      }
    });
  }
  const bundle = createRequire(import.meta.url)(path.join(bundleDir, BUNDLE_FILE)) as ProcessModule;
  return bundle.runProcess();
}
