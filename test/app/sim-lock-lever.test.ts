import assert from 'node:assert/strict';
import { simRoute, type SimulationLevers } from '../../src/api/sim-routes.js';
import { HttpError } from '../../src/api/http-util.js';
import { UNLOCK_CONFIRM_WITHIN_MS } from '../../src/hal/drivers/gpio/gpio-connector-lock.js';
import { openStationHardware } from '../../src/hal/station-hardware.js';
import { FakeClock } from '../../src/station/clock.js';
import { scratchSimulatorConfig } from '../helpers/cli.js';
import { inertLevers } from '../helpers/sim-levers.js';

/** POST /api/sim/evses/{e}/connectors/{c}/lock: jams or frees a connector's simulated cable lock. */
describe('simulation lever: the cable lock', () => {
  const levers = (setCableLockFault?: SimulationLevers['setCableLockFault']): SimulationLevers => inertLevers({ setCableLockFault });
  const noToken = async (): Promise<never> => {
    throw new Error('no card reader here');
  };
  const status = async (p: Promise<unknown>): Promise<number> => p.then(() => 200, (err: unknown) => (err instanceof HttpError ? err.status : 500));

  it('passes the fault to the lever and answers what it set; 400 for an unknown fault, 404 for an unknown connector, 409 without the lever', async () => {
    const pulled: unknown[] = [];
    const sim = levers((e, c, f) => pulled.push([e, c, f]));
    assert.deepEqual(await simRoute(['evses', '1', 'connectors', '1', 'lock'], { fault: 'stuck-locked' }, sim, noToken), { ok: true, evseId: 1, connectorId: 1, lock: 'stuck-locked' });
    assert.deepEqual(await simRoute(['evses', '1', 'connectors', '1', 'lock'], { fault: 'none' }, sim, noToken), { ok: true, evseId: 1, connectorId: 1, lock: 'none' });
    assert.deepEqual(pulled, [[1, 1, 'stuck-locked'], [1, 1, 'none']]);
    assert.equal(await status(simRoute(['evses', '1', 'connectors', '1', 'lock'], { fault: 'jammed' }, sim, noToken)), 400);
    assert.equal(await status(simRoute(['evses', '1', 'connectors', '2', 'lock'], { fault: 'none' }, sim, noToken)), 404);
    assert.equal(await status(simRoute(['evses', '1', 'connectors', '1', 'lock'], { fault: 'none' }, levers(), noToken)), 409);
  });

  it('on the simulated world: 409 for a connector without a lock line, and a jammed lock holds its feedback active', async () => {
    const config = scratchSimulatorConfig('evse-sim-lock');
    const connector = config.evses[0]!.connectors[0]!;
    const hw = await openStationHardware(config);
    try {
      const sim = levers((e, c, f) => hw.simulation.setCableLockFault(e, c, f));
      assert.equal(await status(simRoute(['evses', '1', 'connectors', '1', 'lock'], { fault: 'stuck-locked' }, sim, noToken)), 409, 'simulator.json has no lock');
    } finally {
      await hw.close();
    }
    const withLock = {
      ...config,
      evses: [{ ...config.evses[0]!, connectors: [{ ...connector, lock: { line: 12, activeLow: false }, lockFeedback: { line: 16, activeLow: true, debounceMs: 0 } }] }],
    };
    const clock = new FakeClock();
    const locked = await openStationHardware(withLock, { clock });
    try {
      const c = locked.evses[0]!.connectors[0]!;
      assert.equal(c.lockFeedback!.active, false, 'a lock at rest does not hold the cable');
      locked.simulation.setCableLockFault(1, 1, 'stuck-locked');
      assert.equal(c.lockFeedback!.active, true, 'jammed: the feedback says it holds');
      const answer = c.cableLock!.unlock();
      await clock.advanceAsync(UNLOCK_CONFIRM_WITHIN_MS);
      assert.equal(await answer, false, 'UnlockFailed');
      locked.simulation.setCableLockFault(1, 1, 'none');
      assert.equal(c.lockFeedback!.active, false);
      assert.equal(await c.cableLock!.unlock(), true);
    } finally {
      await locked.close();
    }
  });
});
