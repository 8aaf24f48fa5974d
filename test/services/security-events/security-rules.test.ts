import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BehaviorSubject, Subject } from 'rxjs';
import { encodeSecurityEvent16 } from '../../../src/ocpp/v16/actions/security-event-notification.js';
import type { IncomingCallCheck } from '../../../src/ocpp/rpc/rpc-endpoint.js';
import type { ConnectionFailure } from '../../../src/ocpp/transport/connection-failure.js';
import { silentLogger } from '../../../src/process/logger.js';
import { CsmsClock, type ClockAdjustment } from '../../../src/services/registration/csms-clock.js';
import {
  InvalidMessageStreak,
  MemoryWatch,
  SECURITY_EVENT_CATALOGUES,
  SECURITY_EVENTS,
  SECURITY_EVENTS_16,
  SecurityEvents,
  raiseFirmwareEvent,
  securityParameterOf,
  settingSystemTimeEvent,
  watchSecurity,
  type MemorySample,
  type SecurityEvent,
  type SecurityEventType,
  type SettingChange,
} from '../../../src/services/security-events/index.js';
import { FakeClock } from '../../../src/station/clock.js';
import { SecurityLog } from '../../../src/store/security-log.js';
import { durableUnder } from '../../../src/store/disk-sync.js';

/** The rules that raise each security event the station observes (Part 2 appendices; 1.6 whitepaper 8.), on FakeClock. */

class RecordingPort {
  readonly raised: SecurityEvent[] = [];
  raise(event: SecurityEvent): void {
    this.raised.push(event);
  }
  get types(): SecurityEventType[] {
    return this.raised.map((e) => e.type);
  }
}

const invalidCall = (messageId: string): IncomingCallCheck => ({ valid: false, messageId, action: 'Reset', code: 'PropertyConstraintViolation', description: 'type must be one of ...' });
const GiB = 2 ** 30;

describe('security events the station observes', () => {
  it('1.6 whitepaper 8.: the same events under its names (…AtCentralSystem, InvalidCentralSystemCertificate, InvalidChargePointCertificate); firmware, certificate and TLS events not critical; no maintenance logins', () => {
    const v16 = SECURITY_EVENT_CATALOGUES['1.6'];
    assert.equal(v16.nameOf('FailedToAuthenticationAtCsms'), 'FailedToAuthenticationAtCentralSystem');
    assert.equal(v16.nameOf('CsmsFailedToAuthentication'), 'CentralSystemFailedToAuthentication');
    assert.equal(v16.nameOf('InvalidCsmsCertificate'), 'InvalidCentralSystemCertificate');
    assert.equal(v16.nameOf('InvalidChargingStationCertificate'), 'InvalidChargePointCertificate');
    assert.equal(v16.nameOf('MaintenanceLoginAccepted'), undefined);
    const critical16 = (Object.keys(SECURITY_EVENTS_16) as SecurityEventType[]).filter((t) => v16.critical(t));
    assert.deepEqual(critical16.sort(), ['FirmwareUpdated', 'MemoryExhaustion', 'ResetOrReboot', 'SecurityLogWasCleared', 'SettingSystemTime', 'StartupOfTheDevice', 'TamperDetectionActivated']);
    // 2.0.1 makes them critical.
    assert.equal(SECURITY_EVENTS.InvalidFirmwareSignature, true);
    assert.equal(SECURITY_EVENTS.InvalidTLSVersion, true);
    assert.deepEqual(encodeSecurityEvent16({ type: 'InvalidCsmsCertificate', timestamp: '2026-01-01T00:00:00.000Z', techInfo: 'x'.repeat(300) }, 'InvalidCentralSystemCertificate'), {
      action: 'SecurityEventNotification',
      payload: { type: 'InvalidCentralSystemCertificate', timestamp: '2026-01-01T00:00:00.000Z', techInfo: 'x'.repeat(255) },
    });
  });

  it('SettingSystemTime (ClockCtrlr.TimeAdjustmentReportingThreshold): a sync moving the CSMS clock by more than the threshold, either way; not at or under it', () => {
    const clock = new FakeClock();
    const csmsClock = new CsmsClock(clock);
    const adjustments: ClockAdjustment[] = [];
    csmsClock.adjustments$.subscribe((a) => adjustments.push(a));
    csmsClock.sync(new Date(clock.nowMs() + 5_000).toISOString());
    csmsClock.sync(new Date(clock.nowMs() + 5_000).toISOString()); // the same offset: no adjustment
    csmsClock.sync(new Date(clock.nowMs() - 60_000).toISOString());
    assert.deepEqual(
      adjustments.map((a) => [a.fromOffsetMs, a.toOffsetMs]),
      [
        [0, 5_000],
        [5_000, -60_000],
      ],
    );
    assert.equal(settingSystemTimeEvent(adjustments[0]!, 20), undefined);
    assert.equal(settingSystemTimeEvent({ fromOffsetMs: 0, toOffsetMs: 20_000, at: clock.now() }, 20), undefined, 'at the threshold: not more than it');
    const back = settingSystemTimeEvent(adjustments[1]!, 20);
    assert.equal(back?.type, 'SettingSystemTime');
    assert.match(back!.techInfo!, /backwards by 65\.0 s/);
    assert.match(settingSystemTimeEvent({ fromOffsetMs: 0, toOffsetMs: 21_000, at: clock.now() }, 20)!.techInfo!, /forwards by 21\.0 s/);
  });

  it('ReconfigurationOfSecurityParameters: 2.0.1 SecurityCtrlr variables and NetworkConfigurationPriority, 1.6 AuthorizationKey / SecurityProfile / CpoName; not other settings', () => {
    const cases: Array<[SettingChange, string | undefined]> = [
      [{ component: 'SecurityCtrlr', variable: 'BasicAuthPassword' }, 'SecurityCtrlr.BasicAuthPassword'],
      [{ component: 'SecurityCtrlr', variable: 'OrganizationName' }, 'SecurityCtrlr.OrganizationName'],
      [{ component: 'OCPPCommCtrlr', variable: 'NetworkConfigurationPriority' }, 'OCPPCommCtrlr.NetworkConfigurationPriority'],
      [{ component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval' }, undefined],
      [{ key: 'AuthorizationKey' }, 'AuthorizationKey'],
      [{ key: 'SecurityProfile' }, 'SecurityProfile'],
      [{ key: 'CpoName' }, 'CpoName'],
      [{ key: 'HeartbeatInterval' }, undefined],
    ];
    for (const [change, parameter] of cases) assert.equal(securityParameterOf(change), parameter, JSON.stringify(change));
  });

  it('InvalidMessages: once per streak of invalid CALLs; a valid CALL or a new connection ends the streak; not more often than once a minute', () => {
    const clock = new FakeClock();
    const port = new RecordingPort();
    const streak = new InvalidMessageStreak(port, clock, 60_000);
    streak.checked(invalidCall('a'));
    streak.checked(invalidCall('b'));
    streak.checked(invalidCall('c'));
    assert.equal(port.raised.length, 1);
    assert.match(port.raised[0]!.techInfo!, /Reset \(message id a\) answered PropertyConstraintViolation/);
    assert.equal(streak.length, 3);
    streak.checked({ valid: true, action: 'Heartbeat' });
    clock.advance(30_000);
    streak.checked(invalidCall('d'));
    assert.equal(port.raised.length, 1, 'a new streak within the minute: not raised');
    clock.advance(31_000);
    streak.checked(invalidCall('e'));
    assert.equal(port.raised.length, 1, 'still the same streak');
    streak.ended(); // a new connection
    streak.checked(invalidCall('f'));
    assert.equal(port.raised.length, 2, 'a new streak after the minute');
  });

  it('MemoryExhaustion: a periodic check; raised when the heap or the machine gets past 90 %, not again until both are under 80 %', () => {
    const clock = new FakeClock();
    const port = new RecordingPort();
    let sample: MemorySample = { heapUsed: 100, heapLimit: 1000, machineAvailable: 3 * GiB, machineTotal: 4 * GiB };
    const watch = new MemoryWatch({ events: port, clock, sample: () => sample, intervalMs: 60_000 });
    watch.start();
    clock.advance(60_000);
    assert.deepEqual(port.types, []);
    sample = { ...sample, machineAvailable: 0.2 * GiB };
    clock.advance(59_999);
    assert.deepEqual(port.types, [], 'only at the check');
    clock.advance(1);
    assert.deepEqual(port.types, ['MemoryExhaustion']);
    assert.match(port.raised[0]!.techInfo!, /machine's memory at 3891 MiB used of 4096 MiB/);
    sample = { ...sample, machineAvailable: 0.6 * GiB }; // 85 %: still full
    clock.advance(120_000);
    assert.equal(port.raised.length, 1);
    sample = { ...sample, machineAvailable: 3 * GiB, heapUsed: 950 };
    clock.advance(60_000);
    assert.equal(port.raised.length, 1, 'the heap is full now: still the same episode');
    sample = { ...sample, heapUsed: 100 };
    clock.advance(60_000);
    sample = { ...sample, heapUsed: 950 };
    clock.advance(60_000);
    assert.deepEqual(port.types, ['MemoryExhaustion', 'MemoryExhaustion']);
    assert.match(port.raised[1]!.techInfo!, /agent's heap/);
    watch.stop();
    assert.equal(clock.pending, 0);
  });

  describe('with a security log', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'evse-security-rules-'))));
    // What is written behind is in place before the folder goes (issue 18).
    afterEach(async () => {
      await durableUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    });

    function service(securityLog: SecurityLog, version: '1.6' | '2.0.1' = '2.0.1') {
      const sent: object[] = [];
      const events = new SecurityEvents({
        send: async (_action, payload) => void sent.push(payload),
        encode: encodeSecurityEvent16,
        catalogue: SECURITY_EVENT_CATALOGUES[version],
        ready$: new BehaviorSubject(true),
        securityLog,
        attempts: () => 1,
        retryIntervalS: () => 1,
        timestamp: (at) => at.toISOString(),
        clock: new FakeClock(),
        log: silentLogger,
      });
      return { events, sent };
    }

    it('SecurityLogWasCleared: when the rotation drops the oldest events, raised into the log and sent (critical); not while rotating only keeps them', async () => {
      const log = new SecurityLog(dir, { maxBytes: 400, keepRotated: 1 });
      const { events, sent } = service(log);
      const techInfo = 'y'.repeat(100);
      // Each line is ~170 bytes: two per file. The first rotation keeps everything (.1), the second drops .1.
      for (let i = 0; i < 4; i++) events.raise({ type: 'InvalidMessages', techInfo });
      assert.ok(!log.entries().some((e) => e.type === 'SecurityLogWasCleared'), 'nothing dropped yet');
      events.raise({ type: 'InvalidMessages', techInfo });
      const cleared = log.entries().filter((e) => e.type === 'SecurityLogWasCleared');
      assert.equal(cleared.length, 1);
      assert.match(cleared[0]!.techInfo!, /security\.log\.1 \(\d+ bytes of the oldest events\) dropped/);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        sent.map((p) => (p as { type: string }).type),
        ['SecurityLogWasCleared'],
      );
      events.stop();
    });

    it('1.6: the log and the message use the whitepaper name; an event 1.6 does not have is not raised', async () => {
      const log = new SecurityLog(dir);
      const { events, sent } = service(log, '1.6');
      events.raise({ type: 'InvalidCsmsCertificate', techInfo: 'unknown CA' });
      events.raise({ type: 'MaintenanceLoginFailed' });
      events.raise({ type: 'StartupOfTheDevice' });
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        log.entries().map((e) => e.type),
        ['InvalidCentralSystemCertificate', 'StartupOfTheDevice'],
      );
      assert.deepEqual(
        sent.map((p) => (p as { type: string }).type),
        ['StartupOfTheDevice'],
        'InvalidCentralSystemCertificate is not critical in 1.6',
      );
      events.stop();
    });
  });

  it('watchSecurity: the start event, a connection failure once per streak, invalid CALLs once per streak, a clock jump, a security setting; unsubscribing stops the memory checks', () => {
    const clock = new FakeClock();
    const port = new RecordingPort();
    const connection = { connectionFailures$: new Subject<ConnectionFailure>(), connected$: new BehaviorSubject(false), incomingCalls$: new Subject<IncomingCallCheck>() };
    const time = new CsmsClock(clock);
    const settingChanges$ = new Subject<SettingChange>();
    const watch = watchSecurity({ events: port, clock, startEvent: { type: 'StartupOfTheDevice' }, connection, time, settingChanges$, memory: () => ({ heapUsed: 1, heapLimit: 10, machineAvailable: 10, machineTotal: 10 }) });
    assert.deepEqual(port.types, ['StartupOfTheDevice']);
    const failure: ConnectionFailure = { kind: 'authentication', code: '401', host: '127.0.0.1', message: 'Unauthorized', at: clock.now() };
    connection.connectionFailures$.next(failure);
    connection.connectionFailures$.next(failure);
    connection.connected$.next(true);
    connection.incomingCalls$.next(invalidCall('1'));
    connection.incomingCalls$.next(invalidCall('2'));
    time.sync(new Date(clock.nowMs() + 3_600_000).toISOString());
    time.sync(new Date(clock.nowMs() + 3_601_000).toISOString()); // a second: under the threshold
    settingChanges$.next({ component: 'SecurityCtrlr', variable: 'BasicAuthPassword' });
    settingChanges$.next({ component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval' });
    assert.deepEqual(port.types, ['StartupOfTheDevice', 'FailedToAuthenticationAtCsms', 'InvalidMessages', 'SettingSystemTime', 'ReconfigurationOfSecurityParameters']);
    assert.equal(port.raised.at(-1)!.techInfo, 'SecurityCtrlr.BasicAuthPassword changed');
    assert.equal(clock.pending, 1, 'the memory check');
    watch.unsubscribe();
    assert.equal(clock.pending, 0);
    connection.incomingCalls$.next(invalidCall('3'));
    assert.equal(port.raised.length, 5);
  });

  it('raiseFirmwareEvent (for the firmware update service): the event with its techInfo', () => {
    const port = new RecordingPort();
    raiseFirmwareEvent(port, 'InvalidFirmwareSignature', 'signature does not verify');
    raiseFirmwareEvent(port, 'FirmwareUpdated');
    assert.deepEqual(port.raised, [{ type: 'InvalidFirmwareSignature', techInfo: 'signature does not verify' }, { type: 'FirmwareUpdated' }]);
  });
});
