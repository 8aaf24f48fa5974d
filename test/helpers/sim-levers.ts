import type { SimulationLevers } from '../../src/api/sim-routes.js';

/**
 * Simulation levers that do nothing, for tests of the /api/sim routes' own logic: one EVSE with
 * one connector and no inputs unless `overrides` says otherwise, and only the levers a test gives.
 */
export function inertLevers(overrides: Partial<SimulationLevers> = {}): SimulationLevers {
  return {
    setPlugged: () => undefined,
    setEvCharging: () => undefined,
    setInput: () => undefined,
    setEvCurrent: () => undefined,
    setContactorFault: () => undefined,
    setMeterFault: () => undefined,
    hasEvse: (e) => e === 1,
    hasConnector: (e, c) => e === 1 && c === 1,
    hasInput: () => false,
    ...overrides,
  };
}
