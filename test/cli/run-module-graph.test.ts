import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DevCsms } from '../../tools/dev-csms/dev-csms.js';
import { cliNodeArgs, repoRoot, simulatorConfigCopy } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Issue 18: `evse-agent run` loads only what the configured station uses. A 2.0.1 station on
 * simulated hardware, run as a process until its BootNotification reached the CSMS and then
 * stopped, has loaded none of 1.6, the development CSMS, the real drivers' packages or the parts
 * used on request only (certificates parsing, FTP, archives), nor rxjs's CommonJS build; the built
 * agent not the Ajv compiler either (its validators are compiled at build time; the sources
 * compile them). Built, it runs as the bundle (dist/bundle/agent.cjs), which loads the Node
 * builtins only some stations or requests use (TLS, child processes, readline, ...) on first use.
 */

const NEVER = [
  /\/src\/ocpp\/v16\//,
  /\/tools\/dev-csms\//,
  /\/node_modules\/(@peculiar\/x509|reflect-metadata|tsyringe|basic-ftp|tar-stream|serialport|@serialport\/bindings-cpp|modbus-serial)\//,
];
const NEVER_BUILT = [/\/node_modules\/ajv\/dist\/(core|compile)/];
/**
 * Builtins a simulated station on ws:// never uses before its boot (bundled: the lazy builtins of
 * tools/build-bundle.ts). Not child_process: Node's own net.Server#listen (the local API) loads it
 * through cluster; nor v8, which sets the station's compiler flags (src/cli/bundle-start.ts).
 */
const NEVER_BUNDLED_BUILTINS = ['tls', 'https', 'readline', 'worker_threads'];

interface LoadedModules {
  files: string[];
  builtins: string[];
}

/**
 * Runs a 2.0.1 simulated station to its boot under a module log; `env` beside the test's. The
 * bundle's log comes from require.cache alone (required-modules.mjs): the ES module hook of the
 * other log (loaded-modules.mjs) would load worker_threads and more itself.
 */
async function runToBoot(csms: DevCsms, identity: string, preloadFile: string, env: NodeJS.ProcessEnv = {}, until = 'BootNotification'): Promise<LoadedModules> {
  const config = simulatorConfigCopy((d) => {
    d['station'] = { ...d['station'], identity };
    d['ocpp'] = { ...d['ocpp'], version: '2.0.1', url: csms.url };
  });
  const log = path.join(makeTempDir('evse-run-module-graph'), 'modules.log');
  writeFileSync(log, '');
  const preload = path.join(repoRoot, 'test', 'cli', 'module-graph', preloadFile);
  const args = cliNodeArgs(['run', '--config', config]);
  const child = spawn(process.execPath, ['--import', preload, ...args], { cwd: repoRoot, env: { ...process.env, ...env, MODULE_GRAPH_LOG: log, JOURNAL_STREAM: '' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await csms.waitFor(identity, until, undefined, 30000);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, out.slice(-2000));
  const lines = readFileSync(log, 'utf8').split('\n');
  return {
    files: lines.filter((u) => u.startsWith('file:')).map((u) => new URL(u).pathname),
    builtins: lines.filter((u) => u.startsWith('builtin:')).map((u) => u.slice('builtin:'.length)),
  };
}

const built = cliNodeArgs([])[0]?.endsWith('.js') === true;

describe('evse-agent run: the module graph of a 2.0.1 simulated station', function () {
  this.timeout(60000);
  let csms: DevCsms | undefined;
  beforeEach(async () => {
    csms = new DevCsms({ port: 0 });
    await csms.start();
  });
  afterEach(() => csms?.stop());

  it('boots loading neither OCPP 1.6, the development CSMS, x509, FTP, tar, serial nor Modbus packages (nor, built, the Ajv compiler)', async () => {
    // The modules as they are (built: EVSE_AGENT_BUNDLE=off), so that each one loaded is seen.
    const { files } = await runToBoot(csms!, 'GRAPH-201', 'loaded-modules.mjs', { EVSE_AGENT_BUNDLE: 'off' });
    // The log is the real one: the 2.0.1 adapter and the WebSocket are in it.
    assert.ok(files.some((m) => /\/src\/ocpp\/v201\/v201-adapter\.(ts|js)$/.test(m)), 'the 2.0.1 adapter was loaded');
    assert.ok(files.some((m) => /\/node_modules\/ws\//.test(m)), 'ws was loaded');
    // rxjs as its one-file bundle (src/cli/rxjs-bundle.ts), not its CommonJS build's 220 files (this line comes from require.cache).
    assert.ok(files.some((m) => m.endsWith('/node_modules/rxjs/dist/bundles/rxjs.umd.min.js')), 'the rxjs bundle was loaded');
    assert.ok(!files.some((m) => m.includes('/node_modules/rxjs/dist/cjs/internal/operators/')), 'rxjs\'s CommonJS build was not');
    const forbidden = [...NEVER, ...(built ? NEVER_BUILT : [])];
    assert.deepEqual([...new Set(files.filter((m) => forbidden.some((re) => re.test(m))))], [], 'modules the station does not use');
  });

  (built ? it : it.skip)('built: runs as the bundle from its code cache, requiring none of those packages, and booted (metrics built) has loaded none of the lazy builtins it did not use', async () => {
    // Until its first StatusNotification: booted, its metrics (prom-client) built after the CSMS's answer.
    const { files, builtins } = await runToBoot(csms!, 'GRAPH-BUNDLE', 'required-modules.mjs', {}, 'StatusNotification');
    assert.ok(files.some((m) => m.endsWith('/dist/bundle/agent.cjs')), 'the bundle ran');
    assert.ok(files.some((m) => m.endsWith('/node_modules/prom-client/lib/registry.js')), 'the metrics were built');
    assert.ok(!files.some((m) => m.endsWith('/node_modules/prom-client/index.js')), 'prom-client\'s index (its Pushgateway: https, TLS) was not loaded');
    assert.ok(!files.some((m) => /\/dist\/src\/(ocpp|app|station)\//.test(m)), 'no module of dist/src beside it');
    assert.deepEqual([...new Set(files.filter((m) => [...NEVER, ...NEVER_BUILT].some((re) => re.test(m))))], [], 'packages the station does not use');
    // The log is the real one: http (ws's handshake) is in it.
    assert.ok(builtins.includes('http'), 'http was loaded');
    assert.deepEqual(NEVER_BUNDLED_BUILTINS.filter((b) => builtins.includes(b)), [], 'builtins loaded though unused');
  });
});
