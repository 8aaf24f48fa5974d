import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GetConfigurationResponse } from 'ocpp-messages/v1.6/index.js';
import { resolveConfig } from '../../../src/config/load-config.js';
import type { StationConfig } from '../../../src/config/station-config.js';
import { CONFIGURATION_FILE, ConfigurationStore, isRpcErrorAnswer, type ConfigurationChange } from '../../../src/ocpp/v16/configuration/configuration-store.js';
import { authorizationKeyProblem, buildStationConfiguration, stationKeyDefinitions } from '../../../src/ocpp/v16/configuration/station-keys.js';
import { keysLocalAuthorizationSettings as localAuthorizationSettings, v16SmartChargingRules } from '../../../src/services/device-configuration/index.js';
import { repoRoot } from '../../helpers/cli.js';
import { assertValid16 } from './ocpp16-schema.js';

const PASSWORD = 'installer-pass-0001';
const ALL_MEASURANDS = ['Energy.Active.Import.Register', 'Energy.Active.Export.Register', 'Power.Active.Import', 'Current.Import', 'Voltage', 'Frequency'];

/** A 1.6 station: EVSE 1 three-phase with a socket, EVSE 2 single-phase with a fixed cable (or as `tethered` says). */
function stationConfig(options: { tethered?: [boolean, boolean]; password?: boolean } = {}): StationConfig {
  const [t1, t2] = options.tethered ?? [false, true];
  const connector = (line: number, tethered: boolean): object => ({ id: 1, relay: { line }, tethered });
  const doc = {
    station: { identity: 'CP-16', vendor: 'evse-agent', model: 'test' },
    ocpp: {
      version: '1.6',
      url: 'ws://127.0.0.1:9220/ocpp',
      securityProfile: options.password === false ? 0 : 1,
      ...(options.password === false ? {} : { password: PASSWORD }),
      heartbeatIntervalS: 120,
      messageTimeoutS: 20,
      webSocketPingIntervalS: 45,
    },
    meter: { driver: 'simulated' },
    gpio: { driver: 'simulated' },
    evses: [
      { id: 1, phases: 3, connectors: [connector(17, t1)] },
      { id: 2, phases: 1, connectors: [connector(18, t2)] },
    ],
    charging: { evConnectionTimeoutS: 90, authorizeRemoteStart: true, stopTxOnInvalidId: false },
    meterValues: {
      txUpdatedMeasurands: ['Energy.Active.Import.Register', 'Power.Active.Import'],
      txUpdatedIntervalS: 30,
      alignedMeasurands: ['Energy.Active.Import.Register'],
      alignedIntervalS: 600,
      txEndedMeasurands: ['Energy.Active.Import.Register', 'Current.Import'],
    },
  };
  return resolveConfig(doc, path.join(repoRoot, 'config', 'test-1.6.json')).config;
}

let tmp: string;
let seq = 0;
let dir: string;
let warnings: string[];
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'evse-ocpp16-keys-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  dir = path.join(tmp, `storage${++seq}`);
  warnings = [];
});

const build = (config = stationConfig(), live = {}): ConfigurationStore => buildStationConfiguration(config, dir, (m) => warnings.push(m), live);

function getAll(store: ConfigurationStore, key?: string[]): GetConfigurationResponse {
  const request = key ? { key } : {};
  assertValid16('GetConfiguration', 'request', request);
  const answer = store.getConfiguration(request);
  assert.ok(!isRpcErrorAnswer(answer));
  assertValid16('GetConfiguration', 'response', answer);
  return answer;
}

async function change(store: ConfigurationStore, key: string, value: string): Promise<string> {
  const request = { key, value };
  assertValid16('ChangeConfiguration', 'request', request);
  const answer = await store.changeConfiguration(request);
  assertValid16('ChangeConfiguration', 'response', answer);
  return answer.status;
}

/** key -> [RO or RW, value] as GetConfiguration reports it. */
function table(response: GetConfigurationResponse): Map<string, [string, string | undefined]> {
  return new Map((response.configurationKey ?? []).map((kv) => [kv.key, [kv.readonly ? 'R' : 'RW', kv.value]]));
}

describe('1.6 station configuration keys', () => {
  it('has every Core key chapter 9 requires, with the spec accessibility, plus the supported profiles\' keys', () => {
    const keys = table(getAll(build()));
    const required: Record<string, 'R' | 'RW'> = {
      AuthorizeRemoteTxRequests: 'RW',
      ClockAlignedDataInterval: 'RW',
      ConnectionTimeOut: 'RW',
      ConnectorPhaseRotation: 'RW',
      GetConfigurationMaxKeys: 'R',
      HeartbeatInterval: 'RW',
      LocalAuthorizeOffline: 'RW',
      LocalPreAuthorize: 'RW',
      MeterValuesAlignedData: 'RW',
      MeterValuesSampledData: 'RW',
      MeterValueSampleInterval: 'RW',
      NumberOfConnectors: 'R',
      ResetRetries: 'RW',
      StopTransactionOnInvalidId: 'RW',
      StopTxnAlignedData: 'RW',
      StopTxnSampledData: 'RW',
      SupportedFeatureProfiles: 'R',
      TransactionMessageAttempts: 'RW',
      TransactionMessageRetryInterval: 'RW',
      // Errata 3.84 and 3.80 allow R.
      UnlockConnectorOnEVSideDisconnect: 'R',
      StopTransactionOnEVSideDisconnect: 'R',
      // 9.2 Local Auth List Management, 9.3 Reservation.
      LocalAuthListEnabled: 'RW',
      LocalAuthListMaxLength: 'R',
      SendLocalListMaxLength: 'R',
      ReserveConnectorZeroSupported: 'R',
      // Optional ones this station has.
      AllowOfflineTxForUnknownId: 'RW',
      AuthorizationCacheEnabled: 'RW',
      MaxEnergyOnInvalidId: 'RW',
      MinimumStatusDuration: 'RW',
      WebSocketPingInterval: 'RW',
      MessageTimeout: 'RW',
      MeterValuesAlignedDataMaxLength: 'R',
      MeterValuesSampledDataMaxLength: 'R',
      StopTxnAlignedDataMaxLength: 'R',
      StopTxnSampledDataMaxLength: 'R',
      ConnectorPhaseRotationMaxLength: 'R',
      // 9.4 Smart Charging (3.13.5: required, R).
      ChargeProfileMaxStackLevel: 'R',
      ChargingScheduleAllowedChargingRateUnit: 'R',
      ChargingScheduleMaxPeriods: 'R',
      ConnectorSwitch3to1PhaseSupported: 'R',
      MaxChargingProfilesInstalled: 'R',
      // Security whitepaper.
      AuthorizationKey: 'RW',
      SecurityProfile: 'RW', // 7.6; written through ChangeConfiguration's own handler (A05)
    };
    for (const [key, access] of Object.entries(required)) assert.equal(keys.get(key)?.[0], access, key);
    // Firmware Management is not supported: none of its keys.
    assert.equal(keys.has('SupportedFileTransferProtocols'), false);
    assert.equal(keys.get('SupportedFeatureProfiles')?.[1], 'Core,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger');
    // Issue 15: UpdateFirmware is carried out only with firmware.allowUnsigned (whitepaper L01.FR.20 otherwise).
    const unsigned = { ...stationConfig(), firmware: { ...stationConfig().firmware, allowUnsigned: true } };
    assert.equal(table(getAll(build(unsigned))).get('SupportedFeatureProfiles')?.[1], 'Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger');
    assert.equal(keys.get('ChargingScheduleAllowedChargingRateUnit')?.[1], 'Current,Power');
    assert.equal(keys.get('ConnectorSwitch3to1PhaseSupported')?.[1], 'false');
    assert.equal(keys.get('ReserveConnectorZeroSupported')?.[1], 'true');
  });

  it('takes its defaults from the installer\'s config', () => {
    const keys = table(getAll(build()));
    const expected: Record<string, string> = {
      HeartbeatInterval: '120',
      MessageTimeout: '20',
      WebSocketPingInterval: '45',
      ConnectionTimeOut: '90',
      AuthorizeRemoteTxRequests: 'true',
      StopTransactionOnInvalidId: 'false',
      MeterValuesSampledData: 'Energy.Active.Import.Register,Power.Active.Import',
      MeterValueSampleInterval: '30',
      MeterValuesAlignedData: 'Energy.Active.Import.Register',
      ClockAlignedDataInterval: '600',
      StopTxnSampledData: 'Energy.Active.Import.Register,Current.Import',
      StopTxnAlignedData: '',
      NumberOfConnectors: '2',
      SecurityProfile: '1',
      ConnectorPhaseRotation: '1.Unknown,2.NotApplicable',
      ConnectorPhaseRotationMaxLength: '3',
      MeterValuesSampledDataMaxLength: '6',
    };
    for (const [key, value] of Object.entries(expected)) assert.equal(keys.get(key)?.[1], value, key);
  });

  it('every key can be named in one GetConfiguration, and its response is valid', () => {
    const store = build();
    const all = store.keys();
    assert.ok(all.length <= store.getInt('GetConfigurationMaxKeys'), `${all.length} keys, GetConfigurationMaxKeys ${store.getInt('GetConfigurationMaxKeys')}`);
    const response = getAll(store, all);
    assert.equal(response.configurationKey?.length, all.length);
    assert.equal(response.unknownKey, undefined);
  });

  it('measurand lists take only what the meters measure (errata 3.14.4), at most one of each', async () => {
    const store = build();
    for (const key of ['MeterValuesSampledData', 'MeterValuesAlignedData', 'StopTxnSampledData', 'StopTxnAlignedData']) {
      assert.equal(await change(store, key, ALL_MEASURANDS.join(',')), 'Accepted', key);
      assert.deepEqual(store.getList(key), ALL_MEASURANDS);
      for (const unsupported of ['SoC', 'Temperature', 'Energy.Reactive.Import.Register', 'Voltage.L1', 'Power.Offered']) {
        assert.equal(await change(store, key, `Voltage,${unsupported}`), 'Rejected', `${key} ${unsupported}`);
      }
      assert.equal(await change(store, key, [...ALL_MEASURANDS, 'Voltage'].join(',')), 'Rejected', key);
      assert.deepEqual(store.getList(key), ALL_MEASURANDS);
      // Errata 3.14.5: the empty list is allowed (no values).
      assert.equal(await change(store, key, ''), 'Accepted', key);
    }
  });

  it('integer keys refuse out-of-range values: negative intervals, a zero heartbeat, an aligned interval over a day', async () => {
    const store = build();
    const cases: Array<[string, string, string]> = [
      ['WebSocketPingInterval', '-1', 'Rejected'],
      ['WebSocketPingInterval', '0', 'Accepted'],
      ['HeartbeatInterval', '0', 'Rejected'],
      ['HeartbeatInterval', '3600', 'Accepted'],
      ['HeartbeatInterval', '300.5', 'Rejected'],
      ['ClockAlignedDataInterval', '86401', 'Rejected'],
      ['ClockAlignedDataInterval', '0', 'Accepted'],
      ['MeterValueSampleInterval', '-60', 'Rejected'],
      ['MeterValueSampleInterval', '0', 'Accepted'],
      ['ConnectionTimeOut', '0', 'Rejected'],
      ['TransactionMessageAttempts', '0', 'Rejected'],
      ['TransactionMessageRetryInterval', '15', 'Accepted'],
      ['MessageTimeout', '0', 'Rejected'],
      ['ResetRetries', '-1', 'Rejected'],
      ['MaxEnergyOnInvalidId', '500', 'Accepted'],
      ['MinimumStatusDuration', 'soon', 'Rejected'],
    ];
    for (const [key, value, status] of cases) assert.equal(await change(store, key, value), status, `${key}=${value}`);
    assert.equal(store.getInt('HeartbeatInterval'), 3600);
  });

  it('read-only keys are Rejected whatever the value', async () => {
    const store = build();
    for (const key of ['NumberOfConnectors', 'SupportedFeatureProfiles', 'GetConfigurationMaxKeys', 'SecurityProfile', 'LocalAuthListMaxLength', 'StopTransactionOnEVSideDisconnect', 'MeterValuesSampledDataMaxLength']) {
      assert.equal(await change(store, key, store.getString(key)), 'Rejected', key);
    }
  });

  it('no key needs a reboot: every accepted change is in effect at once', async () => {
    const store = build();
    for (const [key, value] of [['HeartbeatInterval', '60'], ['WebSocketPingInterval', '10'], ['LocalAuthListEnabled', 'false'], ['ConnectorPhaseRotation', '0.RST,1.RTS']]) {
      assert.equal(await change(store, key!, value!), 'Accepted', key);
    }
    assert.deepEqual(store.pendingReboot(), []);
  });

  it('ConnectorPhaseRotation: a rotation per three-phase connector, NotApplicable or Unknown for single-phase, each connector once', async () => {
    const store = build();
    assert.equal(await change(store, 'ConnectorPhaseRotation', '0.rst, 1.TSR, 2.notapplicable'), 'Accepted');
    assert.equal(store.getString('ConnectorPhaseRotation'), '0.RST,1.TSR,2.NotApplicable');
    for (const bad of ['1.RST,1.RTS', '2.RST', '1.NotApplicable', '3.RST', 'RST', '1.XYZ']) {
      assert.equal(await change(store, 'ConnectorPhaseRotation', bad), 'Rejected', bad);
    }
  });

  it('UnlockConnectorOnEVSideDisconnect is false only when every cable is fixed (errata 3.84)', () => {
    assert.equal(build(stationConfig({ tethered: [false, true] })).getBool('UnlockConnectorOnEVSideDisconnect'), true);
    assert.equal(build(stationConfig({ tethered: [true, true] })).getBool('UnlockConnectorOnEVSideDisconnect'), false);
  });

  it('SecurityProfile is read when asked from the connection, else from the config', () => {
    let profile = 2;
    assert.equal(table(getAll(build(stationConfig(), { securityProfile: () => profile }))).get('SecurityProfile')?.[1], '2');
    profile = 3;
    assert.equal(build(stationConfig(), { securityProfile: () => profile }).getInt('SecurityProfile'), 3);
    assert.equal(build(stationConfig({ password: false })).getInt('SecurityProfile'), 0);
  });

  it('the Local Authorization List size comes from the list', () => {
    const store = build(stationConfig(), { localListMaxEntries: 40 });
    assert.equal(store.getInt('LocalAuthListMaxLength'), 40);
    assert.equal(store.getInt('SendLocalListMaxLength'), 40);
    assert.equal(build().getInt('SendLocalListMaxLength'), 100);
  });
});

describe('1.6 AuthorizationKey (security whitepaper)', () => {
  it('starts as the installer\'s password and is never reported by GetConfiguration', () => {
    const store = build();
    assert.equal(store.getSecret('AuthorizationKey')?.reveal(), PASSWORD);
    assert.deepEqual(getAll(store, ['AuthorizationKey']).configurationKey, [{ key: 'AuthorizationKey', readonly: false }]);
    assert.ok(!JSON.stringify(getAll(store)).includes(PASSWORD));
    assert.equal(build(stationConfig({ password: false })).getSecret('AuthorizationKey'), undefined);
  });

  it('a new key is Accepted, announced only as a Secret, kept in a 0600 file and never reported', async () => {
    const store = build();
    const announced: ConfigurationChange[] = [];
    store.changes$.subscribe((c) => announced.push(c));
    const key = '0123456789abcdef0123456789ABCDEF01234567';
    assert.equal(await change(store, 'AuthorizationKey', key), 'Accepted');
    assert.equal(announced.length, 1);
    assert.equal(announced[0]?.value, '********');
    assert.equal(announced[0]?.secret?.reveal(), key);
    assert.equal(String(announced[0]?.secret), '********');
    assert.ok(!JSON.stringify(getAll(store)).includes(key));
    assert.ok(!JSON.stringify(getAll(store, ['AuthorizationKey'])).includes(key));
    const file = path.join(dir, CONFIGURATION_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(readFileSync(file, 'utf8').includes(key)); // A01.FR.10: kept in clear text, for the station only
    assert.equal(build().getSecret('AuthorizationKey')?.reveal(), key);
    assert.deepEqual(warnings, []);
  });

  it('takes 16 to 20 bytes in hexadecimal, or a text password of 16 to 40 printable characters', async () => {
    const store = build();
    const cases: Array<[string, string]> = [
      ['00112233445566778899aabbccddeeff', 'Accepted'], // 16 bytes
      ['00112233445566778899aabbccddeeff00112233', 'Accepted'], // 20 bytes
      ['00112233445566778899aabbccddeeff0011223344', 'Rejected'], // 21 bytes
      ['0011223344556677', 'Rejected'], // 8 bytes
      ['correct-horse-battery', 'Accepted'],
      ['short', 'Rejected'],
      ['with a space in the password', 'Rejected'],
      ['x'.repeat(41), 'Rejected'],
    ];
    for (const [value, status] of cases) assert.equal(await change(store, 'AuthorizationKey', value), status, value);
    assert.equal(store.getSecret('AuthorizationKey')?.reveal(), 'correct-horse-battery');
    assert.equal(authorizationKeyProblem(''), 'must be 16 to 40 characters');
  });
});

describe('1.6 local authorization settings', () => {
  it('follow the keys as the Central System changes them', async () => {
    const store = build();
    assert.deepEqual(localAuthorizationSettings(store), {
      localAuthorizeOffline: true,
      localPreAuthorize: false,
      offlineTxForUnknownIdEnabled: false,
      cacheEnabled: true,
      localListEnabled: true,
    });
    assert.equal(await change(store, 'LocalPreAuthorize', 'true'), 'Accepted');
    assert.equal(await change(store, 'AllowOfflineTxForUnknownId', 'true'), 'Accepted');
    assert.equal(await change(store, 'AuthorizationCacheEnabled', 'false'), 'Accepted');
    assert.equal(await change(store, 'LocalAuthListEnabled', 'false'), 'Accepted');
    assert.deepEqual(localAuthorizationSettings(store), {
      localAuthorizeOffline: true,
      localPreAuthorize: true,
      offlineTxForUnknownIdEnabled: true,
      cacheEnabled: false,
      localListEnabled: false,
    });
  });

  it('9.4 the smart charging service\'s rules are the Smart Charging keys\' values, Current and Power as A and W', async () => {
    const store = build();
    assert.deepEqual(v16SmartChargingRules(store), {
      maxProfiles: store.getInt('MaxChargingProfilesInstalled'),
      maxPeriodsPerSchedule: store.getInt('ChargingScheduleMaxPeriods'),
      maxStackLevel: store.getInt('ChargeProfileMaxStackLevel'),
      // 1.6 3.13.1: an EVSE's own TxDefaultProfile beside the station's.
      evseTxDefaultBesideStation: true,
      rateUnits: ['A', 'W'],
    });
    assert.ok(store.getInt('ChargeProfileMaxStackLevel') >= 1 && store.getInt('ChargingScheduleMaxPeriods') >= 24 && store.getInt('MaxChargingProfilesInstalled') >= 3);
    // Read-only (9.4): the Central System cannot raise them past what the service holds.
    assert.equal(await change(store, 'MaxChargingProfilesInstalled', '1000'), 'Rejected');
  });

  it('the definitions build without a storage folder too', () => {
    const store = new ConfigurationStore({ definitions: stationKeyDefinitions(stationConfig()) });
    assert.equal(store.getInt('HeartbeatInterval'), 120);
  });
});
