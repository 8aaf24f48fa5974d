import assert from 'node:assert/strict';
import path from 'node:path';
import { BehaviorSubject } from 'rxjs';
import { resolveConfig } from '../../../src/config/load-config.js';
import type { StationConfig } from '../../../src/config/station-config.js';
import { openStationHardware, SimulatedWorld, type StationHardware } from '../../../src/hal/station-hardware.js';
import { LocalLimits, type EvseSession, type ExternalLimitEvent } from '../../../src/services/local-limits/local-limits.js';
import { FakeClock } from '../../../src/station/clock.js';
import { simulatorDoc } from '../../helpers/cli.js';
import { capturingLogger } from '../../helpers/logging.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

// The local limits service on the hardware the factory opens for a simulated station: the grid
// meter reads the simulated house's load plus what the EVSE draws, and the limit follows the house;
// the grid operator's lever caps the station. This is the wiring the agent does.

describe('local limits on a simulated station: grid meter with a house load, grid operator lever', () => {
  let clock: FakeClock;
  let world: SimulatedWorld;
  let config: StationConfig;
  let hw: StationHardware;
  let service: LocalLimits;
  const sessions = new BehaviorSubject<readonly EvseSession[]>([]);
  const external: ExternalLimitEvent[] = [];

  beforeEach(async () => {
    clock = new FakeClock();
    world = new SimulatedWorld({ clock });
    const dir = makeTempDir('local-limits-world');
    const doc = simulatorDoc();
    doc['storage'] = { dir };
    doc['supply'] = {
      gridMeter: { driver: 'simulated', mainFuseA: 35, raiseAfterS: 30, simulation: { voltageNoiseV: 0, houseCurrentA: [10, 4, 0] } },
      gridOperator: { line: 25, maxPowerW: 4200 },
    };
    config = resolveConfig(doc, path.join(dir, 'config.json')).config;
    hw = await openStationHardware(config, { world, clock });
    service = new LocalLimits({
      clock,
      log: capturingLogger([]),
      evses: config.evses.map((e) => ({ evseId: e.id, maxCurrentA: e.maxCurrentA, phases: e.phases, voltageV: 230 })),
      supply: config.supply,
      sessions$: sessions,
      gridMeter: hw.supply!.gridMeter!,
      evseMeters: hw.evses.map((e) => ({ evseId: e.evseId, meter: e.meter })),
      gridOperator: hw.supply!.gridOperator!,
    });
    external.length = 0;
    service.external$.subscribe((e) => external.push(e));
    sessions.next([{ evseId: 1, charging: true, since: clock.now() }]);
    service.start();
  });

  afterEach(async () => {
    service.stop();
    await hw.close();
    await world.close();
    removeTempDir(config.storage.dir);
  });

  /** One poll of the EVSE's meter, then of the grid meter (the service takes the grid reading). */
  async function readBoth(): Promise<void> {
    await hw.evses[0]!.meter.poll();
    await hw.supply!.gridMeter!.poll();
  }

  it('the EVSE gets the fuse less the house less the margin, and less at once when the house takes more', async () => {
    // The EV draws 16 A per phase through the closed contactor: the grid meter reads 26/20/16, the house is still 10/4/0.
    hw.evses[0]!.connectors[0]!.relay.set(true);
    await readBoth();
    assert.deepEqual(service.limitOf(1), { valueA: 23, source: 'grid-meter' });
    hw.simulation.setHouseLoad([25, 4, 0]);
    await readBoth();
    assert.deepEqual(service.limitOf(1), { valueA: 8, source: 'grid-meter' });
    hw.simulation.setHouseLoad([30, 4, 0]);
    await readBoth();
    assert.deepEqual(service.limitOf(1), { valueA: 0, source: 'grid-meter' }, 'under 6 A: paused');
    assert.deepEqual(external.at(-1), { source: 'EMS', active: true, limitW: 2070 });
    // The house calms down: the limit comes back only after 30 s of room.
    hw.simulation.setHouseLoad([0, 0, 0]);
    await readBoth();
    assert.deepEqual(service.limitOf(1), { valueA: 0, source: 'grid-meter' });
    await clock.advanceAsync(30_000);
    await readBoth();
    assert.equal(service.limitOf(1), undefined, '33 A of room is more than the EVSE\'s 32 A');
    assert.deepEqual(external.at(-1), { source: 'EMS', active: false });
  });

  it('the grid operator\'s lever caps the EVSE to 4200 W (6.0 A on 3 phases) after the input\'s debounce, and releases it', async () => {
    // The grid meter, polling from the start, read the house's 10 A on L1 (23 A left); an empty house lifts that after 30 s.
    await readBoth();
    assert.deepEqual(service.limitOf(1), { valueA: 23, source: 'grid-meter' });
    hw.simulation.setHouseLoad([0, 0, 0]);
    await clock.advanceAsync(31_000);
    assert.equal(service.limitOf(1), undefined);
    hw.simulation.setGridOperatorSignal(true);
    await clock.advanceAsync(100);
    assert.deepEqual(service.limitOf(1), { valueA: 6, source: 'grid-operator' });
    assert.deepEqual(external.at(-1), { source: 'SO', active: true, limitW: 4200 });
    hw.simulation.setGridOperatorSignal(false);
    await clock.advanceAsync(100);
    assert.equal(service.limitOf(1), undefined);
    assert.deepEqual(external.at(-1), { source: 'SO', active: false });
  });
});
