import assert from 'node:assert/strict';
import { BehaviorSubject } from 'rxjs';
import type { OcppClient } from '../../../src/ocpp/ocpp-client.js';
import { NotConnected } from '../../../src/ocpp/rpc/rpc-errors.js';
import { silentLogger } from '../../../src/process/logger.js';
import { CsmsClock } from '../../../src/services/registration/csms-clock.js';
import { NotAccepted, Registration } from '../../../src/services/registration/registration.js';
import { FakeClock } from '../../../src/station/clock.js';

/** Registration with the CSMS (2.0.1 B01-B03, G02; 1.6 4.2, 4.6) on a FakeClock and a scripted client. */

interface Rig {
  clock: FakeClock;
  csmsClock: CsmsClock;
  registration: Registration;
  connected$: BehaviorSubject<boolean>;
  calls: string[];
  answers: Map<string, () => unknown>;
  heartbeatS: { value: number };
  offlineS: number[];
}

function rig(options: { csmsIsTimeSource?: boolean } = {}): Rig {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const csmsClock = new CsmsClock(clock);
  const connected$ = new BehaviorSubject(false);
  const calls: string[] = [];
  const answers = new Map<string, () => unknown>();
  const client = {
    connected$,
    get isConnected() {
      return connected$.value;
    },
    async call(action: string) {
      calls.push(action);
      if (!connected$.value) throw new NotConnected(action);
      const answer = answers.get(action);
      return answer ? answer() : {};
    },
  } as unknown as OcppClient;
  const heartbeatS = { value: 300 };
  const offlineS: number[] = [];
  const registration = new Registration({
    client,
    clock: csmsClock,
    log: silentLogger,
    bootRequest: () => ({}),
    heartbeatIntervalS: () => heartbeatS.value,
    setHeartbeatIntervalS: async (s) => void (heartbeatS.value = s),
    csmsIsTimeSource: () => options.csmsIsTimeSource ?? true,
    onAccepted: async () => undefined,
    onReconnected: (s) => void offlineS.push(s),
  });
  return { clock, csmsClock, registration, connected$, calls, answers, heartbeatS, offlineS };
}

const bootAnswer = (status: string, interval: number, currentTime = '2026-01-01T12:00:00.000Z') => () => ({ status, interval, currentTime });

describe('registration service', () => {
  it('B02.FR.04/07: a Pending boot is retried after the interval the CSMS gave, not before; Accepted adopts the heartbeat interval (B01.FR.04)', async () => {
    const r = rig();
    r.answers.set('BootNotification', bootAnswer('Pending', 30));
    r.registration.start();
    r.connected$.next(true);
    await r.clock.advanceAsync(0);
    assert.deepEqual(r.calls, ['BootNotification']);
    assert.equal(r.registration.state, 'Pending');
    await r.clock.advanceAsync(29_000);
    assert.equal(r.calls.length, 1, 'not before the interval');
    r.answers.set('BootNotification', bootAnswer('Accepted', 120));
    await r.clock.advanceAsync(1_000);
    assert.deepEqual(r.calls, ['BootNotification', 'BootNotification']);
    assert.equal(r.registration.state, 'Accepted');
    assert.equal(r.heartbeatS.value, 120);
    r.registration.stop();
  });

  it('B03.FR.02 / 1.6 4.2: before Accepted nothing but BootNotification goes out; a triggered message may while Pending', async () => {
    const r = rig();
    r.answers.set('BootNotification', bootAnswer('Pending', 60));
    r.registration.start();
    r.connected$.next(true);
    await r.clock.advanceAsync(0);
    await assert.rejects(r.registration.send('StatusNotification', {}), NotAccepted);
    await r.registration.send('StatusNotification', {}, true);
    assert.deepEqual(r.calls, ['BootNotification', 'StatusNotification']);
    r.registration.stop();
  });

  it('G02: a Heartbeat after HeartbeatInterval without other traffic; other messages push it back', async () => {
    const r = rig();
    r.answers.set('BootNotification', bootAnswer('Accepted', 60));
    r.answers.set('Heartbeat', () => ({ currentTime: '2026-01-01T12:01:00.000Z' }));
    r.registration.start();
    r.connected$.next(true);
    await r.clock.advanceAsync(0);
    await r.clock.advanceAsync(40_000);
    await r.registration.send('StatusNotification', {});
    await r.clock.advanceAsync(40_000);
    assert.deepEqual(r.calls, ['BootNotification', 'StatusNotification'], 'the StatusNotification counted as traffic');
    await r.clock.advanceAsync(20_000);
    assert.deepEqual(r.calls, ['BootNotification', 'StatusNotification', 'Heartbeat']);
    await r.clock.advanceAsync(60_000);
    assert.equal(r.calls.filter((c) => c === 'Heartbeat').length, 2);
    r.registration.stop();
    assert.equal(r.clock.pending, 0, 'stopped: no timer left');
  });

  it('B01.FR.06 / 1.6 4.2: the CSMS time is adopted as an offset; a reconnect tells how long the station was offline', async () => {
    const r = rig();
    r.answers.set('BootNotification', bootAnswer('Accepted', 300, '2026-01-01T12:10:00.000Z'));
    r.registration.start();
    r.connected$.next(true);
    await r.clock.advanceAsync(0);
    assert.equal(r.csmsClock.offset, 600_000);
    assert.equal(r.csmsClock.iso(), '2026-01-01T12:10:00.000Z');
    r.connected$.next(false);
    await r.clock.advanceAsync(90_000);
    r.connected$.next(true);
    await r.clock.advanceAsync(0);
    assert.deepEqual(r.offlineS, [90]);
    assert.deepEqual(r.calls, ['BootNotification'], 'a reconnect is not a reboot (OCPP-J 5.3)');
    r.registration.stop();
  });
});
