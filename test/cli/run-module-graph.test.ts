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
 * used on request only (certificates parsing, FTP, archives), nor rxjs's CommonJS build (its
 * bundle instead); the built agent not the Ajv compiler either (its validators are compiled at
 * build time; the sources compile them).
 */

const NEVER = [
  /\/src\/ocpp\/v16\//,
  /\/tools\/dev-csms\//,
  /\/node_modules\/(@peculiar\/x509|reflect-metadata|tsyringe|basic-ftp|tar-stream|serialport|@serialport\/bindings-cpp|modbus-serial)\//,
];
const NEVER_BUILT = [/\/node_modules\/ajv\/dist\/(core|compile)/];

describe('evse-agent run: the module graph of a 2.0.1 simulated station', function () {
  this.timeout(60000);
  let csms: DevCsms | undefined;
  afterEach(() => csms?.stop());

  it('boots loading neither OCPP 1.6, the development CSMS, x509, FTP, tar, serial nor Modbus packages (nor, built, the Ajv compiler)', async () => {
    csms = new DevCsms({ port: 0 });
    await csms.start();
    const url = csms.url;
    const config = simulatorConfigCopy((d) => {
      d['station'] = { ...d['station'], identity: 'GRAPH-201' };
      d['ocpp'] = { ...d['ocpp'], version: '2.0.1', url };
    });
    const log = path.join(makeTempDir('evse-run-module-graph'), 'modules.log');
    writeFileSync(log, '');
    const preload = path.join(repoRoot, 'test', 'cli', 'module-graph', 'loaded-modules.mjs');
    const args = cliNodeArgs(['run', '--config', config]);
    const child = spawn(process.execPath, ['--import', preload, ...args], { cwd: repoRoot, env: { ...process.env, MODULE_GRAPH_LOG: log, JOURNAL_STREAM: '' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await csms.waitFor('GRAPH-201', 'BootNotification', undefined, 30000);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, out.slice(-2000));
    const modules = readFileSync(log, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith('file:'))
      .map((u) => new URL(u).pathname);
    // The log is the real one: the 2.0.1 adapter and the WebSocket are in it.
    assert.ok(modules.some((m) => /\/src\/ocpp\/v201\/v201-adapter\.(ts|js)$/.test(m)), 'the 2.0.1 adapter was loaded');
    assert.ok(modules.some((m) => /\/node_modules\/ws\//.test(m)), 'ws was loaded');
    // rxjs as its one-file bundle (src/cli/rxjs-bundle.ts), not its CommonJS build's 220 files (this line comes from require.cache).
    assert.ok(modules.some((m) => m.endsWith('/node_modules/rxjs/dist/bundles/rxjs.umd.min.js')), 'the rxjs bundle was loaded');
    assert.ok(!modules.some((m) => m.includes('/node_modules/rxjs/dist/cjs/internal/operators/')), 'rxjs\'s CommonJS build was not');
    const built = args[0]?.endsWith('.js') === true;
    const forbidden = [...NEVER, ...(built ? NEVER_BUILT : [])];
    const loaded = modules.filter((m) => forbidden.some((re) => re.test(m)));
    assert.deepEqual([...new Set(loaded)], [], 'modules the station does not use');
  });
});
