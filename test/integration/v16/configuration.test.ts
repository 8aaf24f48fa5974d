import assert from 'node:assert/strict';
import type { GetConfigurationResponse } from 'ocpp-messages/v1.6/index.js';
import { answers } from '../../../tools/dev-csms/dev-csms.js';
import { CallErrorResponse } from '../../../src/ocpp/rpc/rpc-errors.js';
import {
  afterEachTest,
  assertNoCallErrors,
  calls,
  ID,
  meterValues16,
  sleep,
  startAgent,
  startCharging16,
  startRig16,
  stopAgent,
  tag,
  TAG,
  until,
  waitForAccepted16,
} from './rig.js';

/**
 * OCPP 1.6 5.8 GetConfiguration and 5.3 ChangeConfiguration end to end: the answers the Central
 * System gets, changes that take effect at once and persist across a restart, and the security
 * whitepaper's AuthorizationKey (A01) over security profile 1. A new HeartbeatInterval taking
 * effect at once is shared with 2.0.1: ../scenarios/boot.test.ts.
 */

const valueOf = (answer: GetConfigurationResponse, key: string): string | undefined => answer.configurationKey?.find((k) => k.key === key)?.value;

describe('OCPP 1.6 integration: configuration keys (5.3, 5.8, chapter 9)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('5.8 GetConfiguration without keys: every key with its read-only flag, the AuthorizationKey without a value; named keys in any case: those only; unknown ones in unknownKey; more than GetConfigurationMaxKeys: CALLERROR OccurenceConstraintViolation', async () => {
    const { csms, agent } = await startRig16();
    const all = await csms.getConfiguration(ID);
    const keys = all.configurationKey!.map((k) => k.key);
    assert.deepEqual(keys, agent.configuration.keys());
    for (const core of ['HeartbeatInterval', 'MeterValueSampleInterval', 'NumberOfConnectors', 'StopTransactionOnInvalidId', 'SupportedFeatureProfiles', 'LocalAuthListEnabled', 'ReserveConnectorZeroSupported']) {
      assert.ok(keys.includes(core), `${core} is reported`);
    }
    assert.equal(all.unknownKey, undefined);
    assert.deepEqual(
      all.configurationKey!.find((k) => k.key === 'NumberOfConnectors'),
      { key: 'NumberOfConnectors', readonly: true, value: '1' },
    );
    assert.deepEqual(all.configurationKey!.find((k) => k.key === 'AuthorizationKey'), { key: 'AuthorizationKey', readonly: false }, 'write-only: no value');
    assert.equal(valueOf(all, 'SupportedFeatureProfiles'), 'Core,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger');
    assert.equal(valueOf(all, 'ReserveConnectorZeroSupported'), 'true');

    const named = await csms.getConfiguration(ID, ['heartbeatinterval', 'NoSuchKey', 'MeterValueSampleInterval', 'Vendor.Other']);
    assert.deepEqual(named, {
      configurationKey: [
        { key: 'HeartbeatInterval', readonly: false, value: '300' },
        { key: 'MeterValueSampleInterval', readonly: false, value: '0' },
      ],
      unknownKey: ['NoSuchKey', 'Vendor.Other'],
    });
    // 9.1.9 GetConfigurationMaxKeys (64): more keys named is refused with a CALLERROR.
    const tooMany = Array.from({ length: 65 }, (_, i) => `Key${i}`);
    await assert.rejects(csms.getConfiguration(ID, tooMany), (err: unknown) => err instanceof CallErrorResponse && err.errorCode === 'OccurenceConstraintViolation');
  });

  it('5.3 ChangeConfiguration: a read-only key Rejected, an unknown key NotSupported, a value of the wrong type or range Rejected; none of them changes anything', async () => {
    const { csms, agent } = await startRig16();
    assert.deepEqual(await csms.changeConfiguration(ID, 'NumberOfConnectors', '4'), { status: 'Rejected' });
    assert.deepEqual(await csms.changeConfiguration(ID, 'NoSuchKey', '1'), { status: 'NotSupported' });
    assert.deepEqual(await csms.changeConfiguration(ID, 'HeartbeatInterval', 'often'), { status: 'Rejected' });
    assert.deepEqual(await csms.changeConfiguration(ID, 'HeartbeatInterval', '-5'), { status: 'Rejected' });
    assert.deepEqual(await csms.changeConfiguration(ID, 'StopTransactionOnInvalidId', 'maybe'), { status: 'Rejected' });
    assert.deepEqual(await csms.changeConfiguration(ID, 'MeterValuesSampledData', 'Energy.Active.Import.Register,Temperature'), { status: 'Rejected' }, 'a measurand the meter cannot give (errata 3.14.4)');
    const now = await csms.getConfiguration(ID, ['NumberOfConnectors', 'HeartbeatInterval', 'StopTransactionOnInvalidId', 'MeterValuesSampledData']);
    assert.equal(valueOf(now, 'NumberOfConnectors'), '1');
    assert.equal(valueOf(now, 'HeartbeatInterval'), '300');
    assert.equal(valueOf(now, 'StopTransactionOnInvalidId'), 'true');
    assert.equal(valueOf(now, 'MeterValuesSampledData'), agent.config.meterValues.txUpdatedMeasurands.join(','));
    assertNoCallErrors(csms);
  });

  it('9.1.20 MeterValueSampleInterval changed during a transaction: MeterValues start at the new interval; 0 stops them', async () => {
    const rig = await startRig16();
    const { csms } = rig;
    const { transactionId } = await startCharging16(rig);
    await sleep(300);
    assert.equal(meterValues16(csms).length, 0, 'MeterValueSampleInterval 0: no periodic values');
    assert.deepEqual(await csms.changeConfiguration(ID, 'MeterValueSampleInterval', '1'), { status: 'Accepted' });
    await until(() => meterValues16(csms, transactionId).length >= 1, 2500, 'MeterValues');
    assert.deepEqual(await csms.changeConfiguration(ID, 'MeterValueSampleInterval', '0'), { status: 'Accepted' });
    const sent = meterValues16(csms).length;
    await sleep(1200);
    assert.equal(meterValues16(csms).length, sent, 'no more MeterValues');
    assertNoCallErrors(csms);
  });

  it('errata 3.83 MessageTimeout changed: the agent waits that long for an answer (an Authorize the Central System never answers fails after 1 s, not the 5 s of the installer config)', async () => {
    const { csms, agent } = await startRig16({ program: (c) => c.answer('Authorize', answers.never()) });
    assert.equal(agent.configuration.getInt('MessageTimeout'), 5);
    assert.deepEqual(await csms.changeConfiguration(ID, 'MessageTimeout', '1'), { status: 'Accepted' });
    const started = Date.now();
    const result = await agent.station.presentIdToken(1, tag(TAG));
    const waited = Date.now() - started;
    assert.deepEqual(result, { outcome: 'rejected', status: 'Unknown' });
    assert.ok(waited >= 900 && waited < 3000, `gave up after ${waited} ms, expected MessageTimeout 1 s`);
    assertNoCallErrors(csms);
  });

  it('5.3 an accepted value persists: an agent restarted on the same storage reports it and acts on it', async () => {
    const rig = await startRig16();
    const { csms, agent, file } = rig;
    assert.deepEqual(await csms.changeConfiguration(ID, 'ConnectionTimeOut', '42'), { status: 'Accepted' });
    assert.deepEqual(await csms.changeConfiguration(ID, 'MeterValuesSampledData', 'voltage,energy.active.import.register'), { status: 'Accepted' });
    assert.deepEqual(await csms.changeConfiguration(ID, 'LocalPreAuthorize', 'TRUE'), { status: 'Accepted' });
    await stopAgent(agent);
    const again = await startAgent(file);
    await until(() => calls(csms, 'BootNotification').length === 2, 5000, 'the second boot');
    await waitForAccepted16(csms, again.agent);
    const now = await csms.getConfiguration(ID, ['ConnectionTimeOut', 'MeterValuesSampledData', 'LocalPreAuthorize']);
    assert.deepEqual(now.configurationKey, [
      { key: 'ConnectionTimeOut', readonly: false, value: '42' },
      { key: 'MeterValuesSampledData', readonly: false, value: 'Voltage,Energy.Active.Import.Register' },
      { key: 'LocalPreAuthorize', readonly: false, value: 'true' },
    ]);
    assert.equal(again.agent.adapter.chargingSettings().evConnectionTimeoutS, 42, 'in effect, not only reported');
    assertNoCallErrors(csms);
  });

  it('security whitepaper A01 AuthorizationKey (profile 1, Basic auth over ws on loopback): Accepted reaches the Central System, then the agent reconnects with the new key, without a new boot; a restarted agent uses it', async () => {
    const OLD = 'initial-password-16';
    const NEW = '00112233445566778899aabbccddeeff0011';
    const passwords: Record<string, string> = { [ID]: OLD };
    const rig = await startRig16({
      csms: { basicAuth: passwords },
      config: (doc) => (doc['ocpp'] = { ...doc['ocpp'], securityProfile: 1, password: OLD }),
    });
    const { csms, agent, file } = rig;
    const station = csms.station(ID)!;
    assert.equal(station.connections[0]!.authorization, true);
    // A01.FR.03: once Accepted, the Central System takes only the new key (the open connection stays).
    passwords[ID] = NEW;
    assert.deepEqual(await csms.changeConfiguration(ID, 'AuthorizationKey', 'too-short'), { status: 'Rejected' });
    assert.deepEqual(await csms.changeConfiguration(ID, 'AuthorizationKey', NEW), { status: 'Accepted' });
    const answered = station.messages.find((m) => m.direction === 'fromStation' && m.kind === 'callResult' && m.action === 'ChangeConfiguration' && (m.payload as { status: string }).status === 'Accepted')!;
    await until(() => station.connections.filter((c) => c.type === 'connected').length === 2, 5000, 'a new connection');
    const disconnected = station.connections.find((c) => c.type === 'disconnected')!;
    assert.ok(disconnected.at.getTime() >= answered.at.getTime(), 'the answer went out on the old connection first');
    assert.equal(csms.connectionEvents.filter((e) => e.type === 'refused').length, 0, 'the new key was accepted at once');
    assert.equal(calls(csms, 'BootNotification').length, 1, 'a new connection, not a reboot');
    assert.deepEqual((await csms.getConfiguration(ID, ['AuthorizationKey'])).configurationKey, [{ key: 'AuthorizationKey', readonly: false }]);

    await stopAgent(agent);
    const again = await startAgent(file);
    await until(() => calls(csms, 'BootNotification').length === 2, 5000, 'the restarted agent boots');
    await waitForAccepted16(csms, again.agent);
    assert.equal(csms.connectionEvents.filter((e) => e.type === 'refused').length, 0, 'with the key it was given, not the config password');
    assertNoCallErrors(csms);
  });
});
