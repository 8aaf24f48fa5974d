import assert from 'node:assert/strict';
import { ModbusBus } from '../../../src/hal/drivers/modbus/modbus-bus.js';
import { ModbusPilotPort, RegisterPilot } from '../../../src/hal/drivers/modbus/modbus-pilot.js';
import { SimulatedPilotBoard, SimulatedPilotPort } from '../../../src/hal/drivers/simulated/simulated-pilot.js';
import type { VehicleState } from '../../../src/hal/roles/board-support.js';
import { decodeVehicleState, encodeOfferedCurrent, encodeVehicleState, withTurnOffBit } from '../../../src/hal/pilot/codec.js';
import { loadPilotProfile, validatePilotProfile, PilotProfileError } from '../../../src/hal/pilot/profile.js';
import { FakeClock } from '../../../src/station/clock.js';

/** The pilot driver's logic against the simulated board in process (no wire), on FakeClock. */

const profile = loadPilotProfile('evse-wb');

describe('pilot profile evse-wb and its codec', () => {
  it('has the registers the EVSE DIN documentation gives', () => {
    const r = profile.registers;
    assert.equal(r.offeredCurrent.register, 1000);
    assert.equal(r.offeredCurrent.writeFunction, 16);
    assert.equal(r.vehicleState.register, 1002);
    assert.equal(r.cableRating?.register, 1003);
    assert.equal(r.turnOff?.register, 1004);
    for (const spec of [r.offeredCurrent, r.vehicleState, r.cableRating!, r.turnOff!]) assert.equal(spec.readFunction, 3);
  });

  it('maps the state register to IEC 61851 letters, failure to E and anything unknown to F', () => {
    const got = [0, 1, 2, 3, 4, 5, 6, 0xffff].map((raw) => decodeVehicleState(profile, raw));
    assert.deepEqual(got, ['F', 'A', 'B', 'C', 'D', 'E', 'F', 'F']);
    assert.equal(encodeVehicleState(profile, 'C'), 3);
    assert.equal(encodeVehicleState(profile, 'F'), undefined);
  });

  it('encodes offers as whole amps, 0 below 6 A, capped at the board maximum', () => {
    assert.deepEqual([0, 5.9, 6, 16.7, 80, 200, Number.NaN, -3].map((a) => encodeOfferedCurrent(profile, a)), [0, 0, 6, 16, 80, 80, 0, 0]);
    assert.equal(withTurnOffBit(profile, 0b100, true), 0b101);
    assert.equal(withTurnOffBit(profile, 0b101, false), 0b100);
  });

  it('rejects a profile without a state mapping', () => {
    const broken = JSON.parse(JSON.stringify(profile)) as Record<string, unknown>;
    delete (broken.registers as Record<string, Record<string, unknown>>).vehicleState!.states;
    assert.throws(() => validatePilotProfile(broken, 'broken.json'), PilotProfileError);
  });
});

describe('register pilot against the simulated board', () => {
  let clock: FakeClock;
  let board: SimulatedPilotBoard;
  let pilot: RegisterPilot;
  let seen: VehicleState[];

  beforeEach(() => {
    clock = new FakeClock();
    board = new SimulatedPilotBoard(profile, 1);
    pilot = new RegisterPilot({ name: 'evse 1', profile, port: new SimulatedPilotPort(board), failAfterPolls: 3, clock });
    seen = [];
    pilot.vehicleState$.subscribe((s) => seen.push(s));
  });

  afterEach(async () => {
    await pilot.close();
    assert.equal(clock.pending, 0, 'no timer left armed');
  });

  it('follows A -> B -> C -> B -> A as the vehicle plugs, is offered current, is paused and unplugs', async () => {
    pilot.start(1000);
    await clock.advanceAsync(0);
    board.vehicle.plugIn();
    await clock.advanceAsync(1000);
    pilot.setOfferedCurrent(16);
    await pilot.applyOffer();
    assert.equal(board.offeredCurrentA, 16);
    await clock.advanceAsync(1000);
    assert.equal(pilot.latest?.offeredCurrentA, 16);
    pilot.setOfferedCurrent(0);
    await clock.advanceAsync(1000);
    assert.equal(board.offeredCurrentA, 0);
    board.vehicle.unplug();
    await clock.advanceAsync(1000);
    assert.deepEqual(seen, ['A', 'B', 'C', 'B', 'A']);
    assert.equal(pilot.health.state, 'ok');
    assert.equal(pilot.health.polls, 5);
  });

  it('reports D when the vehicle asks for ventilation, E and a shorted diode as E (EVSE DIN failure)', async () => {
    board.vehicle.plugIn();
    board.vehicle.needsVentilation = true;
    pilot.setOfferedCurrent(10);
    await pilot.applyOffer();
    await pilot.poll();
    board.vehicle.fault = 'state-e';
    await pilot.poll();
    board.vehicle.fault = 'none';
    await pilot.poll();
    board.vehicle.fault = 'diode-short';
    await pilot.poll();
    assert.deepEqual(seen, ['D', 'E', 'D', 'E']);
    assert.equal(pilot.latest?.rawState, 5);
  });

  it('reads the cable rating from the proximity pilot', async () => {
    board.cableRatingA = 20;
    await pilot.poll();
    assert.equal(pilot.cableRatingA, undefined, 'no cable while unplugged (the board reads 0): no rating to limit the offer by');
    board.vehicle.plugIn();
    await pilot.poll();
    assert.equal(pilot.cableRatingA, 20);
  });

  it('pauses with the turn-off bit: the board offers nothing and the vehicle goes back to B', async () => {
    board.vehicle.plugIn();
    pilot.setOfferedCurrent(16);
    await pilot.applyOffer();
    await pilot.poll();
    board.writeRegister(1004, withTurnOffBit(profile, 0, true));
    await pilot.poll();
    assert.deepEqual(seen, ['C', 'B']);
  });

  it('repeats the offer when the board lost it (a board reset)', async () => {
    board.vehicle.plugIn();
    pilot.setOfferedCurrent(13);
    await pilot.applyOffer();
    board.writeRegister(1000, 0);
    await pilot.poll();
    assert.equal(board.offeredCurrentA, 13);
    await pilot.poll();
    assert.deepEqual(seen, ['B', 'C']);
  });

  it('turns failed after N failed polls, says F meanwhile, and recovers on the next good poll', async () => {
    board.vehicle.plugIn();
    pilot.start(500);
    await clock.advanceAsync(0);
    board.fault = { mode: 'silent' };
    await clock.advanceAsync(1000);
    assert.equal(pilot.health.state, 'ok', 'two failed polls are not yet a failure');
    assert.equal(pilot.health.consecutiveFailedPolls, 2);
    await clock.advanceAsync(500);
    assert.equal(pilot.health.state, 'failed');
    assert.equal(pilot.health.lastFault?.kind, 'timeout');
    assert.equal(pilot.vehicleState, 'F');
    board.fault = { mode: 'none' };
    await clock.advanceAsync(500);
    assert.equal(pilot.health.state, 'ok');
    assert.deepEqual(seen, ['B', 'F', 'B']);
    assert.equal(pilot.health.failedPolls, 3);
  });

  it('counts a Modbus exception as a failed poll', async () => {
    board.fault = { mode: 'exception', code: 4 };
    await pilot.poll();
    assert.equal(pilot.health.lastFault?.kind, 'exception');
    assert.equal(pilot.health.consecutiveFailedPolls, 1);
  });
});

describe('simulated IEC 61851 vehicle', () => {
  it('stays in B with a current offered when full, and draws at most its own limit while charging', () => {
    const board = new SimulatedPilotBoard(profile, 1);
    const v = board.vehicle;
    v.maxCurrentA = 16;
    v.plugIn();
    board.writeRegister(1000, 32);
    assert.equal(board.vehicleState, 'C');
    assert.equal(v.drawnCurrentA(board.offeredCurrentA), 16);
    v.wantsEnergy = false;
    assert.equal(board.vehicleState, 'B');
    assert.equal(v.drawnCurrentA(board.offeredCurrentA), 0);
    v.fault = 'diode-short';
    v.unplug();
    assert.equal(v.fault, 'none', 'unplugging clears a vehicle fault');
    assert.equal(board.vehicleState, 'A');
  });

  it('refuses writes the real board would refuse', () => {
    const board = new SimulatedPilotBoard(profile, 1);
    assert.throws(() => board.writeRegister(1000, 3), /exception 3/);
    assert.throws(() => board.writeRegister(1002, 1), /exception 2/);
    assert.throws(() => board.readRegisters(3, 999, 1), /exception 2/);
    assert.deepEqual(board.readRegisters(3, 1002, 3), [1, 0, 0]);
  });
});

describe('simulated board write requests', () => {
  it('takes a function 16 write of the current, and none of a write it refuses in part', () => {
    const board = new SimulatedPilotBoard(profile, 1);
    board.writeRegisters(16, 1000, [16]);
    assert.equal(board.offeredCurrentA, 16);
    assert.throws(() => board.writeRegisters(5, 1000, [10]), /exception 1/);
    assert.throws(() => board.writeRegisters(16, 1000, [10, 0, 0, 0]), /exception 2/);
    assert.equal(board.offeredCurrentA, 16, 'a refused request changes nothing');
  });
});

describe('Modbus pilot port writes', () => {
  it('writes through the bus\'s write request, whole amps; close() waits for a write on its way and takes the offer back to 0 A', async () => {
    const board = new SimulatedPilotBoard(profile, 1);
    const bus = new ModbusBus({ kind: 'tcp', host: '127.0.0.1', port: 1, framing: 'mbap' }, { timeoutMs: 50, interRequestDelayMs: 0 });
    const calls: unknown[][] = [];
    const writer: Pick<ModbusBus, 'write'> = {
      write: async (unitId, fn, address, values) => {
        calls.push([unitId, fn, address, values]);
        board.writeRegisters(fn, address, values);
      },
    };
    const pilot = new RegisterPilot({ name: 'evse 1', profile, port: new ModbusPilotPort(Object.assign(bus, writer), 7), failAfterPolls: 3 });
    pilot.setOfferedCurrent(16.5);
    await pilot.close(); // waits for the write on its way, then stops the PWM
    assert.deepEqual(calls, [
      [7, 16, 1000, [16]],
      [7, 16, 1000, [0]],
    ]);
    assert.equal(board.offeredCurrentA, 0);
    await bus.close();
  });
});
