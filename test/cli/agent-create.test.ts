import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Agent } from '../../src/app/agent.js';
import type { StationConfig } from '../../src/config/station-config.js';
import { SimulatedWorld } from '../../src/hal/simulated-world.js';
import { OcppClient, type OcppClientOptions } from '../../src/ocpp/ocpp-client.js';
import { silentLogger } from '../../src/process/logger.js';
import { FakeClock } from '../../src/station/clock.js';
import { RELAY_MAP_FILE } from '../../src/store/relay-map.js';
import { DevCsms } from '../../tools/dev-csms/dev-csms.js';
import { stationsAgainst } from '../helpers/agent-hooks.js';
import { scratchSimulatorConfig } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Agent.create builds one whole station from its parts (config, clock, storage, hardware,
 * transport); the CLI's run and demo go through it. Two stations in one process share nothing but
 * the event loop: each its own world, storage, connection and core.
 */
describe('Agent.create: whole stations from their parts', function () {
  this.timeout(30000);
  const csms = new DevCsms({ port: 0 });
  const { agents, worlds } = stationsAgainst(csms);

  /** config/simulator.json as station `identity` of the test CSMS, its API on any port. */
  function configOf(identity: string): StationConfig {
    const base = scratchSimulatorConfig('evse-agent-create');
    return { ...base, station: { ...base.station, identity }, ocpp: { ...base.ocpp, url: csms.url }, api: { ...base.api, host: '127.0.0.1', port: 0 } };
  }

  async function simulatedStation(identity: string, parts: Partial<Parameters<typeof Agent.create>[0]> = {}): Promise<{ agent: Agent; world: SimulatedWorld }> {
    const world = new SimulatedWorld();
    worlds.push(world);
    const agent = await Agent.create({ config: configOf(identity), log: silentLogger, hardware: { kind: 'simulated', world }, ...parts });
    agents.push(agent);
    return { agent, world };
  }

  async function booted(agent: Agent): Promise<void> {
    const deadline = Date.now() + 15000;
    while (agent.status().connection.bootState !== 'Accepted') {
      if (Date.now() > deadline) throw new Error(`${agent.config.station.identity} did not boot`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const connectorStatus = (agent: Agent): string => agent.status().evses[0]!.connectors[0]!.status;

  it('two stations in one process against one CSMS: each boots, keeps its own state, and stops alone', async () => {
    const a = await simulatedStation('CREATE-A');
    const b = await simulatedStation('CREATE-B');
    await Promise.all([booted(a.agent), booted(b.agent)]);
    assert.deepEqual(csms.stations().map((s) => s.identity).sort(), ['CREATE-A', 'CREATE-B']);
    assert.notEqual(a.agent.config.storage.dir, b.agent.config.storage.dir);
    assert.notEqual(a.agent.apiPort, b.agent.apiPort);

    // A cable in A's world is A's alone.
    a.agent.hardware.simulation.setPlugged(1, 1, true);
    const deadline = Date.now() + 5000;
    while (connectorStatus(a.agent) !== 'Occupied' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(connectorStatus(a.agent), 'Occupied');
    assert.equal(connectorStatus(b.agent), 'Available');

    // Stopping A leaves B connected and running.
    await agents.shift()!.stop();
    assert.equal(a.agent.client.isConnected, false);
    assert.equal(b.agent.client.isConnected, true);
    assert.equal(b.agent.status().connection.bootState, 'Accepted');
  });

  it('storage: the station writes where it is told, not in the config\'s storage.dir', async () => {
    const dir = makeTempDir('evse-agent-create-storage');
    const { agent } = await simulatedStation('CREATE-STORAGE', { storage: { dir } });
    assert.equal(agent.config.storage.dir, dir);
    assert.ok(existsSync(path.join(dir, RELAY_MAP_FILE)));
  });

  it('storage scratch: a folder of the station\'s own, gone once it stops', async () => {
    const { agent } = await simulatedStation('CREATE-SCRATCH', { storage: { scratch: true } });
    const dir = agent.config.storage.dir;
    assert.notEqual(dir, configOf('CREATE-SCRATCH').storage.dir);
    assert.ok(existsSync(path.join(dir, RELAY_MAP_FILE)));
    await agents.splice(agents.indexOf(agent), 1)[0]!.stop();
    assert.equal(existsSync(dir), false);
  });

  it('transport: the OCPP client is made by the given connect(), with the station\'s options', async () => {
    const made: OcppClientOptions[] = [];
    const { agent } = await simulatedStation('CREATE-TRANSPORT', {
      transport: {
        connect: (options) => {
          made.push(options);
          return new OcppClient(options);
        },
      },
    });
    await booted(agent);
    assert.equal(made.length, 1);
    assert.equal(made[0]!.identity, 'CREATE-TRANSPORT');
    assert.equal(made[0]!.url, csms.url);
  });

  it('clock: the station reads its time from the given clock (the relay map\'s time, the status uptime)', async () => {
    const clock = new FakeClock(Date.UTC(2030, 5, 1, 8, 0, 0));
    const { agent } = await simulatedStation('CREATE-CLOCK', { clock });
    const map = JSON.parse(readFileSync(path.join(agent.config.storage.dir, RELAY_MAP_FILE), 'utf8')) as { writtenAt: string };
    assert.equal(map.writtenAt, '2030-06-01T08:00:00.000Z');
    assert.equal(agent.status().uptimeS, 0);
    clock.advance(90_000);
    assert.equal(agent.status().uptimeS, 90);
  });

  it('hardware "simulated" without a world: the station has one of its own, gone when it stops', async () => {
    const agent = await Agent.create({ config: configOf('CREATE-OWN-WORLD'), log: silentLogger, storage: { scratch: true }, hardware: { kind: 'simulated' } });
    agents.push(agent);
    await booted(agent);
    agent.hardware.simulation.setPlugged(1, 1, true);
    const deadline = Date.now() + 5000;
    while (connectorStatus(agent) !== 'Occupied' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(connectorStatus(agent), 'Occupied');
  });

  it('hardware "simulated" runs a station whose config names sysfs GPIO on simulated lines, and says so', async () => {
    const world = new SimulatedWorld();
    worlds.push(world);
    const config = configOf('CREATE-SIMULATED');
    const agent = await Agent.create({ config: { ...config, gpio: { driver: 'sysfs', sysfsRoot: '/nonexistent' } }, log: silentLogger, hardware: { kind: 'simulated', world } });
    agents.push(agent);
    assert.equal(agent.config.gpio.driver, 'simulated');
    assert.equal(agent.hardware.gpio.kind, 'simulated');
  });
});
