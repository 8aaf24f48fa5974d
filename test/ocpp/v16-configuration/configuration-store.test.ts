import assert from 'node:assert/strict';
import type { ChangeConfigurationResponse, GetConfigurationResponse } from 'ocpp-messages/v1.6/index.js';
import {
  ConfigurationStore,
  isRpcErrorAnswer,
  type ConfigurationChange,
  type ConfigurationKeyDefinition,
  type RpcErrorAnswer,
} from '../../../src/ocpp/v16/configuration/configuration-store.js';
import { assertValid16 } from './ocpp16-schema.js';

/** A small configuration with one key of each kind the store distinguishes. */
let securityProfile = 1;
function definitions(): ConfigurationKeyDefinition[] {
  return [
    { key: 'GetConfigurationMaxKeys', type: 'integer', readonly: true, default: '4' },
    { key: 'HeartbeatInterval', type: 'integer', readonly: false, default: '300', min: 1, max: 86400 },
    { key: 'WebSocketPingInterval', type: 'integer', readonly: false, default: '60', min: 0 },
    { key: 'StopTransactionOnInvalidId', type: 'boolean', readonly: false, default: 'true' },
    { key: 'NumberOfConnectors', type: 'integer', readonly: true, default: '2' },
    { key: 'MeterValuesSampledData', type: 'CSL', readonly: false, default: 'Energy.Active.Import.Register', members: ['Energy.Active.Import.Register', 'Power.Active.Import', 'Voltage', 'Current.Import'], maxItemsKey: 'MeterValuesSampledDataMaxLength' },
    { key: 'MeterValuesSampledDataMaxLength', type: 'integer', readonly: true, default: '3' },
    { key: 'PowerFactorLimit', type: 'decimal', readonly: false, default: '0.9', min: 0, max: 1 },
    { key: 'NetworkName', type: 'string', readonly: false, default: 'home', maxLength: 10, rebootRequired: true },
    { key: 'OperatorNote', type: 'string', readonly: false, default: '', validate: (v) => (v.includes('!') ? 'no exclamation marks' : undefined) },
    { key: 'AuthorizationKey', type: 'string', readonly: false, writeOnly: true, maxLength: 40, default: 'factory-password-1234' },
    { key: 'SecurityProfile', type: 'integer', readonly: true, read: () => String(securityProfile) },
  ];
}

let store: ConfigurationStore;
let changes: ConfigurationChange[];
beforeEach(() => {
  securityProfile = 1;
  store = new ConfigurationStore({ definitions: definitions() });
  changes = [];
  store.changes$.subscribe((c) => changes.push(c));
});

/** A GetConfiguration exchange, both messages checked against the official schemas. */
function get(key?: string[]): GetConfigurationResponse {
  const request = key === undefined ? {} : { key };
  assertValid16('GetConfiguration', 'request', request);
  const answer = store.getConfiguration(request);
  assert.ok(!isRpcErrorAnswer(answer), `unexpected CALLERROR: ${JSON.stringify(answer)}`);
  assertValid16('GetConfiguration', 'response', answer);
  return answer;
}

async function change(key: string, value: string): Promise<ChangeConfigurationResponse['status']> {
  const request = { key, value };
  assertValid16('ChangeConfiguration', 'request', request);
  const answer = await store.changeConfiguration(request);
  assertValid16('ChangeConfiguration', 'response', answer);
  return answer.status;
}

const valueOf = (response: GetConfigurationResponse, key: string): string | undefined => response.configurationKey?.find((kv) => kv.key === key)?.value;

describe('1.6 ConfigurationStore: GetConfiguration (5.8)', () => {
  it('without keys, or with an empty list, reports every key in definition order with its read-only flag and value', () => {
    for (const response of [get(), get([])]) {
      assert.deepEqual(
        response.configurationKey?.map((kv) => kv.key),
        definitions().map((d) => d.key),
      );
      assert.deepEqual(response.configurationKey?.find((kv) => kv.key === 'HeartbeatInterval'), { key: 'HeartbeatInterval', readonly: false, value: '300' });
      assert.deepEqual(response.configurationKey?.find((kv) => kv.key === 'NumberOfConnectors'), { key: 'NumberOfConnectors', readonly: true, value: '2' });
      assert.equal(response.unknownKey, undefined);
    }
  });

  it('with keys, reports only those, in the order named, matched without regard to case and in the station spelling', () => {
    const response = get(['numberofconnectors', 'HEARTBEATINTERVAL']);
    assert.deepEqual(response.configurationKey, [
      { key: 'NumberOfConnectors', readonly: true, value: '2' },
      { key: 'HeartbeatInterval', readonly: false, value: '300' },
    ]);
    assert.equal(response.unknownKey, undefined);
  });

  it('puts unknown keys in unknownKey as they were written, and a key named twice is reported once', () => {
    const response = get(['HeartbeatInterval', 'BlinkRepeat', 'heartbeatinterval', 'LightIntensity']);
    assert.deepEqual(response.configurationKey, [{ key: 'HeartbeatInterval', readonly: false, value: '300' }]);
    assert.deepEqual(response.unknownKey, ['BlinkRepeat', 'LightIntensity']);
    const none = get(['NoSuchKey']);
    assert.deepEqual(none.configurationKey, []);
    assert.deepEqual(none.unknownKey, ['NoSuchKey']);
  });

  it('up to GetConfigurationMaxKeys keys are answered; more is a CALLERROR OccurrenceConstraintViolation', () => {
    assert.equal(get(['HeartbeatInterval', 'NumberOfConnectors', 'SecurityProfile', 'Unknown']).configurationKey?.length, 3);
    const request = { key: ['HeartbeatInterval', 'NumberOfConnectors', 'SecurityProfile', 'StopTransactionOnInvalidId', 'WebSocketPingInterval'] };
    assertValid16('GetConfiguration', 'request', request);
    const answer = store.getConfiguration(request);
    assert.ok(isRpcErrorAnswer(answer));
    assert.equal((answer as RpcErrorAnswer).rpcError, 'OccurrenceConstraintViolation');
    assert.match((answer as RpcErrorAnswer).description, /5 keys.*GetConfigurationMaxKeys = 4/);
  });

  it('never reports the value of a write-only key, by name or in the full list', () => {
    assert.deepEqual(get(['AuthorizationKey']).configurationKey, [{ key: 'AuthorizationKey', readonly: false }]);
    assert.deepEqual(get().configurationKey?.find((kv) => kv.key === 'AuthorizationKey'), { key: 'AuthorizationKey', readonly: false });
    assert.ok(!JSON.stringify(get()).includes('factory-password-1234'));
  });

  it('reads a live key when asked', () => {
    assert.equal(valueOf(get(['SecurityProfile']), 'SecurityProfile'), '1');
    securityProfile = 2;
    assert.equal(valueOf(get(['SecurityProfile']), 'SecurityProfile'), '2');
    assert.equal(store.getInt('SecurityProfile'), 2);
  });
});

describe('1.6 ConfigurationStore: ChangeConfiguration (5.3)', () => {
  it('an unknown key is NotSupported; a read-only key is Rejected and keeps its value', async () => {
    assert.equal(await change('BlinkRepeat', '3'), 'NotSupported');
    assert.equal(await change('NumberOfConnectors', '3'), 'Rejected');
    assert.equal(await change('SecurityProfile', '3'), 'Rejected');
    assert.equal(store.getInt('NumberOfConnectors'), 2);
    assert.deepEqual(changes, []);
  });

  it('booleans: true or false in any case, stored as "true"/"false"; anything else is Rejected', async () => {
    assert.equal(await change('StopTransactionOnInvalidId', 'FALSE'), 'Accepted');
    assert.equal(store.getBool('StopTransactionOnInvalidId'), false);
    assert.equal(valueOf(get(['StopTransactionOnInvalidId']), 'StopTransactionOnInvalidId'), 'false');
    for (const bad of ['0', '1', 'yes', '', 'falsy']) assert.equal(await change('StopTransactionOnInvalidId', bad), 'Rejected', bad);
    assert.equal(await change('StopTransactionOnInvalidId', ' True '), 'Accepted');
    assert.equal(store.getString('StopTransactionOnInvalidId'), 'true');
  });

  it('integers: whole numbers within the range, canonicalised; decimals, text and out-of-range values are Rejected', async () => {
    assert.equal(await change('HeartbeatInterval', '+0120'), 'Accepted');
    assert.equal(store.getInt('HeartbeatInterval'), 120);
    assert.equal(valueOf(get(['HeartbeatInterval']), 'HeartbeatInterval'), '120');
    for (const bad of ['0', '86401', '-5', '60.0', '60.5', '1e3', 'sixty', '', '99999999999999999999']) {
      assert.equal(await change('HeartbeatInterval', bad), 'Rejected', bad);
    }
    assert.equal(await change('HeartbeatInterval', '86400'), 'Accepted');
    assert.equal(await change('HeartbeatInterval', '1'), 'Accepted');
    assert.equal(store.getInt('HeartbeatInterval'), 1);
    // 9.1.34: negative ping intervals are Rejected; 0 disables.
    assert.equal(await change('WebSocketPingInterval', '-1'), 'Rejected');
    assert.equal(await change('WebSocketPingInterval', '0'), 'Accepted');
  });

  it('decimals: numbers within the range', async () => {
    assert.equal(await change('PowerFactorLimit', '0.95'), 'Accepted');
    assert.equal(store.getDecimal('PowerFactorLimit'), 0.95);
    assert.equal(await change('PowerFactorLimit', '.5'), 'Accepted');
    assert.equal(store.getString('PowerFactorLimit'), '0.5');
    for (const bad of ['1.01', '-0.1', 'abc', '0,5', '']) assert.equal(await change('PowerFactorLimit', bad), 'Rejected', bad);
  });

  it('CSL: known members in any case and with spaces, stored canonically; unknown members, duplicates, empty members and too many are Rejected', async () => {
    assert.equal(await change('MeterValuesSampledData', 'energy.active.import.register, VOLTAGE'), 'Accepted');
    assert.deepEqual(store.getList('MeterValuesSampledData'), ['Energy.Active.Import.Register', 'Voltage']);
    assert.equal(valueOf(get(['MeterValuesSampledData']), 'MeterValuesSampledData'), 'Energy.Active.Import.Register,Voltage');
    // Errata 3.14.4: one unsupported measurand rejects the whole list and changes nothing.
    assert.equal(await change('MeterValuesSampledData', 'Voltage,SoC'), 'Rejected');
    assert.equal(await change('MeterValuesSampledData', 'Voltage,voltage'), 'Rejected');
    assert.equal(await change('MeterValuesSampledData', 'Voltage,,Current.Import'), 'Rejected');
    // MeterValuesSampledDataMaxLength = 3.
    assert.equal(await change('MeterValuesSampledData', 'Voltage,Current.Import,Power.Active.Import,Energy.Active.Import.Register'), 'Rejected');
    assert.deepEqual(store.getList('MeterValuesSampledData'), ['Energy.Active.Import.Register', 'Voltage']);
    assert.equal(await change('MeterValuesSampledData', 'Voltage,Current.Import,Power.Active.Import'), 'Accepted');
    assert.equal(await change('MeterValuesSampledData', ''), 'Accepted');
    assert.deepEqual(store.getList('MeterValuesSampledData'), []);
  });

  it('strings: kept as given, within their length; a key\'s own check can refuse a value', async () => {
    assert.equal(await change('OperatorNote', '  Mixed Case  '), 'Accepted');
    assert.equal(store.getString('OperatorNote'), '  Mixed Case  ');
    assert.equal(await change('OperatorNote', 'hello!'), 'Rejected');
    assert.equal(store.getString('OperatorNote'), '  Mixed Case  ');
  });

  it('a key that needs a restart answers RebootRequired: the value is stored, the one in effect stays until then', async () => {
    assert.equal(await change('NetworkName', 'office'), 'RebootRequired');
    assert.equal(store.getString('NetworkName'), 'home');
    assert.equal(valueOf(get(['NetworkName']), 'NetworkName'), 'home');
    assert.deepEqual(store.pendingReboot(), ['NetworkName']);
    assert.deepEqual(changes, []);
    // Back to the value in effect: nothing waits for a restart any more.
    assert.equal(await change('NetworkName', 'home'), 'Accepted');
    assert.deepEqual(store.pendingReboot(), []);
    assert.equal(await change('NetworkName', 'much-too-long-name'), 'Rejected');
  });

  it('changes$ announces each value that takes effect, once; an unchanged value is Accepted without an announcement', async () => {
    assert.equal(await change('HeartbeatInterval', '60'), 'Accepted');
    assert.equal(await change('heartbeatinterval', '60'), 'Accepted');
    assert.equal(await change('StopTransactionOnInvalidId', 'true'), 'Accepted');
    assert.equal(await change('HeartbeatInterval', 'x'), 'Rejected');
    assert.deepEqual(changes, [{ key: 'HeartbeatInterval', value: '60' }]);
  });

  it('a write-only key is announced masked, its value only in a Secret that does not print', async () => {
    assert.equal(await change('AuthorizationKey', 'new-password-123456'), 'Accepted');
    assert.equal(changes.length, 1);
    const [announced] = changes;
    assert.equal(announced?.key, 'AuthorizationKey');
    assert.equal(announced?.value, '********');
    assert.equal(announced?.secret?.reveal(), 'new-password-123456');
    assert.ok(!JSON.stringify(announced).includes('new-password'));
    assert.equal(store.getSecret('AuthorizationKey')?.reveal(), 'new-password-123456');
    assert.throws(() => store.getString('AuthorizationKey'), /write-only/);
    assert.ok(!JSON.stringify(get()).includes('new-password'));
  });

  it('changes are applied in request order, even when not awaited one by one', async () => {
    const answers = await Promise.all(['10', '20', 'bad', '30'].map((v) => store.changeConfiguration({ key: 'HeartbeatInterval', value: v })));
    assert.deepEqual(answers.map((a) => a.status), ['Accepted', 'Accepted', 'Rejected', 'Accepted']);
    assert.equal(store.getInt('HeartbeatInterval'), 30);
    assert.deepEqual(changes.map((c) => c.value), ['10', '20', '30']);
  });

  it('the agent\'s own writes follow the same rules', async () => {
    assert.equal(await store.set('HeartbeatInterval', '900'), 'Accepted');
    assert.equal(store.getInt('HeartbeatInterval'), 900);
    assert.equal(await store.set('NumberOfConnectors', '5'), 'Rejected');
    await assert.rejects(store.set('NoSuchKey', '1'), /no configuration key/);
  });
});

describe('1.6 ConfigurationStore: definitions', () => {
  it('refuses a bad default, a key defined twice, a write-only read-only key and a list limit that is not a read-only integer', () => {
    assert.throws(() => new ConfigurationStore({ definitions: [{ key: 'HeartbeatInterval', type: 'integer', readonly: false, default: '0', min: 1 }] }), /default must be at least 1/);
    assert.throws(
      () => new ConfigurationStore({ definitions: [{ key: 'A', type: 'boolean', readonly: false, default: 'true' }, { key: 'a', type: 'boolean', readonly: false, default: 'true' }] }),
      /defined twice/,
    );
    assert.throws(() => new ConfigurationStore({ definitions: [{ key: 'K', type: 'string', readonly: true, writeOnly: true, default: '' }] }), /write-only/);
    assert.throws(
      () => new ConfigurationStore({ definitions: [{ key: 'L', type: 'CSL', readonly: false, default: '', maxItemsKey: 'LMax' }, { key: 'LMax', type: 'integer', readonly: false, default: '2' }] }),
      /read-only integer/,
    );
    assert.throws(() => new ConfigurationStore({ definitions: [{ key: 'L', type: 'CSL', readonly: false, default: 'a,b,c', maxItemsKey: 'LMax' }, { key: 'LMax', type: 'integer', readonly: true, default: '2' }] }), /more than LMax/);
  });

  it('typed reads refuse a key the store does not have', () => {
    assert.throws(() => store.getInt('NoSuchKey'), /no configuration key/);
    assert.equal(store.has('heartbeatinterval'), true);
    assert.equal(store.has('NoSuchKey'), false);
  });
});
