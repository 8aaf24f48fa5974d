import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { CodeCache } from '../process/code-cache.js';

/** What the bundle exports: its entry is run-main.ts. */
export type ProcessModule = typeof import('./run-main.js');

/** The folder under dist/ with the bundle, its code cache and this module as CommonJS (start.cjs). */
export const BUNDLE_DIR = 'bundle';
export const BUNDLE_FILE = 'agent.cjs';
export const START_FILE = 'start.cjs';
export const CODE_CACHE_FILE = 'code-cache.bin';

/**
 * Whether the station runs without V8's optimizing compiler (TurboFan), unless EVSE_AGENT_JIT=full.
 * A station handles a few messages a second and polls its meter once a second: bytecode and its
 * baseline compilation (Sparkplug) keep up with that, and TurboFan's code and the pages of the
 * compiler itself cost about 5 MB of resident memory on a small board (issue 18: idle RSS;
 * `npm run bench:idle-rss-ratio`). `simulate` (thousands of stations) runs from dist/src and keeps it.
 */
export function baselineJit(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['EVSE_AGENT_JIT'] !== 'full';
}

/** Builtins every station's start loads (the local API, the WebSocket, the journals). */
const BUILTINS_EVERY_START = ['http', 'net', 'crypto', 'stream', 'stream/promises', 'fs/promises', 'zlib', 'dns', 'os', 'string_decoder'];

/**
 * Runs the shipped station (issue 18: start-up time): `npm run build` bundles run-main.ts (the
 * process with `run`) and everything it loads into dist/bundle/agent.cjs (tools/build-bundle.ts),
 * which Node loads as one script, compiled from V8's code cache beside it, instead of some 500 ES
 * modules each resolved, read and compiled at every start. main.ts requires this module as
 * dist/bundle/start.cjs, built by the same tool: CommonJS, so that neither it nor its builtins go
 * through the ES module loader.
 *
 * EVSE_AGENT_CODE_CACHE=off compiles the bundle from source; =write has SIGUSR2 write the cache
 * with what ran so far (the build's warm-up run, at its boot).
 */
export function runBundled(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const bundleDir = path.dirname(fileURLToPath(import.meta.url));
  // Before any code is compiled or read from the cache, whose code V8 ties to its flags.
  const baseline = baselineJit(env);
  if (baseline) {
    // Node's builtins come with code V8 accepts only under the flags Node was built with: the ones
    // every station loads are loaded first (what they load later is compiled as it comes).
    const require = createRequire(import.meta.url);
    for (const name of BUILTINS_EVERY_START) require(`node:${name}`);
    setFlagsFromString('--max-opt=1');
  }
  if (env['EVSE_AGENT_CODE_CACHE'] !== 'off') {
    // The package's root (dist/bundle/ -> ../..): the validators and packages the bundle requires are cached too.
    const cache = CodeCache.open(path.join(bundleDir, CODE_CACHE_FILE), path.resolve(bundleDir, '..', '..'));
    cache.install();
    if (env['EVSE_AGENT_CODE_CACHE'] === 'write') process.once('SIGUSR2', () => cache.write());
    process.once('exit', () => {
      // Under EVSE_AGENT_JIT=full the cache (made without TurboFan) does not fit, and stays as it is for the next start.
      if (!cache.stale || !baseline) return;
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
