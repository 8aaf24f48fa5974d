import assert from 'node:assert/strict';
import type { EvseCommand } from '../../src/station/evse-command.js';
import type { EvseInput } from '../../src/station/evse-input.js';
import { initialEvseState, type EvseConfig } from '../../src/station/evse-state.js';
import type { PilotReport, VehicleState } from '../../src/station/types.js';
import { authorize, events, find, Play, reading, relayCommands, txEvents } from './decide-play.js';

/**
 * The core with a control pilot (IEC 61851-1), through decide(): the vehicle's state says plug and
 * demand, the offer follows the limits, faults open at once, a stop that is no fault reduces the
 * current before the contactor opens; and the cable lock that must hold before the relay closes.
 */

const PILOT: EvseConfig['pilot'] = { ventilation: false, releaseTimeoutMs: 3000 };
const pilotState = (config: Partial<EvseConfig> = {}) =>
  initialEvseState({ evseId: 1, maxCurrentA: 16, connectorIds: [1], pilot: PILOT, ...config });
const vehicle = (vehicleState: VehicleState, extra: Partial<PilotReport> = {}): EvseInput => ({
  type: 'PilotChanged',
  report: { vehicleState, boardErrors: [], ...extra },
});
const offers = (commands: EvseCommand[]): number[] => commands.flatMap((c) => (c.type === 'OfferCurrent' ? [c.amps] : []));
const statuses = (commands: EvseCommand[]): string[] => events(commands).flatMap((e) => (e.type === 'ConnectorStatusChanged' ? [e.status] : []));
const faultEvents = (commands: EvseCommand[]): string[] =>
  events(commands).flatMap((e) => (e.type === 'FaultChanged' ? [`${e.fault} ${e.active ? 'raised' : 'cleared'}`] : []));

/** A started EVSE with a pilot, a meter that answers, the vehicle as the board first reads it. */
function started(config: Partial<EvseConfig> = {}, first: VehicleState = 'A'): Play {
  const p = new Play({}, pilotState(config));
  p.send({ type: 'Reading', reading: reading(1000) }, { type: 'Started' }, vehicle(first));
  return p;
}

/** Plugged in (B), authorized, charging (C). */
function charging(config: Partial<EvseConfig> = {}): Play {
  const p = started(config);
  p.send(vehicle('B'), authorize(), vehicle('C'));
  return p;
}

describe('EVSE with a control pilot (IEC 61851-1)', () => {
  it('a whole session A -> B -> C -> B -> A: statuses, offer, relay and transaction follow the pilot', () => {
    const p = started();
    assert.equal(p.state.connectors[0]!.plugged, false);

    const b = p.send(vehicle('B'));
    assert.deepEqual(statuses(b), ['Occupied']);
    assert.deepEqual(offers(b), [], 'nothing offered before authorization');

    const auth = p.send(authorize());
    assert.deepEqual(offers(auth), [16], 'the EVSE limit is offered once authorized');
    assert.deepEqual(relayCommands(auth).filter(Boolean), [], 'in B the contactor stays open');

    const c = p.send(vehicle('C'));
    assert.ok(relayCommands(c).includes(true), 'the vehicle asks (C): the contactor closes');
    assert.deepEqual(txEvents(c), ['TransactionStarted']);
    assert.equal(find(c, 'TransactionStarted')?.chargingState, 'Charging');

    const pause = p.send(vehicle('B'));
    assert.equal(relayCommands(pause)[0], false, 'leaving C opens the contactor in the same decision');
    assert.ok(!relayCommands(pause).includes(true));
    assert.equal(find(pause, 'TransactionUpdated')?.chargingState, 'SuspendedEV');

    const gone = p.send(vehicle('A'));
    assert.deepEqual(statuses(gone), ['Available']);
    assert.deepEqual(offers(gone), [0]);
    const final = gone.find((x) => x.type === 'PollFinalReading');
    assert.ok(final, 'the end reads the meter');
    const ended = p.send({ type: 'FinalReading', reading: reading(1500, 10) });
    assert.equal(find(ended, 'TransactionEnded')?.stoppedReason, 'EVDisconnected');
  });

  it('the offer is the lowest of the EVSE limit and the cable rating; below 6 A it pauses (SuspendedEVSE)', () => {
    const p = started({}, 'B');
    const auth = p.send(vehicle('B', { cableRatingA: 13 }), authorize());
    assert.deepEqual(offers(auth), [13]);
    p.send(vehicle('C', { cableRatingA: 13 }));
    assert.equal(p.state.contactors[0]!.coil, true);
    const thinner = p.send(vehicle('C', { cableRatingA: 10 }));
    assert.deepEqual(
      thinner.filter((x) => x.type === 'OfferCurrent'),
      [{ type: 'OfferCurrent', amps: 10, lower: true }],
    );
    const lowCable = new Play({}, pilotState());
    lowCable.send({ type: 'Reading', reading: reading(1000) }, { type: 'Started' }, vehicle('B', { cableRatingA: 5 }));
    const refused = lowCable.send(authorize());
    assert.deepEqual(offers(refused), [], 'a 5 A cable gets no PWM offer');
    assert.equal(find(refused, 'TransactionStarted'), undefined);
  });

  it('state D without ventilation is refused: ventilation fault, no energy; with ventilation it charges', () => {
    const p = started();
    p.send(vehicle('B'), authorize());
    const d = p.send(vehicle('D'));
    assert.deepEqual(faultEvents(d), ['ventilation raised']);
    assert.equal(p.state.contactors[0]!.coil, false);
    assert.ok(statuses(d).includes('Faulted'));
    const back = p.send(vehicle('B'));
    assert.deepEqual(faultEvents(back), ['ventilation cleared']);

    const vented = started({ pilot: { ventilation: true, releaseTimeoutMs: 3000 } });
    vented.send(vehicle('B'), authorize());
    const dv = vented.send(vehicle('D'));
    assert.deepEqual(faultEvents(dv), []);
    assert.ok(relayCommands(dv).includes(true));
  });

  it('state E while charging: vehicle fault, the contactor opens at once (no current reduction first)', () => {
    const p = charging();
    const e = p.send(vehicle('E'));
    assert.equal(relayCommands(e)[0], false);
    assert.ok(!relayCommands(e).includes(true));
    assert.equal(p.state.pilot?.release, undefined, 'a fault is never held for a reduction');
    assert.deepEqual(faultEvents(e), ['vehicle raised']);
    assert.ok(statuses(e).includes('Faulted'));
    assert.deepEqual(offers(e), [0]);
    const ok = p.send(vehicle('B'));
    assert.deepEqual(faultEvents(ok), ['vehicle cleared']);
  });

  it("a failed diode check (F with diode-check) is the vehicle's fault; other board flags and silence are the board's", () => {
    const p = charging();
    const diode = p.send(vehicle('F', { boardErrors: ['diode-check'] }));
    assert.deepEqual(faultEvents(diode), ['vehicle raised']);
    assert.equal(p.state.contactors[0]!.coil, false);

    const q = charging();
    const gfi = q.send(vehicle('F', { boardErrors: ['ground-fault'] }));
    assert.deepEqual(faultEvents(gfi), ['pilot raised']);
    const r = charging();
    // As the drivers tell it: failed, then F while silent; back: the true state first, then ok.
    const silent = r.send({ type: 'PilotHealth', failure: 'no answer (timed out)' }, vehicle('F'));
    assert.deepEqual(faultEvents(silent), ['pilot raised'], "the board's silence is not the vehicle's fault");
    assert.equal(r.state.contactors[0]!.coil, false);
    const back = r.send(vehicle('C'), { type: 'PilotHealth' });
    assert.deepEqual(faultEvents(back), ['pilot cleared']);
    assert.equal(r.state.contactors[0]!.coil, true, 'the board answers again and the vehicle still asks: energy again');
  });

  it('a stop that is no fault offers 0 A first and opens when the vehicle leaves C', () => {
    const p = charging();
    const stop = p.send({ type: 'Deauthorize', cause: { trigger: 'RemoteStop', stopReason: 'Remote' } });
    assert.deepEqual(offers(stop), [0]);
    assert.deepEqual(relayCommands(stop).filter((x) => !x), [], 'the contactor stays closed under load while the vehicle reduces');
    assert.equal(txEvents(stop).length, 0, 'the end waits for the contactor');
    const b = p.send(vehicle('B'));
    assert.deepEqual(relayCommands(b)[0], false);
    assert.ok(b.some((x) => x.type === 'PollFinalReading'));
    const ended = p.send({ type: 'FinalReading', reading: reading(1200, 5) });
    const end = find(ended, 'TransactionEnded');
    assert.equal(end?.stoppedReason, 'Remote');
    assert.equal(end?.trigger, 'RemoteStop');
  });

  it('a vehicle that keeps drawing after the reduction: the contactor opens when releaseTimeoutMs is up', () => {
    const p = charging();
    const stop = p.send({ type: 'Deauthorize', cause: { trigger: 'StopAuthorized', stopReason: 'Local' } });
    const timer = stop.find((x) => x.type === 'ArmTimer' && x.name === 'pilot-release');
    assert.deepEqual(timer, { type: 'ArmTimer', name: 'pilot-release', ms: 3000 });
    const up = p.send({ type: 'TimerFired', name: 'pilot-release' });
    assert.deepEqual(relayCommands(up)[0], false);
    assert.ok(up.some((x) => x.type === 'PollFinalReading'));
  });

  it('K01: a charging limit reaches the vehicle as the offer; below 6 A it pauses (SuspendedEVSE) without ending the transaction; lifted, it resumes', () => {
    const p = charging();
    const lower = p.send({ type: 'SetChargingLimit', amps: 10 });
    assert.deepEqual(offers(lower), [10]);
    assert.equal(p.state.contactors[0]!.coil, true, 'a lower limit keeps charging');
    const pause = p.send({ type: 'SetChargingLimit', amps: 5 });
    assert.deepEqual(offers(pause), [0]);
    // The vehicle stops asking once the offer is gone (B): only then the contactor opens.
    assert.equal(p.state.contactors[0]!.coil, true);
    const b = p.send(vehicle('B'));
    assert.equal(p.state.contactors[0]!.coil, false);
    assert.equal(find(b, 'TransactionUpdated')?.chargingState, 'SuspendedEVSE');
    assert.equal(txEvents(b).includes('TransactionEnded'), false);
    const lifted = p.send({ type: 'SetChargingLimit', amps: undefined });
    assert.deepEqual(offers(lifted), [16], 'back to the EVSE limit');
    const c = p.send(vehicle('C'));
    assert.ok(relayCommands(c).includes(true));
    assert.equal(find(c, 'TransactionUpdated')?.chargingState, 'Charging');
  });

  it('K01: a change of LimitChangeSignificance or more is told as a transaction event (ChargingRateChanged); a smaller one is not', () => {
    const p = new Play({ limitChangeSignificancePercent: 10 }, pilotState());
    p.send({ type: 'Reading', reading: reading(1000) }, { type: 'Started' }, vehicle('A'), vehicle('B'), authorize(), vehicle('C'));
    const small = p.send({ type: 'SetChargingLimit', amps: 15 });
    assert.deepEqual(offers(small), [15]);
    assert.equal(find(small, 'TransactionUpdated'), undefined, '16 -> 15 A is 6 %');
    const big = p.send({ type: 'SetChargingLimit', amps: 10 });
    assert.equal(find(big, 'TransactionUpdated')?.trigger, 'ChargingRateChanged', '15 -> 10 A is 33 %');
    const quiet = new Play({}, pilotState());
    quiet.send({ type: 'Reading', reading: reading(1000) }, { type: 'Started' }, vehicle('A'), vehicle('B'), authorize(), vehicle('C'));
    assert.equal(find(quiet.send({ type: 'SetChargingLimit', amps: 10 }), 'TransactionUpdated'), undefined, 'without LimitChangeSignificance (1.6): no event');
  });

  it('a limit above maxCurrentA offers maxCurrentA; a spent invalid-token allowance stays 0 A whatever the limit', () => {
    const p = charging();
    assert.deepEqual(offers(p.send({ type: 'SetChargingLimit', amps: 40 })), []);
    assert.equal(p.state.pilot?.offeredA, 16);
    const q = new Play({ stopTxOnInvalidId: false, maxEnergyOnInvalidIdWh: 0 }, pilotState());
    q.send({ type: 'Reading', reading: reading(1000) }, { type: 'Started' }, vehicle('A'), vehicle('B'), authorize(), vehicle('C'));
    assert.deepEqual(offers(q.send({ type: 'TokenRejected' })), [0]);
    assert.deepEqual(offers(q.send({ type: 'SetChargingLimit', amps: 10 })), []);
    assert.equal(q.state.pilot?.offeredA, 0);
  });

  it('a fault during the reduction opens at once', () => {
    const p = charging();
    p.send({ type: 'Deauthorize', cause: { trigger: 'RemoteStop', stopReason: 'Remote' } });
    const fault = p.send({ type: 'RaiseFault', fault: 'emergency-stop' });
    assert.deepEqual(relayCommands(fault)[0], false);
    assert.ok(fault.some((x) => x.type === 'CancelTimer' && x.name === 'pilot-release'));
  });
});

describe('cable lock with feedback', () => {
  const lockState = () => initialEvseState({ evseId: 1, maxCurrentA: 16, connectorIds: [1], locks: [true] });
  const lockFeedback = (locked: boolean): EvseInput => ({ type: 'LockFeedback', index: 0, locked });
  const plugIn: EvseInput = { type: 'PlugChanged', index: 0, plugged: true, initial: false };

  it('the contactor closes only after the feedback says locked', () => {
    const p = new Play({}, lockState());
    p.send({ type: 'Reading', reading: reading(1000) }, { type: 'Started' }, lockFeedback(false), plugIn);
    const auth = p.send(authorize());
    assert.ok(auth.some((x) => x.type === 'SetLock' && x.locked));
    assert.deepEqual(relayCommands(auth).filter(Boolean), []);
    const locked = p.send(lockFeedback(true));
    assert.ok(relayCommands(locked).includes(true));
    const order = locked.filter((x) => x.type === 'SetRelay' || x.type === 'SetLock').map((x) => x.type);
    assert.deepEqual(order.at(-1), 'SetRelay');
  });

  it('a lock that does not lock in time is a fault (cable-lock), and no energy flows', () => {
    const p = new Play({}, lockState());
    p.send({ type: 'Reading', reading: reading(1000) }, { type: 'Started' }, lockFeedback(false), plugIn);
    const auth = p.send(authorize());
    assert.ok(auth.some((x) => x.type === 'ArmTimer' && x.name === 'lock-0'));
    const up = p.send({ type: 'TimerFired', name: 'lock-0' });
    assert.deepEqual(faultEvents(up), ['cable-lock raised']);
    assert.equal(p.state.contactors[0]!.coil, false);
    const late = p.send(lockFeedback(true));
    assert.deepEqual(faultEvents(late), ['cable-lock cleared']);
  });

  it('the session ends: the lock is released; one that holds on is a fault until it lets go', () => {
    const p = new Play({}, lockState());
    p.send({ type: 'Reading', reading: reading(1000) }, { type: 'Started' }, lockFeedback(false), plugIn, authorize(), lockFeedback(true));
    const stop = p.send({ type: 'Deauthorize', cause: { trigger: 'StopAuthorized', stopReason: 'Local' } });
    assert.ok(stop.some((x) => x.type === 'SetLock' && !x.locked));
    const failed = p.send({ type: 'UnlockFailed', index: 0 });
    assert.deepEqual(faultEvents(failed), ['cable-lock raised']);
    const freed = p.send(lockFeedback(false));
    assert.deepEqual(faultEvents(freed), ['cable-lock cleared']);
  });
});
