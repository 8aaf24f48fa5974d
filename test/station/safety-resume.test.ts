import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuthorizationCache, LocalAuthorizationList, LocalAuthorizer } from '../../src/services/authorization/index.js';
import { SimulatedWorld } from '../../src/hal/simulated-world.js';
import { DEFAULT_SAFETY } from '../../src/station/ports.js';
import type { AuthorizationMode } from '../../src/station/station.js';
import { JsonFileStore } from '../../src/store/json-file-store.js';
import { is, openSimStation, sleep, type SimStation } from '../helpers/sim-station.js';

/**
 * Energy never comes back by itself after a safety trip (emergency stop, RCD, overcurrent, a
 * contactor that failed to close): releasing the input or clearing the fault leaves the relay
 * open until a deliberate act, in every authorization mode. The core on simulated hardware.
 */

const CARD1 = { idToken: 'CARD1', type: 'ISO14443' as const };
const FREE: AuthorizationMode = { mode: 'free', idToken: { idToken: 'HOME', type: 'Local' } };
/** Long enough for several meter polls (50 ms) and the inputs' debounce: anything that would close the relay has had its chance. */
const SETTLE_MS = 400;

describe('safety: energy does not come back by itself after a trip', function () {
  this.timeout(15000);
  let s: SimStation | undefined;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evse-trip-'));
  });
  afterEach(async () => {
    await s?.close();
    s = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (options: Parameters<typeof openSimStation>[0] = {}): Promise<SimStation> => (s = await openSimStation({ storageDir: dir, ...options }));
  const relay = (st: SimStation): boolean => st.hw.evses[0]!.connectors[0]!.relay.active;
  const started = (st: SimStation): number => st.events.filter((e) => e.type === 'TransactionStarted').length;
  /** Waits until the `count`th transaction has started and the relay is closed. */
  const charging = (st: SimStation, count = 1): Promise<void> => waitFor(() => started(st) >= count && relay(st), `transaction ${count} charging`);
  /** Trips the input, checks the session ended for `reason`, releases it, and checks nothing came back. */
  const tripAndRelease = async (st: SimStation, input: 'emergencyStop' | 'rcd', reason: string): Promise<void> => {
    const before = started(st);
    const from = st.events.length;
    st.hw.simulation.setInput(input, true);
    const ended = await st.next(is('TransactionEnded'), 3000, from);
    assert.equal(ended.stoppedReason, reason);
    assert.equal(relay(st), false);
    st.hw.simulation.setInput(input, false);
    await st.next(is('FaultChanged', (e) => !e.active), 3000, from);
    await sleep(SETTLE_MS);
    assert.equal(relay(st), false, 'the relay stays open after the release');
    assert.equal(started(st), before, 'no new transaction after the release');
    assert.equal(st.station.evse(1)!.authorizedBy, undefined, 'nobody authorized');
    assert.equal(st.station.evse(1)!.tripped, true);
  };
  const replug = async (st: SimStation): Promise<void> => {
    st.hw.simulation.setPlugged(1, 1, false);
    await waitFor(() => !st.station.evse(1)!.connectors[0]!.inputs.plugged, 'the unplug seen');
    st.hw.simulation.setPlugged(1, 1, true);
  };

  describe('free charging (charging.authorization "free")', () => {
    for (const [input, reason] of [
      ['emergencyStop', 'EmergencyStop'],
      ['rcd', 'GroundFault'],
    ] as const) {
      it(`${input}: released with the vehicle still plugged in, no transaction starts and the relay stays open; unplug and plug in again charges`, async () => {
        const st = await open({ authorization: FREE });
        st.hw.simulation.setPlugged(1, 1, true);
        await charging(st);
        await tripAndRelease(st, input, reason);
        await replug(st);
        await charging(st, 2);
        assert.equal(st.station.evse(1)!.tripped, false);
      });
    }

    it('an unplug while the emergency stop is still pressed does not count: after the release the vehicle must be plugged in again', async () => {
      const st = await open({ authorization: FREE });
      st.hw.simulation.setPlugged(1, 1, true);
      await charging(st);
      st.hw.simulation.setInput('emergencyStop', true);
      await st.next(is('TransactionEnded'));
      await replug(st);
      await sleep(SETTLE_MS);
      st.hw.simulation.setInput('emergencyStop', false);
      await waitFor(() => !st.station.evse(1)!.hasFault('emergency-stop'), 'the fault cleared');
      await sleep(SETTLE_MS);
      assert.equal(relay(st), false);
      assert.equal(started(st), 1);
      await replug(st);
      await charging(st, 2);
    });

    it('unplugged while the emergency stop is pressed, plugged in after the release: that plug-in is the deliberate act and charges at once', async () => {
      const st = await open({ authorization: FREE });
      st.hw.simulation.setPlugged(1, 1, true);
      await charging(st);
      st.hw.simulation.setInput('emergencyStop', true);
      await st.next(is('TransactionEnded'));
      st.hw.simulation.setPlugged(1, 1, false);
      await waitFor(() => !st.station.evse(1)!.connectors[0]!.inputs.plugged, 'the unplug seen');
      st.hw.simulation.setInput('emergencyStop', false);
      await waitFor(() => !st.station.evse(1)!.hasFault('emergency-stop'), 'the fault cleared');
      await sleep(SETTLE_MS);
      assert.equal(st.station.evse(1)!.tripped, true, 'no vehicle has come since the release');
      st.hw.simulation.setPlugged(1, 1, true);
      await charging(st, 2);
      assert.equal(st.station.evse(1)!.tripped, false);
    });

    it('the latch survives a restart of the agent (a crash is no deliberate act): the vehicle still plugged in does not charge until plugged in again', async () => {
      const world = new SimulatedWorld();
      let st = await open({ authorization: FREE, world });
      st.hw.simulation.setPlugged(1, 1, true);
      await charging(st);
      await tripAndRelease(st, 'emergencyStop', 'EmergencyStop');
      await st.close();
      st = await open({ authorization: FREE, world });
      await sleep(SETTLE_MS);
      assert.ok(st.station.evse(1)!.connectors[0]!.inputs.plugged, 'the cable is still in');
      assert.equal(st.station.evse(1)!.tripped, true);
      assert.equal(relay(st), false);
      assert.equal(started(st), 0);
      await replug(st);
      await charging(st);
    });

    it('a disk that cannot keep the latch: the relay opens, the agent goes on (the failure is reported), and the latch holds in memory', async () => {
      const reported: string[] = [];
      const files = new JsonFileStore(dir);
      const store = {
        read: <T,>(name: string): T | undefined => files.read<T>(name),
        write: (name: string, value: unknown): void => {
          if (name === 'trip-latches') throw new Error('ENOSPC: no space left on device');
          files.write(name, value);
        },
      };
      const st = await open({ authorization: FREE, store, onStoreError: (m) => reported.push(m) });
      st.hw.simulation.setPlugged(1, 1, true);
      await charging(st);
      await tripAndRelease(st, 'emergencyStop', 'EmergencyStop');
      assert.equal(reported.length, 1, reported.join('; '));
      assert.match(reported[0]!, /trip latches.*ENOSPC/);
    });

    it('overcurrent cleared by the local action with the vehicle still plugged in: no new session until it is plugged in again', async () => {
      const st = await open({ authorization: FREE, safety: { ...DEFAULT_SAFETY, overcurrentAfterS: 0 } });
      st.hw.simulation.setPlugged(1, 1, true);
      await charging(st);
      st.hw.simulation.setEvCurrent(1, [40, 40, 40]);
      const ended = await st.next(is('TransactionEnded'));
      assert.equal(ended.stoppedReason, 'OvercurrentFault');
      st.hw.simulation.setEvCurrent(1, [16, 16, 16]);
      assert.deepEqual(st.station.clearLatchedFaults(1)[0]!.cleared, ['overcurrent']);
      await sleep(SETTLE_MS);
      assert.equal(relay(st), false);
      assert.equal(started(st), 1);
      await replug(st);
      await charging(st, 2);
    });

    it('a contactor that failed to close, cleared by the local action: no new session until the vehicle is plugged in again', async () => {
      const st = await open({ authorization: FREE, safety: { ...DEFAULT_SAFETY, contactorFeedbackTimeoutMs: 100 } });
      st.hw.simulation.setContactorFault(1, 1, 'fails-to-close');
      st.hw.simulation.setPlugged(1, 1, true);
      await st.next(is('TransactionStarted'));
      const ended = await st.next(is('TransactionEnded'));
      assert.equal(ended.stoppedReason, 'Other');
      assert.ok(st.station.evse(1)!.hasFault('contactor-failed'));
      st.hw.simulation.setContactorFault(1, 1, 'none');
      assert.deepEqual(st.station.clearLatchedFaults(1)[0]!.cleared, ['contactor-failed']);
      await sleep(SETTLE_MS);
      assert.equal(relay(st), false);
      assert.equal(started(st), 1);
      await replug(st);
      await charging(st, 2);
    });
  });

  describe('authorization by the CSMS (charging.authorization "csms")', () => {
    it('a card: after the emergency stop is released nothing closes the relay; presenting the card again charges', async () => {
      const st = await open();
      st.hw.simulation.setPlugged(1, 1, true);
      await st.station.presentIdToken(1, CARD1);
      await charging(st);
      await tripAndRelease(st, 'emergencyStop', 'EmergencyStop');
      assert.deepEqual(await st.station.presentIdToken(1, CARD1), { outcome: 'authorized', evseId: 1 });
      await charging(st, 2);
      assert.equal(st.station.evse(1)!.tripped, false);
    });

    it('safety.resumeAfterTrip "replug": after the release a card and a remote start are refused until the vehicle is unplugged and plugged in again', async () => {
      const st = await open({ safety: { ...DEFAULT_SAFETY, resumeAfterTrip: 'replug' } });
      st.hw.simulation.setPlugged(1, 1, true);
      await st.station.presentIdToken(1, CARD1);
      await charging(st);
      await tripAndRelease(st, 'emergencyStop', 'EmergencyStop');
      const asked = st.authorizer.asked.length;
      assert.deepEqual(await st.station.presentIdToken(1, CARD1), { outcome: 'rejected', status: 'Unavailable' });
      assert.equal(st.authorizer.asked.length, asked, 'the authority is not even asked');
      assert.deepEqual(await st.station.requestStart({ evseId: 1, idToken: CARD1, remoteStartId: 4, authorizeFirst: false }), { status: 'Rejected', reason: 'Faulted' });
      await sleep(SETTLE_MS);
      assert.equal(relay(st), false);
      await replug(st);
      assert.deepEqual(await st.station.presentIdToken(1, CARD1), { outcome: 'authorized', evseId: 1 });
      await charging(st, 2);
    });

    it('a card is refused while the emergency stop is pressed, and that refusal leaves nothing to close the relay at the release', async () => {
      const st = await open();
      st.hw.simulation.setPlugged(1, 1, true);
      st.hw.simulation.setInput('emergencyStop', true);
      await waitFor(() => st.station.evse(1)!.hasFault('emergency-stop'), 'the fault raised');
      assert.deepEqual(await st.station.presentIdToken(1, CARD1), { outcome: 'rejected', status: 'Unavailable' });
      st.hw.simulation.setInput('emergencyStop', false);
      await waitFor(() => !st.station.evse(1)!.hasFault('emergency-stop'), 'the fault cleared');
      await sleep(SETTLE_MS);
      assert.equal(relay(st), false);
      assert.equal(started(st), 0);
    });

    it('a remote start: after the RCD is released nothing closes the relay; a new remote start charges', async () => {
      const st = await open();
      st.hw.simulation.setPlugged(1, 1, true);
      assert.equal((await st.station.requestStart({ evseId: 1, idToken: CARD1, remoteStartId: 1, authorizeFirst: false })).status, 'Accepted');
      await charging(st);
      await tripAndRelease(st, 'rcd', 'GroundFault');
      assert.equal((await st.station.requestStart({ evseId: 1, idToken: CARD1, remoteStartId: 2, authorizeFirst: false })).status, 'Accepted');
      await charging(st, 2);
    });

    it('a remote start whose authorization answer arrives while the emergency stop is active does not authorize (nothing to resume at the release)', async () => {
      const st = await open();
      st.hw.simulation.setPlugged(1, 1, true);
      await waitFor(() => st.station.statusOf(1, 1) === 'Occupied', 'Occupied');
      // The answer to the CSMS goes out at once; the token check answers after the stop was pressed.
      const answer = st.station.requestStart({ evseId: 1, idToken: CARD1, remoteStartId: 3, authorizeFirst: true });
      st.station.raiseFault('emergency-stop', undefined, 'pressed');
      assert.equal((await answer).status, 'Accepted');
      await sleep(50);
      assert.equal(st.station.evse(1)!.authorizedBy, undefined);
      st.station.clearFault('emergency-stop', undefined, 'released');
      await sleep(SETTLE_MS);
      assert.equal(relay(st), false);
      assert.equal(started(st), 0);
    });

    it('the local authorization list (offline): after the emergency stop is released nothing closes the relay; the card again charges', async () => {
      const store = new JsonFileStore(path.join(dir, 'auth'));
      const list = new LocalAuthorizationList(store);
      assert.equal(list.update('Full', 1, [{ idToken: CARD1, info: { status: 'Accepted' } }]).status, 'Accepted');
      const authorizer = new LocalAuthorizer({
        remote: { authorize: async () => ({ status: 'Unknown', unreachable: true }) },
        cache: new AuthorizationCache(store),
        list,
        online: () => false,
        settings: () => ({ localAuthorizeOffline: true, localPreAuthorize: false, offlineTxForUnknownIdEnabled: false, cacheEnabled: true, localListEnabled: true }),
      });
      const st = await open({ authorizer });
      st.hw.simulation.setPlugged(1, 1, true);
      assert.deepEqual(await st.station.presentIdToken(1, CARD1), { outcome: 'authorized', evseId: 1 });
      await charging(st);
      await tripAndRelease(st, 'emergencyStop', 'EmergencyStop');
      assert.deepEqual(await st.station.presentIdToken(1, CARD1), { outcome: 'authorized', evseId: 1 });
      await charging(st, 2);
    });

    it('a reservation used by its driver: after the emergency stop is released the relay stays open', async () => {
      const st = await open();
      assert.equal(st.station.reserve(1, { id: 7, idToken: CARD1, expiresAt: new Date(Date.now() + 60_000) }), 'Accepted');
      st.hw.simulation.setPlugged(1, 1, true);
      assert.deepEqual(await st.station.presentIdToken(1, CARD1), { outcome: 'authorized', evseId: 1 });
      await charging(st);
      assert.equal(st.events.find((e) => e.type === 'TransactionStarted')!.transaction.reservationId, 7);
      await tripAndRelease(st, 'emergencyStop', 'EmergencyStop');
    });
  });
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(20);
  }
}
