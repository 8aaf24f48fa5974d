import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { repoRoot, runInProcess, simulatorDoc } from '../helpers/cli.js';

/** The local API's config keys: listen, token / tokenFile, allowFaultClearing, simulation. */

const TOKEN = 'api-token-0123456789-abcdef';

describe('config: the local API beyond loopback', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'evse-api-config-'));
  });
  after(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  let seq = 0;
  /** config/simulator.json with this api section (and optionally a token file), in a fresh folder. */
  function writeConfig(api: Record<string, unknown>, tokenFile?: { text: string; mode: number }): string {
    const dir = mkdtempSync(path.join(tmp, `c${++seq}-`));
    const doc = simulatorDoc();
    doc['$schema'] = path.join(repoRoot, 'config', 'config.schema.json');
    doc['storage'] = { dir: path.join(dir, 'var') };
    doc['api'] = api;
    if (tokenFile) {
      writeFileSync(path.join(dir, 'api-token'), tokenFile.text, { mode: tokenFile.mode });
      chmodSync(path.join(dir, 'api-token'), tokenFile.mode);
    }
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(doc), { mode: 0o600 });
    chmodSync(file, 0o600);
    return file;
  }

  it('keeps the API on loopback without a token, with the optional routes off by default', () => {
    const { config } = loadConfig(writeConfig({ listen: '127.0.0.1:8080' }));
    assert.deepEqual({ ...config.api }, { host: '127.0.0.1', port: 8080, token: undefined, allowFaultClearing: false, simulation: false });
  });

  it('accepts a non-loopback address with a token file, reads the token without its newline and never prints it', async () => {
    const file = writeConfig({ listen: '0.0.0.0:8080', tokenFile: 'api-token', allowFaultClearing: true }, { text: `${TOKEN}\n`, mode: 0o600 });
    const { config, warnings } = loadConfig(file);
    assert.equal(config.api.token?.reveal(), TOKEN);
    assert.equal(config.api.allowFaultClearing, true);
    assert.deepEqual(warnings, []);
    assert.equal(JSON.stringify(config.api).includes(TOKEN), false);
    const { code, stdout, stderr } = await runInProcess(['check-config', file]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^api {6}0\.0\.0\.0:8080, bearer token required, fault clearing on$/m);
    assert.equal(`${stdout}${stderr}`.includes(TOKEN), false);
  });

  it('accepts an inline token off loopback', () => {
    const { config } = loadConfig(writeConfig({ listen: '192.168.1.20:8080', token: TOKEN }));
    assert.equal(config.api.token?.reveal(), TOKEN);
    assert.equal(String(config.api.token), '********');
  });

  it('warns about a token file every user can read, naming /api/tokenFile', async () => {
    const file = writeConfig({ listen: '0.0.0.0:8080', tokenFile: 'api-token' }, { text: TOKEN, mode: 0o644 });
    const { code, stderr } = await runInProcess(['check-config', file]);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /^warning: \/api\/tokenFile: .*api-token.*readable by every user \(mode 644\)/m);
    assert.equal(stderr.includes(TOKEN), false);
  });

  it('refuses a non-loopback address without a token, and never echoes a too-short token', async () => {
    let run = await runInProcess(['check-config', writeConfig({ listen: '10.0.0.5:8080' })]);
    assert.equal(run.code, 78);
    assert.match(run.stderr, /\/api\/token: must be a token \(or \/api\/tokenFile\) when \/api\/listen is not a loopback address/);
    run = await runInProcess(['check-config', writeConfig({ listen: '0.0.0.0:8080', tokenFile: 'api-token' }, { text: 'tiny-token\n', mode: 0o600 })]);
    assert.equal(run.code, 78);
    assert.match(run.stderr, /\/api\/tokenFile: must be a file holding a token of 16 to 128/);
    assert.equal(run.stderr.includes('tiny-token'), false);
  });
});
