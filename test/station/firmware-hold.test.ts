import assert from 'node:assert/strict';
import { FakeClock } from '../../src/station/clock.js';
import type { StationEvent } from '../../src/station/events.js';
import { Station } from '../../src/station/station.js';
import { Play, authorize, events, find, plug, relayCommands, txEvents } from './decide-play.js';
import { DEFAULT_SETTINGS, FakeEvseHardware, MemoryStore, TokenList } from './fake-station.js';

/**
 * OCPP 2.0.1 L01.FR.07 (1.6 security whitepaper L01.FR.07/19): while a firmware install waits for
 * the running transactions (AllowNewSessionsPendingFirmwareUpdate false), every EVSE not in use is
 * Unavailable, and so is any EVSE that becomes free meanwhile; lifted (update cancelled or failed),
 * each shows its real status again. The availability the CSMS set is not touched.
 */

const CARD1 = { idToken: 'CARD1', type: 'ISO14443' as const };
const hold = (held: boolean) => ({ type: 'HoldForFirmware', held }) as const;
const statuses = (commands: ReturnType<Play['send']>): string[] => events(commands).flatMap((e) => (e.type === 'ConnectorStatusChanged' ? [e.status] : []));

describe('L01.FR.07 firmware hold in decide()', () => {
  it('an idle EVSE is reported Unavailable while held and Available once lifted; its availability levels stay operative', () => {
    const p = new Play().ready();
    assert.equal(p.state.lastStatus[1], 'Available');
    assert.deepEqual(statuses(p.send(hold(true))), ['Unavailable']);
    assert.deepEqual(p.state.availability, { station: true, evse: true, connectors: {} }, 'not a ChangeAvailability');
    assert.equal(p.state.connectors[0]!.operative, true);
    assert.deepEqual(statuses(p.send(hold(true))), [], 'held twice: nothing new');
    assert.deepEqual(statuses(p.send(hold(false))), ['Available']);
  });

  it('an EVSE in a transaction goes on charging; once its vehicle leaves it is reported Unavailable, never Available in between', () => {
    const p = new Play().ready();
    p.send(plug(true), authorize());
    assert.ok(p.state.tx);
    assert.equal(p.state.lastStatus[1], 'Occupied');
    const onHold = p.send(hold(true));
    assert.deepEqual(statuses(onHold), [], 'in use: no status change');
    assert.deepEqual(txEvents(onHold), []);
    assert.ok(!relayCommands(onHold).includes(false), 'the relay stays closed');
    const unplugged = p.send(plug(false));
    assert.deepEqual(statuses(unplugged), ['Unavailable']);
    const ended = p.send({ type: 'FinalReading', reading: undefined });
    assert.ok(find(ended, 'TransactionEnded'));
    assert.deepEqual(statuses(ended), [], 'already Unavailable');
    assert.equal(p.state.lastStatus[1], 'Unavailable');
    assert.deepEqual(statuses(p.send(hold(false))), ['Available']);
  });

  it('a driver authorized before the hold keeps the EVSE; when the authorization times out it becomes Unavailable', () => {
    const p = new Play().ready();
    p.send(authorize());
    assert.deepEqual(statuses(p.send(hold(true))), []);
    const timedOut = p.send({ type: 'TimerFired', name: 'ev-connection' });
    assert.equal(p.state.authorization, undefined);
    assert.equal(p.state.lastStatus[1], 'Unavailable');
    assert.deepEqual(txEvents(timedOut), []);
  });

  it('a vehicle plugged in while held starts no transaction (TxStartPoint EVConnected); lifted, it starts', () => {
    const p = new Play({ txStartPoints: ['EVConnected'] }).ready();
    p.send(hold(true));
    const plugged = p.send(plug(true));
    assert.deepEqual(txEvents(plugged), []);
    assert.equal(p.state.tx, undefined);
    assert.equal(p.state.lastStatus[1], 'Unavailable');
    const lifted = p.send(hold(false));
    assert.deepEqual(statuses(lifted), ['Occupied']);
    assert.deepEqual(txEvents(lifted), ['TransactionStarted']);
  });

  it('a reserved EVSE shows Unavailable while held and keeps its reservation: Reserved again once lifted', () => {
    const p = new Play().ready();
    p.send({ type: 'Reserve', reservation: { id: 7, idToken: CARD1, expiresAt: new Date(Date.UTC(2026, 0, 1, 13)) } });
    assert.equal(p.state.lastStatus[1], 'Reserved');
    const held = p.send(hold(true));
    assert.deepEqual(statuses(held), ['Unavailable']);
    assert.equal(find(held, 'ReservationEnded'), undefined);
    assert.equal(p.state.reservation?.id, 7);
    assert.deepEqual(statuses(p.send(hold(false))), ['Reserved']);
  });

  it('a faulted EVSE stays Faulted while held', () => {
    const p = new Play().ready();
    p.send({ type: 'RaiseFault', fault: 'emergency-stop' });
    assert.equal(p.state.lastStatus[1], 'Faulted');
    assert.deepEqual(statuses(p.send(hold(true))), []);
  });
});

describe('L01.FR.07 Station.holdNewSessions on two EVSEs (FakeClock)', () => {
  let clock: FakeClock;
  let hw: FakeEvseHardware[];
  let station: Station;
  let store: MemoryStore;
  const seen: StationEvent[] = [];
  const statusesOf = (evseId: number): string[] => seen.flatMap((e) => (e.type === 'ConnectorStatusChanged' && e.evseId === evseId ? [e.status] : []));

  beforeEach(() => {
    seen.length = 0;
    clock = new FakeClock();
    hw = [new FakeEvseHardware(clock, 1), new FakeEvseHardware(clock, 2)];
    store = new MemoryStore();
    let ids = 0;
    station = new Station({
      evses: hw.map((h) => h.port),
      settings: () => DEFAULT_SETTINGS,
      authorization: { mode: 'csms' },
      authorizer: new TokenList({ CARD1: { status: 'Accepted' } }),
      store,
      clock,
      newTransactionId: () => `tx-${++ids}`,
    });
    station.events$.subscribe((e) => seen.push(e));
    station.start();
    for (const h of hw) h.tick();
  });
  afterEach(() => station.stop());

  it('the idle EVSE goes Unavailable while the other charges; the charging one is untouched; both Available again when lifted', async () => {
    hw[0]!.setPlugged(true);
    assert.deepEqual(await station.presentIdToken(1, CARD1), { outcome: 'authorized', evseId: 1 });
    assert.equal(hw[0]!.relayClosed, true);
    const before = seen.length;
    station.holdNewSessions(true);
    await clock.advanceAsync(3000);
    const during = seen.slice(before);
    assert.deepEqual(
      during.filter((e) => e.type === 'ConnectorStatusChanged').map((e) => e.type === 'ConnectorStatusChanged' && `${e.evseId}:${e.status}`),
      ['2:Unavailable'],
    );
    assert.ok(!during.some((e) => e.type === 'TransactionEnded'));
    assert.equal(hw[0]!.relayClosed, true, 'the running transaction charges on');
    assert.equal(station.statusOf(2, 1), 'Unavailable');
    assert.equal(station.evse(2)!.isOperative, true, 'the availability set by the CSMS is untouched');
    assert.equal(store.read('availability'), undefined, 'nothing kept across a restart');
    hw[1]!.setPlugged(true);
    assert.deepEqual(await station.presentIdToken(2, CARD1), { outcome: 'rejected', status: 'Unavailable' });
    hw[1]!.setPlugged(false);
    station.holdNewSessions(false);
    await clock.advanceAsync(0);
    assert.deepEqual(statusesOf(2), ['Available', 'Unavailable', 'Available']);
    assert.deepEqual(statusesOf(1), ['Available', 'Occupied']);
  });

  it('a reservation of no particular EVSE is refused while the free EVSE is held, and accepted once lifted', async () => {
    hw[0]!.setPlugged(true);
    await station.presentIdToken(1, CARD1);
    station.holdNewSessions(true);
    await clock.advanceAsync(0);
    const reservation = { id: 3, idToken: CARD1, expiresAt: new Date(clock.nowMs() + 3_600_000) };
    assert.equal(station.reserve(undefined, reservation), 'Occupied');
    assert.equal(station.reserve(2, { ...reservation, id: 4 }), 'Unavailable');
    station.holdNewSessions(false);
    await clock.advanceAsync(0);
    assert.equal(station.reserve(undefined, reservation), 'Accepted');
  });

  it('the EVSE whose transaction ends while held becomes Unavailable too', async () => {
    hw[0]!.setPlugged(true);
    await station.presentIdToken(1, CARD1);
    station.holdNewSessions(true);
    await clock.advanceAsync(1000);
    hw[0]!.setPlugged(false);
    await clock.advanceAsync(1000);
    assert.ok(seen.some((e) => e.type === 'TransactionEnded'));
    assert.deepEqual(statusesOf(1), ['Available', 'Occupied', 'Unavailable']);
    assert.deepEqual(station.transactions(), []);
  });
});
