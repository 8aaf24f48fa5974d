import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONFIGURATION_FILE, ConfigurationStore, type ConfigurationKeyDefinition } from '../../../src/ocpp/v16/configuration/configuration-store.js';

const FACTORY_KEY = 'factory-password-1234';
const NEW_KEY = '00112233445566778899aabbccddeeff00112233';

const definitions: ConfigurationKeyDefinition[] = [
  { key: 'HeartbeatInterval', type: 'integer', readonly: false, default: '300', min: 1 },
  { key: 'LocalAuthListEnabled', type: 'boolean', readonly: false, default: 'true' },
  { key: 'NumberOfConnectors', type: 'integer', readonly: true, default: '2' },
  { key: 'MeterValuesSampledData', type: 'CSL', readonly: false, default: 'Voltage', members: ['Voltage', 'Frequency'] },
  { key: 'NetworkName', type: 'string', readonly: false, default: 'home', rebootRequired: true },
  { key: 'AuthorizationKey', type: 'string', readonly: false, writeOnly: true, default: FACTORY_KEY, validate: (v) => (v.length >= 16 ? undefined : 'too short') },
];

let tmp: string;
let dir: string;
let warnings: string[];
let seq = 0;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'evse-ocpp16-config-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  dir = path.join(tmp, `storage${++seq}`);
  warnings = [];
});

const open = (storageDir = dir): ConfigurationStore => new ConfigurationStore({ definitions, storageDir, onWarning: (m) => warnings.push(m) });
const file = (): string => path.join(dir, CONFIGURATION_FILE);
const change = async (store: ConfigurationStore, key: string, value: string): Promise<string> => (await store.changeConfiguration({ key, value })).status;

describe('1.6 ConfigurationStore persistence', () => {
  it('changed values survive a restart (a new store on the same folder); unchanged ones keep their defaults', async () => {
    const first = open();
    assert.equal(await change(first, 'HeartbeatInterval', '42'), 'Accepted');
    assert.equal(await change(first, 'LocalAuthListEnabled', 'FALSE'), 'Accepted');
    assert.equal(await change(first, 'MeterValuesSampledData', 'frequency,voltage'), 'Accepted');
    const again = open();
    assert.equal(again.getInt('HeartbeatInterval'), 42);
    assert.equal(again.getBool('LocalAuthListEnabled'), false);
    assert.deepEqual(again.getList('MeterValuesSampledData'), ['Frequency', 'Voltage']);
    assert.equal(again.getString('NetworkName'), 'home');
    assert.deepEqual(warnings, []);
  });

  it('rejected values are not persisted', async () => {
    assert.equal(await change(open(), 'HeartbeatInterval', '0'), 'Rejected');
    assert.equal(existsSync(file()), false);
    assert.equal(open().getInt('HeartbeatInterval'), 300);
  });

  it('a RebootRequired value takes effect after the restart', async () => {
    const first = open();
    assert.equal(await change(first, 'NetworkName', 'office'), 'RebootRequired');
    assert.equal(first.getString('NetworkName'), 'home');
    const again = open();
    assert.equal(again.getString('NetworkName'), 'office');
    assert.deepEqual(again.pendingReboot(), []);
  });

  it('the file is created with mode 0600 even under a permissive umask, and no temporary file is left', async () => {
    const old = process.umask(0);
    try {
      assert.equal(await change(open(), 'AuthorizationKey', NEW_KEY), 'Accepted');
    } finally {
      process.umask(old);
    }
    assert.equal(statSync(file()).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), [CONFIGURATION_FILE]);
  });

  it('the AuthorizationKey is kept for the restart, readable only through getSecret, never in a warning', async () => {
    assert.equal(await change(open(), 'AuthorizationKey', NEW_KEY), 'Accepted');
    const again = open();
    assert.equal(again.getSecret('AuthorizationKey')?.reveal(), NEW_KEY);
    assert.ok(!JSON.stringify(again.getConfiguration({})).includes(NEW_KEY));
    // A saved key that fails its check is dropped without showing it.
    writeFileSync(file(), JSON.stringify({ version: 1, values: { AuthorizationKey: 'short-secret' } }), { mode: 0o600 });
    const third = open();
    assert.equal(third.getSecret('AuthorizationKey')?.reveal(), FACTORY_KEY);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /AuthorizationKey/);
    assert.ok(!warnings.join('\n').includes('short-secret'));
  });

  it('a file others can read is made 0600 when loaded, with a warning', () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file(), JSON.stringify({ version: 1, values: { HeartbeatInterval: '77' } }));
    chmodSync(file(), 0o644);
    assert.equal(open().getInt('HeartbeatInterval'), 77);
    assert.equal(statSync(file()).mode & 0o777, 0o600);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /readable by others/);
  });

  for (const [what, text] of [
    ['not JSON', '{"version": 1, "values": {"HeartbeatInterval": "4'],
    ['an array', '[1, 2]'],
    ['another version', '{"version": 2, "values": {}}'],
    ['a non-string value', '{"version": 1, "values": {"HeartbeatInterval": 42}}'],
    ['empty', ''],
  ] as const) {
    it(`a corrupt file (${what}) means defaults and a warning, not a crash; it is kept aside and the next change saves a good one`, async () => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file(), text, { mode: 0o600 });
      const store = open();
      assert.equal(store.getInt('HeartbeatInterval'), 300);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] ?? '', /corrupt/);
      assert.equal(readFileSync(`${file()}.corrupt`, 'utf8'), text);
      assert.equal(await change(store, 'HeartbeatInterval', '55'), 'Accepted');
      assert.equal(open().getInt('HeartbeatInterval'), 55);
    });
  }

  it('saved values that no longer fit are dropped one by one: unknown keys, read-only keys, bad values', () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      file(),
      JSON.stringify({ version: 1, values: { HeartbeatInterval: '0', NumberOfConnectors: '9', Gone: 'x', LocalAuthListEnabled: 'false', MeterValuesSampledData: 'SoC' } }),
      { mode: 0o600 },
    );
    const store = open();
    assert.equal(store.getInt('HeartbeatInterval'), 300);
    assert.equal(store.getInt('NumberOfConnectors'), 2);
    assert.equal(store.getBool('LocalAuthListEnabled'), false);
    assert.deepEqual(store.getList('MeterValuesSampledData'), ['Voltage']);
    assert.equal(warnings.length, 4);
  });

  it('stale temporary files of an interrupted save are removed', async () => {
    await change(open(), 'HeartbeatInterval', '42');
    writeFileSync(`${file()}.tmp-1-1`, '{"version": 1, "values": {"HeartbeatInterval": "9"}}');
    assert.equal(open().getInt('HeartbeatInterval'), 42);
    assert.deepEqual(readdirSync(dir), [CONFIGURATION_FILE]);
  });

  it('a value that cannot be saved is Rejected and not taken', async () => {
    writeFileSync(path.join(tmp, `blocker${seq}`), 'a file, not a folder');
    const store = open(path.join(tmp, `blocker${seq}`, 'storage'));
    warnings.length = 0; // the folder could not be read either
    const seen: string[] = [];
    store.changes$.subscribe((c) => seen.push(c.key));
    assert.equal(await change(store, 'HeartbeatInterval', '42'), 'Rejected');
    assert.equal(store.getInt('HeartbeatInterval'), 300);
    assert.deepEqual(seen, []);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /cannot save/);
    // A write-only value that cannot be saved is not shown in the warning either.
    assert.equal(await change(store, 'AuthorizationKey', NEW_KEY), 'Rejected');
    assert.ok(!warnings.join('\n').includes(NEW_KEY));
  });
});
