import type { Agent } from '../../src/app/agent.js';
import type { SimulatedWorld } from '../../src/hal/simulated-world.js';
import type { DevCsms } from '../../tools/dev-csms/dev-csms.js';

/**
 * Mocha hooks for tests that build whole stations with Agent.create against one development CSMS:
 * the CSMS listens before the first test and stops after the last; the agents and simulated worlds
 * a test pushes into the lists returned are stopped after that test.
 */
export function stationsAgainst(csms: DevCsms): { agents: Agent[]; worlds: SimulatedWorld[] } {
  const agents: Agent[] = [];
  const worlds: SimulatedWorld[] = [];
  before(() => csms.start());
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.stop();
    for (const w of worlds.splice(0)) await w.close();
  });
  after(() => csms.stop());
  return { agents, worlds };
}
