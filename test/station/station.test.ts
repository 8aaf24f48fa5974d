import assert from 'node:assert/strict';
import { is, openSimStation, sleep, type SimStation } from '../helpers/sim-station.js';

/**
 * The charging core on simulated hardware (meter physics, in-memory GPIO): sessions from plug to
 * unplug, with the relay, the statuses and the transaction events they must produce.
 */

const CARD1 = { idToken: 'CARD1', type: 'ISO14443' as const };
const CARD2 = { idToken: 'CARD2', type: 'ISO14443' as const };

describe('charging core on simulated hardware', function () {
  this.timeout(10000);
  let s: SimStation;
  afterEach(async () => {
    await s?.close();
  });

  const relay = (): boolean => s.hw.evses[0]!.connectors[0]!.relay.active;
  const statuses = (): string[] => s.events.filter((e) => e.type === 'ConnectorStatusChanged').map((e) => (e as { status: string }).status);

  it('E02 cable first: plug, card, charge, unplug; meter start and stop from the meter', async () => {
    s = await openSimStation();
    await s.next(is('ConnectorStatusChanged', (e) => e.status === 'Available'));
    assert.equal(relay(), false);
    s.hw.simulation.setPlugged(1, 1, true);
    await s.next(is('ConnectorStatusChanged', (e) => e.status === 'Occupied'));
    assert.equal(relay(), false, 'no energy before authorization');
    assert.deepEqual(await s.station.presentIdToken(1, CARD1), { outcome: 'authorized', evseId: 1 });
    const started = await s.next(is('TransactionStarted'));
    assert.equal(relay(), true);
    assert.equal(started.trigger, 'Authorized');
    assert.equal(started.chargingState, 'Charging');
    assert.deepEqual(started.idToken, CARD1);
    assert.equal(started.connectorId, 1);
    assert.equal(started.transaction.meterStartWh, started.reading?.energyImportWh);
    await sleep(300);
    const live = s.station.transactions()[0]!;
    assert.ok(live.energyWh > 0, 'energy rises while charging');
    s.hw.simulation.setPlugged(1, 1, false);
    const ended = await s.next(is('TransactionEnded'));
    assert.equal(relay(), false);
    assert.equal(ended.stoppedReason, 'EVDisconnected');
    assert.equal(ended.trigger, 'EVCommunicationLost');
    assert.ok(ended.transaction.meterStopWh! > ended.transaction.meterStartWh);
    assert.equal(ended.transaction.energyWh, ended.transaction.meterStopWh! - ended.transaction.meterStartWh);
    assert.equal(ended.transaction.id, started.transaction.id);
    // E06 S2: the connector is reported Available before the transaction's end.
    const order = s.events.map((e) => (e.type === 'ConnectorStatusChanged' ? e.status : e.type));
    assert.ok(order.lastIndexOf('Available') < order.indexOf('TransactionEnded'));
    assert.deepEqual(statuses(), ['Available', 'Occupied', 'Available']);
  });

  it('the meter stop holds all the energy: the relay opens before the final reading', async () => {
    s = await openSimStation();
    s.hw.simulation.setPlugged(1, 1, true);
    await s.station.presentIdToken(1, CARD1);
    await s.next(is('TransactionStarted'));
    await sleep(200);
    await s.station.presentIdToken(1, CARD1);
    const ended = await s.next(is('TransactionEnded'));
    const device = s.hw.simulation.meterDevice(1)!;
    const after = device.physics.values().energyImportWh;
    await sleep(200);
    assert.equal(device.physics.values().energyImportWh, after, 'no energy after the end');
    assert.ok(Math.abs(ended.transaction.meterStopWh! - after) < 0.01, `${ended.transaction.meterStopWh} vs ${after}`);
  });

  it('E07 the same card stops the session (Local, StopAuthorized); another card cannot', async () => {
    s = await openSimStation();
    s.hw.simulation.setPlugged(1, 1, true);
    await s.station.presentIdToken(1, CARD1);
    await s.next(is('TransactionStarted'));
    assert.deepEqual(await s.station.presentIdToken(1, CARD2), { outcome: 'rejected', status: 'Busy' });
    assert.equal(relay(), true);
    const r = await s.station.presentIdToken(1, CARD1);
    assert.equal(r.outcome, 'stopped');
    const ended = await s.next(is('TransactionEnded'));
    assert.equal(ended.stoppedReason, 'Local');
    assert.equal(ended.trigger, 'StopAuthorized');
    assert.deepEqual(ended.idToken, CARD1);
    assert.equal(relay(), false);
    assert.equal(s.station.statusOf(1, 1), 'Occupied', 'the vehicle is still plugged in');
  });

  it('C01 a token the authority rejects does not charge', async () => {
    s = await openSimStation({ tokens: { BLOCKED: { status: 'Blocked' } } });
    s.hw.simulation.setPlugged(1, 1, true);
    assert.deepEqual(await s.station.presentIdToken(1, { idToken: 'BLOCKED', type: 'ISO14443' }), { outcome: 'rejected', status: 'Blocked' });
    await sleep(100);
    assert.equal(relay(), false);
    assert.equal(s.events.filter((e) => e.type.startsWith('Transaction')).length, 0);
  });

  it('E03 id token first, then EVConnectionTimeOut without a cable', async () => {
    s = await openSimStation({ settings: { evConnectionTimeoutS: 0.3, txStartPoints: ['Authorized'], txStopPoints: ['Authorized'] } });
    await s.station.presentIdToken(1, CARD1);
    const started = await s.next(is('TransactionStarted'));
    assert.equal(started.chargingState, 'Idle');
    assert.equal(started.connectorId, undefined, 'no connector known before a cable');
    const ended = await s.next(is('TransactionEnded'), 3000);
    assert.equal(ended.trigger, 'EVConnectTimeout');
    assert.equal(ended.stoppedReason, 'Timeout');
    assert.equal(relay(), false);
  });

  it('E01 start point EVConnected: the transaction starts at plug-in, the token follows in an update', async () => {
    s = await openSimStation({ settings: { txStartPoints: ['EVConnected'], txStopPoints: ['EVConnected'] } });
    s.hw.simulation.setPlugged(1, 1, true);
    const started = await s.next(is('TransactionStarted'));
    assert.equal(started.trigger, 'CablePluggedIn');
    assert.equal(started.idToken, undefined);
    assert.equal(started.chargingState, 'EVConnected');
    await s.station.presentIdToken(1, CARD1);
    const updated = await s.next(is('TransactionUpdated', (e) => e.trigger === 'Authorized'));
    assert.deepEqual(updated.idToken, CARD1);
    assert.equal(updated.chargingState, 'Charging');
    // F03.FR.02-like: ending the authorization does not end an EVConnected transaction.
    await s.station.presentIdToken(1, CARD1);
    const deauth = await s.next(is('TransactionUpdated', (e) => e.trigger === 'StopAuthorized'));
    assert.equal(deauth.chargingState, 'EVConnected');
    assert.equal(s.station.transactions().length, 1);
    s.hw.simulation.setPlugged(1, 1, false);
    const ended = await s.next(is('TransactionEnded'));
    assert.equal(ended.stoppedReason, 'Local', 'the reason the authorization ended is the one the transaction ends with');
  });

  it('F01/F02 remote start before the cable: accepted, starts at plug-in with RemoteStart and its id', async () => {
    s = await openSimStation();
    const res = await s.station.requestStart({ evseId: 1, idToken: CARD2, remoteStartId: 42, authorizeFirst: false });
    assert.deepEqual(res, { status: 'Accepted', evseId: 1 });
    assert.equal(relay(), false);
    s.hw.simulation.setPlugged(1, 1, true);
    const started = await s.next(is('TransactionStarted'));
    assert.equal(started.trigger, 'RemoteStart');
    assert.equal(started.remoteStartId, 42);
    assert.deepEqual(started.idToken, CARD2);
    assert.equal(relay(), true);
    assert.deepEqual(await s.station.requestStart({ evseId: 1, idToken: CARD1, authorizeFirst: false }), { status: 'Rejected', reason: 'Occupied' });
    assert.equal(s.station.requestStop('no-such-transaction'), 'Rejected');
    assert.equal(s.station.requestStop(started.transaction.id), 'Accepted');
    const ended = await s.next(is('TransactionEnded'));
    assert.equal(ended.stoppedReason, 'Remote');
    assert.equal(ended.trigger, 'RemoteStop');
  });

  it('F01.FR.01 remote start with AuthorizeRemoteStart checks the token first', async () => {
    s = await openSimStation({ tokens: {} });
    s.hw.simulation.setPlugged(1, 1, true);
    const res = await s.station.requestStart({ evseId: 1, idToken: CARD1, authorizeFirst: true });
    assert.equal(res.status, 'Accepted');
    await sleep(150);
    assert.deepEqual(s.authorizer.asked, ['CARD1']);
    assert.equal(relay(), false, 'a token the authority rejects does not charge');
  });

  it('an emergency stop opens the relay at once, faults the connector and ends the transaction', async () => {
    s = await openSimStation();
    s.hw.simulation.setPlugged(1, 1, true);
    await s.station.presentIdToken(1, CARD1);
    await s.next(is('TransactionStarted'));
    s.hw.simulation.setInput('emergencyStop', true);
    const faulted = await s.next(is('ConnectorStatusChanged', (e) => e.status === 'Faulted'));
    assert.ok(faulted);
    assert.equal(relay(), false);
    const ended = await s.next(is('TransactionEnded'));
    assert.equal(ended.stoppedReason, 'EmergencyStop');
    assert.equal(ended.trigger, 'AbnormalCondition');
    s.hw.simulation.setInput('emergencyStop', false);
    await s.next(is('ConnectorStatusChanged', (e) => e.status === 'Occupied'), 3000, s.events.indexOf(faulted) + 1);
    await sleep(100);
    assert.equal(relay(), false, 'energy does not resume by itself after an emergency stop');
  });

  it('G03 availability: inoperative during a transaction is Scheduled, applied when it ends, and kept across restarts', async () => {
    s = await openSimStation();
    s.hw.simulation.setPlugged(1, 1, true);
    await s.station.presentIdToken(1, CARD1);
    await s.next(is('TransactionStarted'));
    assert.equal(s.station.changeAvailability({ evseId: 1 }, false), 'Scheduled');
    assert.equal(relay(), true, 'the running transaction goes on');
    await s.station.presentIdToken(1, CARD1);
    await s.next(is('TransactionEnded'));
    await s.next(is('ConnectorStatusChanged', (e) => e.status === 'Unavailable'));
    assert.deepEqual(await s.station.presentIdToken(1, CARD1), { outcome: 'rejected', status: 'Unavailable' });
    assert.deepEqual(await s.station.requestStart({ evseId: 1, idToken: CARD1, authorizeFirst: false }), { status: 'Rejected', reason: 'Unavailable' });
    const dir = s.storageDir;
    await s.close();
    s = await openSimStation({ storageDir: dir });
    await s.next(is('ConnectorStatusChanged', (e) => e.status === 'Unavailable'));
    assert.equal(s.station.changeAvailability({ evseId: 1 }, true), 'Accepted');
    await s.next(is('ConnectorStatusChanged', (e) => e.status === 'Available'));
  });

  it('detects the EV suspending and resuming from the meter current', async () => {
    s = await openSimStation();
    s.hw.simulation.setPlugged(1, 1, true);
    await s.station.presentIdToken(1, CARD1);
    await s.next(is('TransactionStarted'));
    s.hw.simulation.setEvCharging(1, false);
    const suspended = await s.next(is('TransactionUpdated', (e) => e.chargingState === 'SuspendedEV'));
    assert.equal(suspended.trigger, 'ChargingStateChanged');
    assert.equal(relay(), true, 'energy stays offered');
    s.hw.simulation.setEvCharging(1, true);
    await s.next(is('TransactionUpdated', (e) => e.chargingState === 'Charging'));
  });

  it('stops at the energy limit', async () => {
    s = await openSimStation({ settings: { maxEnergyWh: 1 } });
    s.hw.simulation.setPlugged(1, 1, true);
    await s.station.presentIdToken(1, CARD1);
    const ended = await s.next(is('TransactionEnded'), 5000);
    assert.equal(ended.stoppedReason, 'EnergyLimitReached');
    assert.ok(ended.transaction.energyWh >= 1);
    assert.equal(relay(), false);
  });

  it('a failed meter faults the connector and opens the relay; it recovers by itself', async () => {
    s = await openSimStation();
    s.hw.simulation.setPlugged(1, 1, true);
    await s.station.presentIdToken(1, CARD1);
    await s.next(is('TransactionStarted'));
    s.hw.simulation.meterDevice(1)!.fault = { mode: 'exception', code: 4 };
    await s.next(is('ConnectorStatusChanged', (e) => e.status === 'Faulted'));
    assert.equal(relay(), false);
    const suspended = await s.next(is('TransactionUpdated', (e) => e.chargingState === 'SuspendedEVSE'));
    assert.equal(suspended.trigger, 'AbnormalCondition');
    s.hw.simulation.meterDevice(1)!.fault = { mode: 'none' };
    await s.next(is('TransactionUpdated', (e) => e.chargingState === 'Charging'));
    assert.equal(relay(), true);
  });

  it('free charging: plug in and charge under the configured token, without asking anyone', async () => {
    s = await openSimStation({ authorization: { mode: 'free', idToken: { idToken: 'HOME', type: 'Local' } } });
    s.hw.simulation.setPlugged(1, 1, true);
    const started = await s.next(is('TransactionStarted'));
    assert.deepEqual(started.idToken, { idToken: 'HOME', type: 'Local' });
    assert.equal(relay(), true);
    assert.deepEqual(s.authorizer.asked, []);
    s.hw.simulation.setPlugged(1, 1, false);
    await s.next(is('TransactionEnded'));
    s.hw.simulation.setPlugged(1, 1, true);
    await s.next(is('TransactionStarted'), 3000, s.events.findIndex((e) => e.type === 'TransactionEnded') + 1);
  });

  for (const [how, stop] of [
    ['a remote stop', (st: SimStation) => assert.equal(st.station.requestStop(st.station.transactions()[0]!.id), 'Accepted')],
    ['a local stop at the station', (st: SimStation) => void st.station.evse(1)!.abort({ trigger: 'StopAuthorized', stopReason: 'Local' })],
  ] as const) {
    it(`free charging: after ${how} with the vehicle still plugged in, nothing starts again by itself; the next plug-in charges`, async () => {
      s = await openSimStation({ authorization: { mode: 'free', idToken: { idToken: 'HOME', type: 'Local' } } });
      const st = s;
      st.hw.simulation.setPlugged(1, 1, true);
      await st.next(is('TransactionStarted'));
      stop(st);
      await st.next(is('TransactionEnded'));
      await sleep(300);
      assert.equal(st.events.filter((e) => e.type === 'TransactionStarted').length, 1, 'no second transaction');
      assert.equal(relay(), false);
      assert.equal(st.station.evse(1)!.authorizedBy, undefined);
      st.hw.simulation.setPlugged(1, 1, false);
      await sleep(120);
      st.hw.simulation.setPlugged(1, 1, true);
      await st.next(is('TransactionStarted'), 3000, st.events.findIndex((e) => e.type === 'TransactionEnded') + 1);
      assert.equal(relay(), true);
    });
  }

  it('free charging: a vehicle plugged in while the last transaction is still ending (its last reading not yet taken) charges once it has ended', async () => {
    s = await openSimStation({ authorization: { mode: 'free', idToken: { idToken: 'HOME', type: 'Local' } } });
    s.hw.simulation.setPlugged(1, 1, true);
    await s.next(is('TransactionStarted'));
    // The meter answers slowly: the ending transaction waits for its last reading.
    s.hw.simulation.meterDevice(1)!.fault = { mode: 'silent' };
    s.hw.simulation.setPlugged(1, 1, false);
    await sleep(120);
    s.hw.simulation.setPlugged(1, 1, true);
    await sleep(120);
    assert.equal(s.events.filter((e) => e.type === 'TransactionEnded').length, 0, 'still ending');
    s.hw.simulation.meterDevice(1)!.fault = { mode: 'none' };
    const endedAt = s.events.length;
    await s.next(is('TransactionEnded'), 3000);
    await s.next(is('TransactionStarted'), 3000, endedAt);
    assert.ok(s.events.findIndex((e) => e.type === 'TransactionEnded') < s.events.findLastIndex((e) => e.type === 'TransactionStarted'), 'the new one after the old one ended');
  });

  describe('E02.FR.13 / E01.FR.18: the event after a charging state change carries it, Ended included', () => {
    /** Plug in, authorize with CARD1, and wait for the Started event. */
    const charge = async (): Promise<void> => {
      s.hw.simulation.setPlugged(1, 1, true);
      await s.station.presentIdToken(1, CARD1);
      const started = await s.next(is('TransactionStarted'));
      assert.equal(started.chargingState, 'Charging');
    };

    it('Idle after the vehicle was unplugged', async () => {
      s = await openSimStation();
      await charge();
      s.hw.simulation.setPlugged(1, 1, false);
      const ended = await s.next(is('TransactionEnded'));
      assert.equal(ended.stoppedReason, 'EVDisconnected');
      assert.equal(ended.chargingState, 'Idle');
    });

    it('EVConnected after a remote stop with the cable still in', async () => {
      s = await openSimStation();
      await charge();
      assert.equal(s.station.requestStop(s.station.transactions()[0]!.id), 'Accepted');
      const ended = await s.next(is('TransactionEnded'));
      assert.equal(ended.stoppedReason, 'Remote');
      assert.equal(ended.chargingState, 'EVConnected');
    });

    it('EVConnected after a local stop (the card again) with the cable still in', async () => {
      s = await openSimStation();
      await charge();
      await s.station.presentIdToken(1, CARD1);
      const ended = await s.next(is('TransactionEnded'));
      assert.equal(ended.stoppedReason, 'Local');
      assert.equal(ended.chargingState, 'EVConnected');
    });

    it('EVConnected after an immediate reset with the cable still in', async () => {
      s = await openSimStation();
      await charge();
      await s.station.reset('Immediate').done;
      const ended = await s.next(is('TransactionEnded'));
      assert.equal(ended.stoppedReason, 'ImmediateReset');
      assert.equal(ended.chargingState, 'EVConnected');
    });

    it('start point EVConnected: EVConnected, Charging, EVConnected (card), then Idle in Ended (unplugged)', async () => {
      s = await openSimStation({ settings: { txStartPoints: ['EVConnected'], txStopPoints: ['EVConnected'] } });
      s.hw.simulation.setPlugged(1, 1, true);
      await s.next(is('TransactionStarted'));
      await s.station.presentIdToken(1, CARD1);
      await s.next(is('TransactionUpdated', (e) => e.trigger === 'Authorized'));
      await s.station.presentIdToken(1, CARD1);
      await s.next(is('TransactionUpdated', (e) => e.trigger === 'StopAuthorized'));
      s.hw.simulation.setPlugged(1, 1, false);
      await s.next(is('TransactionEnded'));
      const told = s.events.flatMap((e) => (e.type.startsWith('Transaction') && 'chargingState' in e && e.chargingState ? [e.chargingState] : []));
      assert.deepEqual(told, ['EVConnected', 'Charging', 'EVConnected', 'Idle']);
    });
  });

  it('B11 immediate reset ends the transaction with ImmediateReset', async () => {
    s = await openSimStation();
    s.hw.simulation.setPlugged(1, 1, true);
    await s.station.presentIdToken(1, CARD1);
    await s.next(is('TransactionStarted'));
    const { status, done } = s.station.reset('Immediate');
    assert.equal(status, 'Accepted');
    await done;
    const ended = s.events.find((e) => e.type === 'TransactionEnded');
    assert.equal(ended?.type === 'TransactionEnded' && ended.stoppedReason, 'ImmediateReset');
    assert.equal(relay(), false);
  });
});
