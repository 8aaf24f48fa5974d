import assert from 'node:assert/strict';
import { FakeEvseHardware, FakeStation, type FakeStationOptions } from './fake-station.js';

/**
 * The charging core on fake hardware and fake time (meter energy rising while the relay is closed):
 * sessions from plug to unplug, with the relay, the statuses and the transaction events they must
 * produce. Time moves only by `advance`; nothing sleeps.
 */

const CARD1 = { idToken: 'CARD1', type: 'ISO14443' as const };
const CARD2 = { idToken: 'CARD2', type: 'ISO14443' as const };
const HOME = { idToken: 'HOME', type: 'Local' as const };

describe('charging core on fake hardware and fake time', () => {
  let s: FakeStation;
  const open = (options: FakeStationOptions = {}): FakeStation => (s = new FakeStation(options));
  afterEach(() => s?.close());

  it('E02 cable first: plug, card, charge, unplug; meter start and stop from the meter', async () => {
    open();
    assert.deepEqual(s.statuses(), ['Available']);
    assert.equal(s.relay, false);
    s.hw.setPlugged(true);
    assert.equal(s.statuses().at(-1), 'Occupied');
    assert.equal(s.relay, false, 'no energy before authorization');
    assert.deepEqual(await s.station.presentIdToken(1, CARD1), { outcome: 'authorized', evseId: 1 });
    const started = s.last('TransactionStarted')!;
    assert.equal(s.relay, true);
    assert.equal(started.trigger, 'Authorized');
    assert.equal(started.chargingState, 'Charging');
    assert.deepEqual(started.idToken, CARD1);
    assert.equal(started.connectorId, 1);
    assert.equal(started.transaction.meterStartWh, started.reading?.energyImportWh);
    assert.equal(started.transaction.id, 'tx-1', 'the injected id generator');
    assert.equal(started.transaction.startedAt.getTime(), s.clock.nowMs(), 'the injected clock');
    await s.advance(3000);
    const live = s.station.transactions()[0]!;
    assert.ok(live.energyWh > 0, 'energy rises while charging');
    s.hw.setPlugged(false);
    await s.advance();
    const ended = s.last('TransactionEnded')!;
    assert.equal(s.relay, false);
    assert.equal(ended.stoppedReason, 'EVDisconnected');
    assert.equal(ended.trigger, 'EVCommunicationLost');
    assert.ok(ended.transaction.meterStopWh! > ended.transaction.meterStartWh);
    assert.equal(ended.transaction.energyWh, ended.transaction.meterStopWh! - ended.transaction.meterStartWh);
    assert.equal(ended.transaction.id, started.transaction.id);
    // E06 S2: the connector is reported Available before the transaction's end.
    const order = s.events.map((e) => (e.type === 'ConnectorStatusChanged' ? e.status : e.type));
    assert.ok(order.lastIndexOf('Available') < order.indexOf('TransactionEnded'));
    assert.deepEqual(s.statuses(), ['Available', 'Occupied', 'Available']);
  });

  it('the meter stop holds all the energy: the relay opens before the final reading', async () => {
    open();
    s.hw.setPlugged(true);
    await s.station.presentIdToken(1, CARD1);
    assert.ok(s.last('TransactionStarted'));
    await s.advance(2000);
    await s.station.presentIdToken(1, CARD1);
    await s.advance();
    const ended = s.last('TransactionEnded')!;
    const after = s.hw.energyNow();
    await s.advance(2000);
    assert.equal(s.hw.energyNow(), after, 'no energy after the end');
    assert.ok(Math.abs(ended.transaction.meterStopWh! - after) < 0.01, `${ended.transaction.meterStopWh} vs ${after}`);
  });

  it('E07 the same card stops the session (Local, StopAuthorized); another card cannot', async () => {
    open();
    s.hw.setPlugged(true);
    await s.station.presentIdToken(1, CARD1);
    assert.ok(s.last('TransactionStarted'));
    assert.deepEqual(await s.station.presentIdToken(1, CARD2), { outcome: 'rejected', status: 'Busy' });
    assert.equal(s.relay, true);
    const r = await s.station.presentIdToken(1, CARD1);
    assert.equal(r.outcome, 'stopped');
    await s.advance();
    const ended = s.last('TransactionEnded')!;
    assert.equal(ended.stoppedReason, 'Local');
    assert.equal(ended.trigger, 'StopAuthorized');
    assert.deepEqual(ended.idToken, CARD1);
    assert.equal(s.relay, false);
    assert.equal(s.station.statusOf(1, 1), 'Occupied', 'the vehicle is still plugged in');
  });

  it('C01 a token the authority rejects does not charge', async () => {
    open({ tokens: { BLOCKED: { status: 'Blocked' } } });
    s.hw.setPlugged(true);
    assert.deepEqual(await s.station.presentIdToken(1, { idToken: 'BLOCKED', type: 'ISO14443' }), { outcome: 'rejected', status: 'Blocked' });
    await s.advance(1000);
    assert.equal(s.relay, false);
    assert.equal(s.events.filter((e) => e.type.startsWith('Transaction')).length, 0);
  });

  it('E03 id token first, then EVConnectionTimeOut without a cable', async () => {
    open({ settings: { evConnectionTimeoutS: 30, txStartPoints: ['Authorized'], txStopPoints: ['Authorized'] } });
    await s.station.presentIdToken(1, CARD1);
    const started = s.last('TransactionStarted')!;
    assert.equal(started.chargingState, 'Idle');
    assert.equal(started.connectorId, undefined, 'no connector known before a cable');
    await s.advance(29_000);
    assert.equal(s.last('TransactionEnded'), undefined, 'not before EVConnectionTimeOut');
    await s.advance(1000);
    const ended = s.last('TransactionEnded')!;
    assert.equal(ended.trigger, 'EVConnectTimeout');
    assert.equal(ended.stoppedReason, 'Timeout');
    assert.equal(s.relay, false);
  });

  it('E01 start point EVConnected: the transaction starts at plug-in, the token follows in an update', async () => {
    open({ settings: { txStartPoints: ['EVConnected'], txStopPoints: ['EVConnected'] } });
    s.hw.setPlugged(true);
    const started = s.last('TransactionStarted')!;
    assert.equal(started.trigger, 'CablePluggedIn');
    assert.equal(started.idToken, undefined);
    assert.equal(started.chargingState, 'EVConnected');
    await s.station.presentIdToken(1, CARD1);
    const updated = s.of('TransactionUpdated').find((e) => e.trigger === 'Authorized')!;
    assert.deepEqual(updated.idToken, CARD1);
    assert.equal(updated.chargingState, 'Charging');
    // F03.FR.02-like: ending the authorization does not end an EVConnected transaction.
    await s.station.presentIdToken(1, CARD1);
    const deauth = s.of('TransactionUpdated').find((e) => e.trigger === 'StopAuthorized')!;
    assert.equal(deauth.chargingState, 'EVConnected');
    assert.equal(s.station.transactions().length, 1);
    s.hw.setPlugged(false);
    await s.advance();
    const ended = s.last('TransactionEnded')!;
    assert.equal(ended.stoppedReason, 'Local', 'the reason the authorization ended is the one the transaction ends with');
  });

  it('F01/F02 remote start before the cable: accepted, starts at plug-in with RemoteStart and its id', async () => {
    open();
    const res = await s.station.requestStart({ evseId: 1, idToken: CARD2, remoteStartId: 42, authorizeFirst: false });
    assert.deepEqual(res, { status: 'Accepted', evseId: 1, transactionId: undefined });
    assert.equal(s.relay, false);
    s.hw.setPlugged(true);
    const started = s.last('TransactionStarted')!;
    assert.equal(started.trigger, 'RemoteStart');
    assert.equal(started.remoteStartId, 42);
    assert.deepEqual(started.idToken, CARD2);
    assert.equal(s.relay, true);
    assert.deepEqual(await s.station.requestStart({ evseId: 1, idToken: CARD1, authorizeFirst: false }), { status: 'Rejected', reason: 'Occupied' });
    assert.equal(s.station.requestStop('no-such-transaction'), 'Rejected');
    assert.equal(s.station.requestStop(started.transaction.id), 'Accepted');
    await s.advance();
    const ended = s.last('TransactionEnded')!;
    assert.equal(ended.stoppedReason, 'Remote');
    assert.equal(ended.trigger, 'RemoteStop');
  });

  it('F01.FR.01 remote start with AuthorizeRemoteStart checks the token first', async () => {
    open({ tokens: {} });
    s.hw.setPlugged(true);
    const res = await s.station.requestStart({ evseId: 1, idToken: CARD1, authorizeFirst: true });
    assert.equal(res.status, 'Accepted');
    await s.advance(1000);
    assert.deepEqual(s.authorizer.asked, ['CARD1']);
    assert.equal(s.relay, false, 'a token the authority rejects does not charge');
  });

  it('an emergency stop opens the relay at once, faults the connector and ends the transaction', async () => {
    open();
    s.hw.setPlugged(true);
    await s.station.presentIdToken(1, CARD1);
    assert.ok(s.last('TransactionStarted'));
    s.station.raiseFault('emergency-stop', undefined, 'input emergencyStop active');
    assert.equal(s.statuses().at(-1), 'Faulted');
    assert.equal(s.relay, false);
    await s.advance();
    const ended = s.last('TransactionEnded')!;
    assert.equal(ended.stoppedReason, 'EmergencyStop');
    assert.equal(ended.trigger, 'AbnormalCondition');
    s.station.clearFault('emergency-stop', undefined, 'input emergencyStop released');
    assert.equal(s.statuses().at(-1), 'Occupied');
    await s.advance(3000);
    assert.equal(s.relay, false, 'energy does not resume by itself after an emergency stop');
  });

  it('G03 availability: inoperative during a transaction is Scheduled, applied when it ends, and kept across restarts', async () => {
    open();
    s.hw.setPlugged(true);
    await s.station.presentIdToken(1, CARD1);
    assert.ok(s.last('TransactionStarted'));
    assert.equal(s.station.changeAvailability({ evseId: 1 }, false), 'Scheduled');
    assert.equal(s.relay, true, 'the running transaction goes on');
    await s.station.presentIdToken(1, CARD1);
    await s.advance();
    assert.ok(s.last('TransactionEnded'));
    assert.equal(s.statuses().at(-1), 'Unavailable');
    assert.deepEqual(await s.station.presentIdToken(1, CARD1), { outcome: 'rejected', status: 'Unavailable' });
    assert.deepEqual(await s.station.requestStart({ evseId: 1, idToken: CARD1, authorizeFirst: false }), { status: 'Rejected', reason: 'Unavailable' });
    const { store, clock } = s;
    s.close();
    open({ store, clock, hardware: new FakeEvseHardware(clock) });
    assert.deepEqual(s.statuses(), ['Unavailable']);
    assert.equal(s.station.changeAvailability({ evseId: 1 }, true), 'Accepted');
    assert.equal(s.statuses().at(-1), 'Available');
  });

  it('detects the EV suspending and resuming from the meter current', async () => {
    open();
    s.hw.setPlugged(true);
    await s.station.presentIdToken(1, CARD1);
    assert.ok(s.last('TransactionStarted'));
    s.hw.evCharging = false;
    await s.advance(3000);
    const suspended = s.of('TransactionUpdated').find((e) => e.chargingState === 'SuspendedEV')!;
    assert.equal(suspended.trigger, 'ChargingStateChanged');
    assert.equal(s.relay, true, 'energy stays offered');
    s.hw.evCharging = true;
    await s.advance(1000);
    assert.equal(s.last('TransactionUpdated')?.chargingState, 'Charging');
  });

  it('stops at the energy limit', async () => {
    open({ settings: { maxEnergyWh: 1 } });
    s.hw.setPlugged(true);
    await s.station.presentIdToken(1, CARD1);
    await s.advance(2000);
    const ended = s.last('TransactionEnded')!;
    assert.equal(ended.stoppedReason, 'EnergyLimitReached');
    assert.ok(ended.transaction.energyWh >= 1);
    assert.equal(s.relay, false);
  });

  it('a failed meter faults the connector and opens the relay; it recovers by itself', async () => {
    open();
    s.hw.setPlugged(true);
    await s.station.presentIdToken(1, CARD1);
    assert.ok(s.last('TransactionStarted'));
    s.hw.fail();
    assert.equal(s.statuses().at(-1), 'Faulted');
    assert.equal(s.relay, false);
    const suspended = s.last('TransactionUpdated')!;
    assert.equal(suspended.chargingState, 'SuspendedEVSE');
    assert.equal(suspended.trigger, 'AbnormalCondition');
    s.hw.answerAgain();
    assert.equal(s.last('TransactionUpdated')?.chargingState, 'Charging');
    assert.equal(s.relay, true);
  });

  it('free charging: plug in and charge under the configured token, without asking anyone', async () => {
    open({ authorization: { mode: 'free', idToken: HOME } });
    s.hw.setPlugged(true);
    const started = s.last('TransactionStarted')!;
    assert.deepEqual(started.idToken, HOME);
    assert.equal(s.relay, true);
    assert.deepEqual(s.authorizer.asked, []);
    s.hw.setPlugged(false);
    await s.advance();
    assert.ok(s.last('TransactionEnded'));
    s.hw.setPlugged(true);
    await s.advance();
    assert.equal(s.of('TransactionStarted').length, 2);
  });

  it('free charging with start point EVConnected: the authorization on the plug comes first, so the transaction starts authorized (one event, the token in it)', () => {
    open({ authorization: { mode: 'free', idToken: HOME }, settings: { txStartPoints: ['EVConnected'] } });
    s.hw.setPlugged(true);
    const started = s.last('TransactionStarted')!;
    assert.equal(started.trigger, 'Authorized');
    assert.deepEqual(started.idToken, HOME);
    assert.equal(s.of('TransactionUpdated').length, 0);
    assert.equal(s.relay, true);
  });

  for (const [how, stop] of [
    ['a remote stop', (st: FakeStation) => assert.equal(st.station.requestStop(st.station.transactions()[0]!.id), 'Accepted')],
    ['a local stop at the station', (st: FakeStation) => void st.station.evse(1)!.abort({ trigger: 'StopAuthorized', stopReason: 'Local' })],
  ] as const) {
    it(`free charging: after ${how} with the vehicle still plugged in, nothing starts again by itself; the next plug-in charges`, async () => {
      open({ authorization: { mode: 'free', idToken: HOME } });
      s.hw.setPlugged(true);
      assert.ok(s.last('TransactionStarted'));
      stop(s);
      await s.advance();
      assert.ok(s.last('TransactionEnded'));
      await s.advance(3000);
      assert.equal(s.of('TransactionStarted').length, 1, 'no second transaction');
      assert.equal(s.relay, false);
      assert.equal(s.station.evse(1)!.authorizedBy, undefined);
      s.hw.setPlugged(false);
      await s.advance(1000);
      s.hw.setPlugged(true);
      await s.advance();
      assert.equal(s.of('TransactionStarted').length, 2);
      assert.equal(s.relay, true);
    });
  }

  it('free charging: a vehicle plugged in while the last transaction is still ending (its last reading not yet taken) charges once it has ended', async () => {
    open({ authorization: { mode: 'free', idToken: HOME } });
    s.hw.setPlugged(true);
    assert.ok(s.last('TransactionStarted'));
    // The meter answers slowly: the ending transaction waits for its last reading.
    s.hw.silent = true;
    s.hw.setPlugged(false);
    await s.advance(1000);
    s.hw.setPlugged(true);
    await s.advance(1000);
    assert.equal(s.of('TransactionEnded').length, 0, 'still ending');
    s.hw.answerAgain();
    await s.advance();
    assert.equal(s.of('TransactionEnded').length, 1);
    assert.equal(s.of('TransactionStarted').length, 2);
    assert.ok(s.events.findIndex((e) => e.type === 'TransactionEnded') < s.events.findLastIndex((e) => e.type === 'TransactionStarted'), 'the new one after the old one ended');
  });

  describe('E02.FR.13 / E01.FR.18: the event after a charging state change carries it, Ended included', () => {
    /** Plug in, authorize with CARD1, and check the Started event. */
    const charge = async (): Promise<void> => {
      s.hw.setPlugged(true);
      await s.station.presentIdToken(1, CARD1);
      assert.equal(s.last('TransactionStarted')?.chargingState, 'Charging');
    };

    it('Idle after the vehicle was unplugged', async () => {
      open();
      await charge();
      s.hw.setPlugged(false);
      await s.advance();
      const ended = s.last('TransactionEnded')!;
      assert.equal(ended.stoppedReason, 'EVDisconnected');
      assert.equal(ended.chargingState, 'Idle');
    });

    it('EVConnected after a remote stop with the cable still in', async () => {
      open();
      await charge();
      assert.equal(s.station.requestStop(s.station.transactions()[0]!.id), 'Accepted');
      await s.advance();
      const ended = s.last('TransactionEnded')!;
      assert.equal(ended.stoppedReason, 'Remote');
      assert.equal(ended.chargingState, 'EVConnected');
    });

    it('EVConnected after a local stop (the card again) with the cable still in', async () => {
      open();
      await charge();
      await s.station.presentIdToken(1, CARD1);
      await s.advance();
      const ended = s.last('TransactionEnded')!;
      assert.equal(ended.stoppedReason, 'Local');
      assert.equal(ended.chargingState, 'EVConnected');
    });

    it('EVConnected after an immediate reset with the cable still in', async () => {
      open();
      await charge();
      await s.station.reset('Immediate').done;
      const ended = s.last('TransactionEnded')!;
      assert.equal(ended.stoppedReason, 'ImmediateReset');
      assert.equal(ended.chargingState, 'EVConnected');
    });

    it('start point EVConnected: EVConnected, Charging, EVConnected (card), then Idle in Ended (unplugged)', async () => {
      open({ settings: { txStartPoints: ['EVConnected'], txStopPoints: ['EVConnected'] } });
      s.hw.setPlugged(true);
      assert.ok(s.last('TransactionStarted'));
      await s.station.presentIdToken(1, CARD1);
      assert.ok(s.of('TransactionUpdated').some((e) => e.trigger === 'Authorized'));
      await s.station.presentIdToken(1, CARD1);
      assert.ok(s.of('TransactionUpdated').some((e) => e.trigger === 'StopAuthorized'));
      s.hw.setPlugged(false);
      await s.advance();
      assert.ok(s.last('TransactionEnded'));
      const told = s.events.flatMap((e) => (e.type.startsWith('Transaction') && 'chargingState' in e && e.chargingState ? [e.chargingState] : []));
      assert.deepEqual(told, ['EVConnected', 'Charging', 'EVConnected', 'Idle']);
    });
  });

  it('B11 immediate reset ends the transaction with ImmediateReset', async () => {
    open();
    s.hw.setPlugged(true);
    await s.station.presentIdToken(1, CARD1);
    assert.ok(s.last('TransactionStarted'));
    const { status, done } = s.station.reset('Immediate');
    assert.equal(status, 'Accepted');
    await done;
    const ended = s.events.find((e) => e.type === 'TransactionEnded');
    assert.equal(ended?.type === 'TransactionEnded' && ended.stoppedReason, 'ImmediateReset');
    assert.equal(s.relay, false);
  });
});
