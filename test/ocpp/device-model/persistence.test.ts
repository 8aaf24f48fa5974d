import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeviceModel, isRpcErrorAnswer, type VariableChange, type VariableDefinition } from '../../../src/ocpp/v201/device-model/device-model.js';
import { DEVICE_MODEL_FILE } from '../../../src/ocpp/v201/device-model/device-model.js';
import { assertValidOcpp } from './ocpp-schema.js';

const PASSWORD = 'Pa55word-For-Basic_Auth';

const definitions: VariableDefinition[] = [
  { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, mutability: 'ReadWrite', characteristics: { dataType: 'integer', unit: 's', minLimit: 1 }, default: '300' },
  { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' }, mutability: 'ReadWrite', characteristics: { dataType: 'integer', unit: 's' }, default: '60' },
  { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, mutability: 'ReadWrite', characteristics: { dataType: 'SequenceList', valuesList: ['1', '2'] }, default: '1', rebootRequired: true },
  { component: { name: 'TxCtrlr' }, variable: { name: 'TxStopPoint' }, mutability: 'ReadWrite', characteristics: { dataType: 'MemberList', valuesList: ['EVConnected', 'Authorized'] }, default: 'EVConnected,Authorized' },
  { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, mutability: 'WriteOnly', characteristics: { dataType: 'string', maxLimit: 40 }, default: '', validate: (v) => (v.length >= 16 ? undefined : 'too short') },
];

let tmp: string;
let dir: string;
let warnings: string[];
let seq = 0;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'evse-device-model-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  dir = path.join(tmp, `storage${++seq}`);
  warnings = [];
});

function open(storageDir = dir): DeviceModel {
  return new DeviceModel({ definitions, storageDir, onWarning: (m) => warnings.push(m) });
}

async function setAll(model: DeviceModel, values: Array<[string, string, string]>): Promise<string[]> {
  const answer = await model.setVariables({
    setVariableData: values.map(([component, variable, attributeValue]) => ({ component: { name: component }, variable: { name: variable }, attributeValue })) as never,
  });
  assert.ok(!isRpcErrorAnswer(answer));
  assertValidOcpp('SetVariablesResponse', answer);
  return answer.setVariableResult.map((r) => r.attributeStatus);
}

const file = (): string => path.join(dir, DEVICE_MODEL_FILE);

describe('DeviceModel persistence', () => {
  it('accepted values survive a restart (a new DeviceModel on the same folder); unset ones keep their defaults', async () => {
    const first = open();
    assert.deepEqual(await setAll(first, [['OCPPCommCtrlr', 'HeartbeatInterval', '42'], ['TxCtrlr', 'TxStopPoint', 'EVConnected']]), ['Accepted', 'Accepted']);
    const again = open();
    assert.equal(again.getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 42);
    assert.deepEqual(again.getList('TxCtrlr', 'TxStopPoint'), ['EVConnected']);
    assert.equal(again.getInt('OCPPCommCtrlr', 'OfflineThreshold'), 60);
    assert.deepEqual(warnings, []);
  });

  it('rejected values are not persisted', async () => {
    assert.deepEqual(await setAll(open(), [['OCPPCommCtrlr', 'HeartbeatInterval', '0']]), ['Rejected']);
    assert.equal(open().getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 300);
  });

  it('a RebootRequired value takes effect after the restart', async () => {
    const first = open();
    assert.deepEqual(await setAll(first, [['OCPPCommCtrlr', 'NetworkConfigurationPriority', '2,1']]), ['RebootRequired']);
    assert.equal(first.getString('OCPPCommCtrlr', 'NetworkConfigurationPriority'), '1');
    assert.equal(open().getString('OCPPCommCtrlr', 'NetworkConfigurationPriority'), '2,1');
  });

  it('the file is created with mode 0600, even under a permissive umask, and no temporary file is left', async () => {
    const old = process.umask(0);
    try {
      await setAll(open(), [['OCPPCommCtrlr', 'HeartbeatInterval', '42']]);
    } finally {
      process.umask(old);
    }
    assert.equal(statSync(file()).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), [DEVICE_MODEL_FILE]);
  });

  it('the password is kept for the next start (A01.FR.10) in the 0600 file, and comes back as a Secret', async () => {
    assert.deepEqual(await setAll(open(), [['SecurityCtrlr', 'BasicAuthPassword', PASSWORD]]), ['Accepted']);
    assert.equal(statSync(file()).mode & 0o777, 0o600);
    const again = open();
    assert.equal(again.getSecret('SecurityCtrlr', 'BasicAuthPassword')?.reveal(), PASSWORD);
    assert.ok(!warnings.join('\n').includes(PASSWORD));
  });

  it('a missing file means defaults, silently (a first start)', () => {
    const model = open();
    assert.equal(model.getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 300);
    assert.deepEqual(warnings, []);
  });

  for (const [what, contents] of [
    ['not JSON', '{"version": 1, "values": {"OCPPCommCtrlr/HeartbeatInterval": "4'],
    ['the wrong shape', '["OCPPCommCtrlr/HeartbeatInterval", "42"]'],
    ['a value that is not a string', '{"version": 1, "values": {"OCPPCommCtrlr/HeartbeatInterval": 42}}'],
    ['an unknown version', '{"version": 7, "values": {}}'],
    ['empty', ''],
  ] as const) {
    it(`a corrupt file (${what}) means defaults and a warning, never a crash; the file is kept aside`, async () => {
      await setAll(open(), [['OCPPCommCtrlr', 'HeartbeatInterval', '42']]);
      writeFileSync(file(), contents);
      const model = open();
      assert.equal(model.getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 300);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /corrupt/);
      assert.ok(existsSync(`${file()}.corrupt`));
      // The station goes on saving.
      assert.deepEqual(await setAll(model, [['OCPPCommCtrlr', 'OfflineThreshold', '5']]), ['Accepted']);
      assert.equal(open().getInt('OCPPCommCtrlr', 'OfflineThreshold'), 5);
    });
  }

  it('a saved value that no longer fits (or an unknown variable) falls back to the default with a warning that never shows a password', async () => {
    await setAll(open(), [['SecurityCtrlr', 'BasicAuthPassword', PASSWORD]]);
    writeFileSync(
      file(),
      JSON.stringify({
        version: 1,
        values: {
          'OCPPCommCtrlr/HeartbeatInterval': '0',
          'TxCtrlr/TxStopPoint': 'ParkingBayOccupancy',
          'OCPPCommCtrlr/OfflineThreshold': '120',
          'SecurityCtrlr/BasicAuthPassword': 'short-secret',
          'GoneCtrlr/Thing': '1',
        },
      }),
    );
    const model = open();
    assert.equal(model.getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 300);
    assert.equal(model.getString('TxCtrlr', 'TxStopPoint'), 'EVConnected,Authorized');
    assert.equal(model.getInt('OCPPCommCtrlr', 'OfflineThreshold'), 120);
    assert.equal(model.getSecret('SecurityCtrlr', 'BasicAuthPassword'), undefined);
    assert.equal(warnings.length, 4);
    assert.ok(warnings.some((w) => w.includes('GoneCtrlr/Thing')));
    assert.ok(!warnings.join('\n').includes('short-secret'));
  });

  it('saved names are matched without regard to case', () => {
    mkdirSync(dir);
    writeFileSync(file(), JSON.stringify({ version: 1, values: { 'ocppcommctrlr/heartbeatinterval': '77' } }));
    assert.equal(open().getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 77);
  });

  it('temporary files left by a power cut are removed at start and never read', async () => {
    await setAll(open(), [['OCPPCommCtrlr', 'HeartbeatInterval', '42']]);
    writeFileSync(`${file()}.tmp-999-1`, '{"version": 1, "values": {"OCPPCommCtrlr/HeartbeatInterval": "1"}}');
    assert.equal(open().getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 42);
    assert.deepEqual(readdirSync(dir), [DEVICE_MODEL_FILE]);
  });

  it('when saving fails, the items are Rejected (B05.FR.09), nothing takes effect and nothing is announced', async () => {
    const blocker = path.join(tmp, `blocker${seq}`);
    writeFileSync(blocker, 'a file where the storage folder should be');
    const model = open(path.join(blocker, 'storage'));
    const changes: VariableChange[] = [];
    model.changes$.subscribe((c) => changes.push(c));
    const answer = await model.setVariables({ setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '42' }] });
    assert.ok(!isRpcErrorAnswer(answer));
    assertValidOcpp('SetVariablesResponse', answer);
    assert.equal(answer.setVariableResult[0].attributeStatus, 'Rejected');
    assert.equal(answer.setVariableResult[0].attributeStatusInfo?.reasonCode, 'InternalError');
    assert.equal(model.getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 300);
    assert.deepEqual(changes, []);
    assert.ok(warnings.some((w) => /cannot save/.test(w)));
  });

  it('the file is readable JSON naming each variable', async () => {
    await setAll(open(), [['OCPPCommCtrlr', 'HeartbeatInterval', '42']]);
    assert.deepEqual(JSON.parse(readFileSync(file(), 'utf8')), { version: 1, values: { 'OCPPCommCtrlr/HeartbeatInterval': '42' } });
  });
});
