import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Agent } from '../../src/app/agent.js';
import type { StationConfig } from '../../src/config/station-config.js';
import { SimulatedWorld } from '../../src/hal/simulated-world.js';
import { silentLogger } from '../../src/process/logger.js';
import { FakeClock } from '../../src/station/clock.js';
import { DevCsms } from '../../tools/dev-csms/dev-csms.js';
import { stationsAgainst } from '../helpers/agent-hooks.js';
import type { MessageRecord } from '../../tools/dev-csms/station-record.js';
import { scratchSimulatorConfig } from '../helpers/cli.js';

/**
 * Issue 18 (SD card wear): an idle station, connected, its meter polled every second and its
 * heartbeats going, writes nothing at all in storage.dir. Heartbeats are not journaled (OCPP asks
 * no persistence of them), and nothing else may be rewritten on a timer while nothing happens.
 * Time is a FakeClock: N heartbeat intervals of 1 Hz meter polls take milliseconds.
 */

const HEARTBEAT_INTERVAL_S = 20;
const HEARTBEATS = 4;

/** Every file under `dir` with what changes when it is written or replaced: inode, size, mtime in ns. */
function storageState(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const st = statSync(file, { bigint: true });
    files.set(path.relative(dir, file), `ino ${st.ino} size ${st.size} mtime ${st.mtimeNs}`);
  }
  return files;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until the start-up's own writes (boot id, relay map, the boot's heartbeat interval) are over: the folder unchanged for 300 ms. */
async function settled(dir: string): Promise<Map<string, string>> {
  const deadline = Date.now() + 10_000;
  let before = storageState(dir);
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const now = storageState(dir);
    if (JSON.stringify([...now]) === JSON.stringify([...before])) return now;
    if (Date.now() > deadline) throw new Error('storage.dir still changing 10 s after the boot');
    before = now;
  }
}

describe('idle writes (issue 18): a connected idle station writes nothing in storage.dir', function () {
  this.timeout(30_000);
  const csms = new DevCsms({ port: 0, heartbeatIntervalS: HEARTBEAT_INTERVAL_S });
  const { agents, worlds } = stationsAgainst(csms);

  for (const version of ['2.0.1', '1.6'] as const) {
    it(`OCPP ${version}: ${HEARTBEATS} heartbeats later (a meter poll every second, clock-aligned meter values), no file in storage.dir was written`, async () => {
      const identity = `IDLE-WRITES-${version}`;
      const base = scratchSimulatorConfig('evse-idle-writes');
      const config: StationConfig = {
        ...base,
        station: { ...base.station, identity },
        ocpp: { ...base.ocpp, url: csms.url, version },
        api: { ...base.api, host: '127.0.0.1', port: 0 },
      };
      const clock = new FakeClock(Date.now());
      // The CSMS's time is the station's fake one, or the station would set its clock back at each
      // heartbeat (a SettingSystemTime security event, written).
      csms.answer('Heartbeat', () => ({ currentTime: clock.now().toISOString() }));
      const world = new SimulatedWorld({ clock });
      worlds.push(world);
      const agent = await Agent.create({ config, log: silentLogger, hardware: { kind: 'simulated', world }, clock });
      agents.push(agent);
      await until(() => agent.status().connection.bootState === 'Accepted', 'the boot accepted');
      const dir = agent.config.storage.dir;
      const before = await settled(dir);

      const fromStation = (): MessageRecord[] => csms.station(identity)?.messages.filter((m) => m.direction === 'fromStation') ?? [];
      const heartbeats = (): number => fromStation().filter((m) => m.kind === 'call' && m.action === 'Heartbeat').length;
      const answered = (): boolean => (csms.station(identity)?.messages.filter((m) => m.direction === 'toStation' && m.kind !== 'call').length ?? 0) === fromStation().filter((m) => m.kind === 'call').length;
      const first = heartbeats();
      // A second at a time: each one a meter poll, as on the station; clock-aligned meter values
      // (every 60 s) go too, and a heartbeat whenever nothing else went for its interval.
      for (let s = 1; heartbeats() < first + HEARTBEATS; s++) {
        if (s > HEARTBEATS * HEARTBEAT_INTERVAL_S * 2) assert.fail(`${heartbeats() - first} heartbeats in ${s} s`);
        await clock.advanceAsync(1000);
        // The CSMS answers on the real loopback before time moves on.
        await until(answered, `the CSMS's answers at ${s} s`);
        // What the simulated world's save timer does every 5 s of real time.
        if (s % 5 === 0) world.saveRegisters();
      }
      // Writes made asynchronously after the last heartbeat would land within this.
      await new Promise((r) => setTimeout(r, 300));

      assert.equal(agent.status().connection.connected, true);
      assert.deepEqual(storageState(dir), before);
    });
  }
});
