import assert from 'node:assert/strict';
import { AuthorizationCache, LocalAuthorizationList, LocalAuthorizer } from '../../src/services/authorization/index.js';
import { DEFAULT_SAFETY } from '../../src/station/ports.js';
import type { AuthorizationMode } from '../../src/station/station.js';
import { FakeStation, MemoryStore, type FakeStationOptions } from './fake-station.js';

/**
 * Energy never comes back by itself after a safety trip (emergency stop, RCD, overcurrent, a
 * contactor that failed to close): releasing the input or clearing the fault leaves the relay
 * open until a deliberate act, in every authorization mode. The core on fake hardware and time.
 */

const CARD1 = { idToken: 'CARD1', type: 'ISO14443' as const };
const FREE: AuthorizationMode = { mode: 'free', idToken: { idToken: 'HOME', type: 'Local' } };
/** Several meter readings (one a second): anything that would close the relay has had its chance. */
const SETTLE_MS = 5000;

/** The safety inputs as src/app/safety-inputs.ts turns them into faults: the emergency stop for the station, the RCD for EVSE 1. */
const INPUTS = {
  emergencyStop: { fault: 'emergency-stop', evseId: undefined },
  rcd: { fault: 'rcd-trip', evseId: 1 },
} as const;
type InputName = keyof typeof INPUTS;

describe('safety: energy does not come back by itself after a trip', () => {
  let s: FakeStation | undefined;
  afterEach(() => {
    s?.close();
    s = undefined;
  });

  const open = (options: FakeStationOptions = {}): FakeStation => (s = new FakeStation(options));
  const started = (st: FakeStation): number => st.of('TransactionStarted').length;
  const setInput = (st: FakeStation, input: InputName, active: boolean): void => {
    const { fault, evseId } = INPUTS[input];
    if (active) st.station.raiseFault(fault, evseId, `input ${input} active`);
    else st.station.clearFault(fault, evseId, `input ${input} released`);
  };
  /** Checks that the `count`th transaction has started and the relay is closed (after letting answers settle). */
  const charging = async (st: FakeStation, count = 1): Promise<void> => {
    await st.advance();
    assert.ok(started(st) >= count && st.relay, `transaction ${count} charging`);
  };
  /** Trips the input, checks the session ended for `reason`, releases it, and checks nothing came back. */
  const tripAndRelease = async (st: FakeStation, input: InputName, reason: string): Promise<void> => {
    const before = started(st);
    const from = st.events.length;
    setInput(st, input, true);
    await st.advance();
    const ended = st.events.slice(from).find((e) => e.type === 'TransactionEnded');
    assert.equal(ended?.type === 'TransactionEnded' && ended.stoppedReason, reason);
    assert.equal(st.relay, false);
    setInput(st, input, false);
    assert.ok(st.events.slice(from).some((e) => e.type === 'FaultChanged' && !e.active));
    await st.advance(SETTLE_MS);
    assert.equal(st.relay, false, 'the relay stays open after the release');
    assert.equal(started(st), before, 'no new transaction after the release');
    assert.equal(st.station.evse(1)!.authorizedBy, undefined, 'nobody authorized');
    assert.equal(st.station.evse(1)!.tripped, true);
  };
  const replug = async (st: FakeStation): Promise<void> => {
    st.hw.setPlugged(false);
    assert.equal(st.station.evse(1)!.connectors[0]!.inputs.plugged, false, 'the unplug seen');
    await st.advance(1000);
    st.hw.setPlugged(true);
  };

  describe('free charging (charging.authorization "free")', () => {
    for (const [input, reason] of [
      ['emergencyStop', 'EmergencyStop'],
      ['rcd', 'GroundFault'],
    ] as const) {
      it(`${input}: released with the vehicle still plugged in, no transaction starts and the relay stays open; unplug and plug in again charges`, async () => {
        const st = open({ authorization: FREE });
        st.hw.setPlugged(true);
        await charging(st);
        await tripAndRelease(st, input, reason);
        await replug(st);
        await charging(st, 2);
        assert.equal(st.station.evse(1)!.tripped, false);
      });
    }

    it('an unplug while the emergency stop is still pressed does not count: after the release the vehicle must be plugged in again', async () => {
      const st = open({ authorization: FREE });
      st.hw.setPlugged(true);
      await charging(st);
      setInput(st, 'emergencyStop', true);
      await st.advance();
      assert.ok(st.last('TransactionEnded'));
      await replug(st);
      await st.advance(SETTLE_MS);
      setInput(st, 'emergencyStop', false);
      assert.equal(st.station.evse(1)!.hasFault('emergency-stop'), false, 'the fault cleared');
      await st.advance(SETTLE_MS);
      assert.equal(st.relay, false);
      assert.equal(started(st), 1);
      await replug(st);
      await charging(st, 2);
    });

    it('unplugged while the emergency stop is pressed, plugged in after the release: that plug-in is the deliberate act and charges at once', async () => {
      const st = open({ authorization: FREE });
      st.hw.setPlugged(true);
      await charging(st);
      setInput(st, 'emergencyStop', true);
      await st.advance();
      assert.ok(st.last('TransactionEnded'));
      st.hw.setPlugged(false);
      assert.equal(st.station.evse(1)!.connectors[0]!.inputs.plugged, false, 'the unplug seen');
      setInput(st, 'emergencyStop', false);
      assert.equal(st.station.evse(1)!.hasFault('emergency-stop'), false, 'the fault cleared');
      await st.advance(SETTLE_MS);
      assert.equal(st.station.evse(1)!.tripped, true, 'no vehicle has come since the release');
      st.hw.setPlugged(true);
      await charging(st, 2);
      assert.equal(st.station.evse(1)!.tripped, false);
    });

    it('the latch survives a restart of the agent (a crash is no deliberate act): the vehicle still plugged in does not charge until plugged in again', async () => {
      let st = open({ authorization: FREE });
      st.hw.setPlugged(true);
      await charging(st);
      await tripAndRelease(st, 'emergencyStop', 'EmergencyStop');
      const { store, clock, hw } = st;
      await st.advance();
      st.close();
      st = open({ authorization: FREE, store, clock, hardware: hw });
      await st.advance(SETTLE_MS);
      assert.ok(st.station.evse(1)!.connectors[0]!.inputs.plugged, 'the cable is still in');
      assert.equal(st.station.evse(1)!.tripped, true);
      assert.equal(st.relay, false);
      assert.equal(started(st), 0);
      await replug(st);
      await charging(st);
    });

    it('a disk that cannot keep the latch: the relay opens, the agent goes on (the failure is reported), and the latch holds in memory', async () => {
      const reported: string[] = [];
      const memory = new MemoryStore();
      const store = {
        read: <T,>(name: string): T | undefined => memory.read<T>(name),
        write: (name: string, value: unknown): void => {
          if (name === 'trip-latches') throw new Error('ENOSPC: no space left on device');
          memory.write(name, value);
        },
      };
      const st = open({ authorization: FREE, store, onStoreError: (m) => reported.push(m) });
      st.hw.setPlugged(true);
      await charging(st);
      await tripAndRelease(st, 'emergencyStop', 'EmergencyStop');
      assert.equal(reported.length, 1, reported.join('; '));
      assert.match(reported[0]!, /trip latches.*ENOSPC/);
    });

    it('overcurrent cleared by the local action with the vehicle still plugged in: no new session until it is plugged in again', async () => {
      const st = open({ authorization: FREE, safety: { ...DEFAULT_SAFETY, overcurrentAfterS: 0 } });
      st.hw.setPlugged(true);
      await charging(st);
      st.hw.evCurrentA = 40;
      await st.advance(1000);
      const ended = st.last('TransactionEnded')!;
      assert.equal(ended.stoppedReason, 'OvercurrentFault');
      st.hw.evCurrentA = 16;
      assert.deepEqual(st.station.clearLatchedFaults(1)[0]!.cleared, ['overcurrent']);
      await st.advance(SETTLE_MS);
      assert.equal(st.relay, false);
      assert.equal(started(st), 1);
      await replug(st);
      await charging(st, 2);
    });

    it('a contactor that failed to close, cleared by the local action: no new session until the vehicle is plugged in again', async () => {
      const st = open({ authorization: FREE, feedback: true, safety: { ...DEFAULT_SAFETY, contactorFeedbackTimeoutMs: 100 } });
      st.hw.setContactorFault('fails-to-close');
      st.hw.setPlugged(true);
      assert.ok(st.last('TransactionStarted'));
      await st.advance(100);
      const ended = st.last('TransactionEnded')!;
      assert.equal(ended.stoppedReason, 'Other');
      assert.ok(st.station.evse(1)!.hasFault('contactor-failed'));
      st.hw.setContactorFault('none');
      assert.deepEqual(st.station.clearLatchedFaults(1)[0]!.cleared, ['contactor-failed']);
      await st.advance(SETTLE_MS);
      assert.equal(st.relay, false);
      assert.equal(started(st), 1);
      await replug(st);
      await charging(st, 2);
    });
  });

  describe('authorization by the CSMS (charging.authorization "csms")', () => {
    it('a card: after the emergency stop is released nothing closes the relay; presenting the card again charges', async () => {
      const st = open();
      st.hw.setPlugged(true);
      await st.station.presentIdToken(1, CARD1);
      await charging(st);
      await tripAndRelease(st, 'emergencyStop', 'EmergencyStop');
      assert.deepEqual(await st.station.presentIdToken(1, CARD1), { outcome: 'authorized', evseId: 1 });
      await charging(st, 2);
      assert.equal(st.station.evse(1)!.tripped, false);
    });

    it('safety.resumeAfterTrip "replug": after the release a card and a remote start are refused until the vehicle is unplugged and plugged in again', async () => {
      const st = open({ safety: { ...DEFAULT_SAFETY, resumeAfterTrip: 'replug' } });
      st.hw.setPlugged(true);
      await st.station.presentIdToken(1, CARD1);
      await charging(st);
      await tripAndRelease(st, 'emergencyStop', 'EmergencyStop');
      const asked = st.authorizer.asked.length;
      assert.deepEqual(await st.station.presentIdToken(1, CARD1), { outcome: 'rejected', status: 'Unavailable' });
      assert.equal(st.authorizer.asked.length, asked, 'the authority is not even asked');
      assert.deepEqual(await st.station.requestStart({ evseId: 1, idToken: CARD1, remoteStartId: 4, authorizeFirst: false }), { status: 'Rejected', reason: 'Faulted' });
      await st.advance(SETTLE_MS);
      assert.equal(st.relay, false);
      await replug(st);
      assert.deepEqual(await st.station.presentIdToken(1, CARD1), { outcome: 'authorized', evseId: 1 });
      await charging(st, 2);
    });

    it('a card is refused while the emergency stop is pressed, and that refusal leaves nothing to close the relay at the release', async () => {
      const st = open();
      st.hw.setPlugged(true);
      setInput(st, 'emergencyStop', true);
      assert.ok(st.station.evse(1)!.hasFault('emergency-stop'), 'the fault raised');
      assert.deepEqual(await st.station.presentIdToken(1, CARD1), { outcome: 'rejected', status: 'Unavailable' });
      setInput(st, 'emergencyStop', false);
      assert.equal(st.station.evse(1)!.hasFault('emergency-stop'), false, 'the fault cleared');
      await st.advance(SETTLE_MS);
      assert.equal(st.relay, false);
      assert.equal(started(st), 0);
    });

    it('a remote start: after the RCD is released nothing closes the relay; a new remote start charges', async () => {
      const st = open();
      st.hw.setPlugged(true);
      assert.equal((await st.station.requestStart({ evseId: 1, idToken: CARD1, remoteStartId: 1, authorizeFirst: false })).status, 'Accepted');
      await charging(st);
      await tripAndRelease(st, 'rcd', 'GroundFault');
      assert.equal((await st.station.requestStart({ evseId: 1, idToken: CARD1, remoteStartId: 2, authorizeFirst: false })).status, 'Accepted');
      await charging(st, 2);
    });

    it('a remote start whose authorization answer arrives while the emergency stop is active does not authorize (nothing to resume at the release)', async () => {
      const st = open();
      st.hw.setPlugged(true);
      assert.equal(st.station.statusOf(1, 1), 'Occupied');
      // The answer to the CSMS goes out at once; the token check answers after the stop was pressed.
      const answer = st.station.requestStart({ evseId: 1, idToken: CARD1, remoteStartId: 3, authorizeFirst: true });
      st.station.raiseFault('emergency-stop', undefined, 'pressed');
      assert.equal((await answer).status, 'Accepted');
      await st.advance(1000);
      assert.equal(st.station.evse(1)!.authorizedBy, undefined);
      st.station.clearFault('emergency-stop', undefined, 'released');
      await st.advance(SETTLE_MS);
      assert.equal(st.relay, false);
      assert.equal(started(st), 0);
    });

    it('the local authorization list (offline): after the emergency stop is released nothing closes the relay; the card again charges', async () => {
      const store = new MemoryStore();
      const list = new LocalAuthorizationList(store);
      assert.equal(list.update('Full', 1, [{ idToken: CARD1, info: { status: 'Accepted' } }]).status, 'Accepted');
      const authorizer = new LocalAuthorizer({
        remote: { authorize: async () => ({ status: 'Unknown', unreachable: true }) },
        cache: new AuthorizationCache(store),
        list,
        online: () => false,
        settings: () => ({ localAuthorizeOffline: true, localPreAuthorize: false, offlineTxForUnknownIdEnabled: false, cacheEnabled: true, localListEnabled: true }),
      });
      const st = open({ authorizer });
      st.hw.setPlugged(true);
      assert.deepEqual(await st.station.presentIdToken(1, CARD1), { outcome: 'authorized', evseId: 1 });
      await charging(st);
      await tripAndRelease(st, 'emergencyStop', 'EmergencyStop');
      assert.deepEqual(await st.station.presentIdToken(1, CARD1), { outcome: 'authorized', evseId: 1 });
      await charging(st, 2);
    });

    it('a reservation used by its driver: after the emergency stop is released the relay stays open', async () => {
      const st = open();
      assert.equal(st.station.reserve(1, { id: 7, idToken: CARD1, expiresAt: new Date(st.clock.nowMs() + 60_000) }), 'Accepted');
      st.hw.setPlugged(true);
      assert.deepEqual(await st.station.presentIdToken(1, CARD1), { outcome: 'authorized', evseId: 1 });
      await charging(st);
      assert.equal(st.events.find((e) => e.type === 'TransactionStarted')!.transaction.reservationId, 7);
      await tripAndRelease(st, 'emergencyStop', 'EmergencyStop');
    });
  });
});
