import assert from 'node:assert/strict';
import { OpenEvsePilot } from '../../../src/hal/drivers/openevse/openevse-pilot.js';
import { RapiEvseState } from '../../../src/hal/drivers/openevse/rapi-codec.js';
import { SimulatedOpenEvse, type SimulatedOpenEvseOptions } from '../../../src/hal/drivers/simulated/simulated-openevse.js';
import type { PilotStatus } from '../../../src/hal/roles/control-pilot.js';
import { systemClock } from '../../../src/station/clock.js';
import { openPtyPair, type PtyPair } from '../../helpers/socat.js';

/**
 * The real OpenEVSE driver on one end of a socat pty pair, the simulated OpenEVSE board (RAPI)
 * on the other: states as the vehicle plugs and the offer changes, board faults, a board that
 * stops answering, one that reboots and forgets the offer, and $AT notifications between polls.
 */

async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('OpenEVSE pilot driver against the simulated OpenEVSE on a pty pair', function () {
  this.timeout(20000);
  let pty: PtyPair;
  let sim: SimulatedOpenEvse;
  let pilot: OpenEvsePilot;
  let seen: string[];

  async function setUp(options: SimulatedOpenEvseOptions = {}): Promise<void> {
    pty = await openPtyPair();
    sim = new SimulatedOpenEvse({ maxA: 32, savedCapacityA: 16, ...options });
    await sim.serve(pty.a);
    pilot = new OpenEvsePilot({ name: 'evse 1', path: pty.b, clock: systemClock, failAfterPolls: 2, answerTimeoutMs: 250 });
    seen = [];
    pilot.status$.subscribe((s: PilotStatus) => seen.push(s.boardErrors.length ? `${s.vehicleState}:${s.boardErrors.join()}` : s.vehicleState));
  }

  afterEach(async () => {
    await pilot?.close();
    await sim?.close();
    await pty?.close();
  });

  it('reads A -> B -> C as the vehicle plugs and is offered current; 0 A sleeps the board (B); unplugged A', async () => {
    await setUp();
    const idle = await pilot.poll();
    assert.equal(idle?.vehicleState, 'A', pilot.health.lastFault?.message);
    // Nothing offered yet: the board was put to sleep.
    assert.equal(sim.mode, 'sleeping');
    sim.vehicle.plugIn();
    assert.equal((await pilot.poll())?.vehicleState, 'B');
    pilot.setOfferedCurrent(20);
    const charging = await pilot.poll();
    assert.equal(charging?.vehicleState, 'C');
    assert.equal(charging?.offeredCurrentA, 20);
    assert.equal(charging?.rawState, RapiEvseState.C);
    assert.equal(charging?.cableRatingA, undefined);
    assert.equal(sim.capacityA, 20);
    // Volatile: the board's saved capacity is left alone.
    assert.equal(sim.savedCapacityA, 16);
    pilot.setOfferedCurrent(0);
    const paused = await pilot.poll();
    assert.equal(sim.mode, 'sleeping');
    assert.equal(paused?.vehicleState, 'B');
    assert.equal(paused?.offeredCurrentA, 0);
    assert.equal(pilot.offeredCurrentA, 0);
    sim.vehicle.unplug();
    await pilot.poll();
    assert.deepEqual(seen, ['A', 'B', 'C', 'B', 'A']);
    assert.equal(pilot.health.state, 'ok', pilot.health.lastFault?.message);
  });

  it('reports a shorted diode as F with diode-check, board faults as F with their error, and D', async () => {
    await setUp();
    sim.vehicle.plugIn();
    pilot.setOfferedCurrent(16);
    await pilot.poll();
    sim.vehicle.fault = 'diode-short';
    await pilot.poll();
    sim.vehicle.fault = 'none';
    sim.vehicle.needsVentilation = true;
    await pilot.poll();
    sim.fault = { mode: 'board', evseState: RapiEvseState.GfciFault };
    const gfci = await pilot.poll();
    assert.equal(gfci?.offeredCurrentA, 0);
    sim.fault = { mode: 'board', evseState: RapiEvseState.OverTemperature };
    await pilot.poll();
    sim.fault = { mode: 'none' };
    await pilot.poll();
    assert.deepEqual(seen, ['C', 'F:diode-check', 'D', 'F:ground-fault', 'F:over-temperature', 'D']);
  });

  it('clamps an offer above the board`s most to it and does not re-send it at every poll', async () => {
    await setUp();
    sim.vehicle.plugIn();
    pilot.setOfferedCurrent(40);
    const reading = await pilot.poll();
    assert.equal(reading?.offeredCurrentA, 32);
    assert.equal(pilot.offeredCurrentA, 32);
    const before = sim.received.filter((l) => l.startsWith('$SC')).length;
    await pilot.poll();
    await pilot.poll();
    assert.equal(sim.received.filter((l) => l.startsWith('$SC')).length, before);
  });

  it('turns failed (F) when the board stops answering, and recovers', async () => {
    await setUp();
    sim.vehicle.plugIn();
    pilot.setOfferedCurrent(16);
    await pilot.poll();
    sim.fault = { mode: 'silent' };
    await pilot.poll();
    assert.equal(pilot.health.state, 'ok');
    await pilot.poll();
    assert.equal(pilot.health.state, 'failed');
    assert.equal(pilot.health.lastFault?.kind, 'timeout');
    assert.equal(pilot.status?.vehicleState, 'F');
    sim.fault = { mode: 'none' };
    await pilot.poll();
    assert.equal(pilot.health.state, 'ok');
    assert.equal(pilot.status?.vehicleState, 'C');
    assert.deepEqual(seen, ['C', 'F', 'C']);
  });

  it('says the offer again when the board rebooted (forgot the volatile SC, woke up)', async () => {
    await setUp();
    sim.vehicle.plugIn();
    pilot.setOfferedCurrent(24);
    await pilot.poll();
    sim.reboot();
    assert.equal(sim.capacityA, 16);
    await pilot.poll();
    await until('the offer sent again', () => sim.capacityA === 24);
    assert.equal((await pilot.poll())?.offeredCurrentA, 24);
    // Paused, the reboot wakes the board: it is put back to sleep.
    pilot.setOfferedCurrent(0);
    await pilot.poll();
    sim.reboot();
    assert.equal(sim.mode, 'enabled');
    await pilot.poll();
    await until('the board asleep again', () => sim.mode === 'sleeping');
  });

  it('polls on its own with start(), and takes $AT notifications as fresh status between polls', async () => {
    await setUp({ notifyStateChanges: true });
    pilot.start(60_000);
    await until('the first poll', () => pilot.health.polls === 1 && sim.mode === 'sleeping');
    sim.vehicle.plugIn();
    await until('B from a notification', () => pilot.status?.vehicleState === 'B');
    pilot.setOfferedCurrent(16);
    await until('C from a notification', () => pilot.status?.vehicleState === 'C');
    assert.equal(pilot.health.polls, 1);
  });

  it('keeps B for a sleeping board on old firmware (no pilot state in GS), and falls back to SC without V', async () => {
    await setUp({ reportsPilotState: false, acceptsVolatileSc: false });
    sim.vehicle.plugIn();
    pilot.setOfferedCurrent(20);
    await pilot.poll();
    assert.equal(sim.capacityA, 20);
    assert.equal(sim.savedCapacityA, 20);
    pilot.setOfferedCurrent(0);
    assert.equal((await pilot.poll())?.vehicleState, 'B');
    pilot.setOfferedCurrent(10);
    await pilot.poll();
    assert.deepEqual(seen, ['C', 'B', 'C']);
  });

  it('puts the board to sleep when closed', async () => {
    await setUp();
    sim.vehicle.plugIn();
    pilot.setOfferedCurrent(16);
    await pilot.poll();
    assert.equal(sim.mode, 'enabled');
    await pilot.close();
    assert.equal(sim.mode, 'sleeping');
  });
});
