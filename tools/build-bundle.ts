/**
 * The build's third step (`npm run build`, after tsc and the validators): the shipped agent as one
 * CommonJS file, dist/bundle/agent.cjs, and V8's code cache for it (issue 18: start-up time and
 * memory; src/cli/bundle-start.ts loads them, built as dist/bundle/start.cjs).
 *
 * - esbuild bundles dist/src/cli/run-main.js (the process with `run`, the station; main.ts runs the
 *   other commands from dist/src) and every module it imports, statically or with
 *   import() (inlined: run when first imported, as before), and the packages imported statically
 *   (rxjs, ws). Packages the code requires at run time (native drivers, x509, FTP, tar, prom-client,
 *   Ajv's runtime) and the build's validators stay files of their own, loaded on first use.
 * - Node builtins that only some stations or some requests use (TLS, HTTPS, child processes,
 *   readline, v8, worker threads) are loaded on first use of one of their exports, not when the
 *   bundle starts: each is about 0.4 to 1.6 MB of resident memory (lazyBuiltinsPlugin).
 * - The code cache: two warm-up runs of the built agent (a 2.0.1 and a 1.6 simulated station
 *   against the development CSMS) write it at their BootNotification with the bytecode of every
 *   function they ran by then; what runs later is compiled when it first runs, as without a cache.
 *
 *   node dist/tools/build-bundle.js
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { BUNDLE_DIR, BUNDLE_FILE, CODE_CACHE_FILE, START_FILE } from '../src/cli/bundle-start.js';
import type { OcppVersion } from '../src/config/station-config.js';
import { packageRoot } from '../src/paths.js';
import { precompiledOcppModule } from '../src/ocpp/rpc/ocpp-schema-files.js';
import { precompiledDocumentModule } from '../src/util/document-schemas.js';
import { silentLogger } from '../src/process/logger.js';
import { cachedScripts } from '../src/process/code-cache.js';
import { DevCsms } from './dev-csms/dev-csms.js';

const dist = path.join(packageRoot, 'dist');
const bundleDir = path.join(dist, BUNDLE_DIR);
const bundleFile = path.join(bundleDir, BUNDLE_FILE);
const cacheFile = path.join(bundleDir, CODE_CACHE_FILE);
const WARM_UP_TIMEOUT_MS = 30_000;
const builtinRequire = createRequire(import.meta.url);

/**
 * Builtins loaded on first use in the bundle. What every station's start loads anyway (net, http,
 * crypto, fs/promises, zlib for the journals' checksums, dns) stays as it is: a stand-in would only
 * add a step to each call.
 */
export const LAZY_BUILTINS = ['tls', 'https', 'child_process', 'readline', 'v8', 'worker_threads'];

/** Packages required at run time from node_modules rather than bundled: native addons, optional ones, what is used on request. */
// Ajv's compiler is required at run time only (createRequire, from the sources); what the start's
// validators require of its runtime is bundled with them.
const EXTERNAL = ['serialport', '@serialport/*', 'onoff', 'modbus-serial', 'bufferutil', 'utf-8-validate', '@peculiar/x509', 'basic-ftp', 'tar-stream', 'prom-client', 'ajv-draft-04'];

/**
 * Each lazy builtin becomes a stand-in whose exports are read from the real module when first
 * asked for. Its export names are this Node's, listed at build time, so that the bundler's
 * import helpers (which copy a module's names into getters) do not load the real one to list them.
 */
function lazyBuiltinsPlugin(): Plugin {
  const names = LAZY_BUILTINS.map((n) => n.replace('/', '\\/')).join('|');
  return {
    name: 'lazy-builtins',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^(node:)?(${names})$`) }, (args) =>
        // The stand-in's own require of the builtin is the real one.
        args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
      );
      b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
        loader: 'js',
        contents: `"use strict";
let real;
const load = () => (real ??= require("node:${args.path}"));
const names = ${JSON.stringify(Object.keys(builtinRequire(`node:${args.path}`) as object))};
module.exports = new Proxy({}, {
  // The bundler's import helper asks whether a module is an ES module's: a builtin never is.
  get: (_, key) => (key === "__esModule" ? undefined : load()[key]),
  has: (_, key) => key in load(),
  ownKeys: () => names,
  getOwnPropertyDescriptor: (_, key) => (names.includes(key) ? { get: () => load()[key], enumerable: true, configurable: true } : undefined),
});
`,
      }));
    },
  };
}

/** What the bundle must not contain: import() (a script compiled from the code cache has no loader for it). */
function checkBundle(code: string): void {
  if (/\bimport\(/.test(code)) throw new Error('build-bundle: an import() call is left in the bundle: require the package (createRequire), as src/ does for lazy packages');
}

/** The validators every station's start runs before its BootNotification goes out, carried in the bundle rather than read from dist/validators. */
const START_VALIDATORS = [precompiledDocumentModule('config'), ...(['2.0.1', '1.6'] as const).map((v) => precompiledOcppModule(v, 'BootNotification', 'request'))];

/**
 * The bundle's entry: run-main.js, with the start's validators handed to precompiled-validators.ts
 * (one script and one code cache entry instead of a file each).
 */
function bundleEntry(): string {
  const modules = START_VALIDATORS.map((m) => `  ${JSON.stringify(m)}: () => require(${JSON.stringify(path.join(dist, 'validators', m))}),`);
  return [
    `require(${JSON.stringify(path.join(dist, 'src', 'util', 'precompiled-validators.js'))}).provideBundledValidators({`,
    ...modules,
    '});',
    `module.exports = require(${JSON.stringify(path.join(dist, 'src', 'cli', 'run-main.js'))});`,
  ].join('\n');
}

/** Bundles one module of dist/src (or the given entry's code) and what it imports into dist/bundle/<file>. */
async function bundleModule(entry: string | { contents: string }, file: string, throughCodeCache: boolean): Promise<void> {
  const result = await build({
    ...(typeof entry === 'string' ? { entryPoints: [path.join(dist, 'src', entry)] } : { stdin: { contents: entry.contents, resolveDir: dist, sourcefile: 'bundle-entry.js', loader: 'js' } }),
    outfile: path.join(bundleDir, file),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: EXTERNAL,
    plugins: [lazyBuiltinsPlugin()],
    // rxjs's ES2015 modules, which the bundler can trim to what is used; the "node" condition would pick its CommonJS build.
    alias: { rxjs: path.join(packageRoot, 'node_modules', 'rxjs', 'dist', 'esm', 'index.js') },
    // Modules find files from where they are (paths.ts: the package root); in the bundle that is the bundle's own URL.
    define: {
      'import.meta.url': 'bundleUrl',
      // ws's optional native masking (not among our packages): not looked for in node_modules at each start.
      'process.env.WS_NO_BUFFER_UTIL': '"1"',
    },
    banner: { js: '"use strict";\nconst bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
    // Spaces, comments and long forms out: less to read at start and to keep in memory. Names stay,
    // so stack traces still name functions; dist/bundle/*.map gives their place in dist/src
    // (node --enable-source-maps reads it, after the start).
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    write: false,
  });
  for (const output of result.outputFiles) {
    if (output.path.endsWith('.map')) writeFileSync(output.path, output.contents);
    else {
      if (throughCodeCache) checkBundle(output.text);
      writeFileSync(output.path, output.contents);
    }
  }
}

async function bundle(): Promise<void> {
  rmSync(bundleDir, { recursive: true, force: true });
  mkdirSync(bundleDir, { recursive: true });
  await bundleModule({ contents: bundleEntry() }, BUNDLE_FILE, true);
  // Loaded by Node before the code cache is in place.
  await bundleModule(path.join('cli', 'bundle-start.js'), START_FILE, false);
}

/** A simulated station's config for a warm-up run: its own storage, no local API, quiet. */
function warmUpConfig(dir: string, url: string, version: OcppVersion, identity: string): string {
  const doc = JSON.parse(readFileSync(path.join(packageRoot, 'config', 'simulator.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  doc['station'] = { ...doc['station'], identity };
  doc['ocpp'] = { ...doc['ocpp'], url, version };
  doc['api'] = { listen: '127.0.0.1:0' };
  doc['storage'] = { dir: path.join(dir, identity) };
  doc['log'] = { level: 'error' };
  const file = path.join(dir, `${identity}.json`);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

/**
 * Runs the built agent to its BootNotification, has it write the code cache with what it ran by
 * then (SIGUSR2, EVSE_AGENT_CODE_CACHE=write: src/cli/bundle-start.ts), then stops it.
 */
async function warmUp(csms: DevCsms, dir: string, version: OcppVersion): Promise<void> {
  const identity = `BUILD-WARM-UP-${version.replaceAll('.', '')}`;
  const config = warmUpConfig(dir, csms.url, version, identity);
  const child = spawn(process.execPath, [path.join(dist, 'src', 'cli', 'main.js'), 'run', '--config', config], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, EVSE_AGENT_CODE_CACHE: 'write', EVSE_AGENT_STATE_DIR: '', JOURNAL_STREAM: '' },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await csms.waitFor(identity, 'BootNotification', undefined, WARM_UP_TIMEOUT_MS);
    const writtenBefore = statSync(cacheFile, { throwIfNoEntry: false })?.mtimeMs;
    child.kill('SIGUSR2');
    const deadline = Date.now() + WARM_UP_TIMEOUT_MS;
    while (statSync(cacheFile, { throwIfNoEntry: false })?.mtimeMs === writtenBefore) {
      if (Date.now() > deadline) throw new Error(`build-bundle: the warm-up run (${version}) wrote no code cache`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    child.kill('SIGTERM');
  }
  const code = await exited;
  if (code !== 0) throw new Error(`build-bundle: the warm-up run (${version}) exited ${code}`);
}

async function main(): Promise<void> {
  await bundle();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evse-build-bundle-'));
  const csms = new DevCsms({ port: 0, log: silentLogger });
  await csms.start();
  try {
    for (const version of ['2.0.1', '1.6'] as const) await warmUp(csms, dir, version);
  } finally {
    await csms.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const cached = cachedScripts(path.join(bundleDir, CODE_CACHE_FILE));
  if (!cached.includes(path.relative(packageRoot, bundleFile))) throw new Error('build-bundle: the warm-up runs wrote no code cache for the bundle');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
