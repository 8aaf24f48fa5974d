import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { ModbusBusRegistry } from '../../src/hal/drivers/modbus/modbus-bus.js';
import { createEvsePilot } from '../../src/hal/pilot-factory.js';
import { cliEntry, repoRoot, runInProcess } from '../helpers/cli.js';
import { openPtyPair } from '../helpers/socat.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** meter-sim as a real process, read by `evse-agent meter read` as an installer would. */

class MeterSimProcess {
  private out = '';
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', cliEntry, 'meter-sim', ...args], { cwd: repoRoot });
    this.child.stdout.on('data', (d: Buffer) => (this.out += d.toString()));
    this.child.stderr.on('data', (d: Buffer) => (this.out += d.toString()));
  }

  /** Waits for a line of output matching re; returns the match. */
  async waitFor(re: RegExp, from = 0, timeoutMs = 10000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.out.slice(from).match(re);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`meter-sim never printed ${re}; output:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async command(line: string): Promise<string> {
    const from = this.out.length;
    this.child.stdin.write(`${line}\n`);
    return (await this.waitFor(/^(ok|error: .*|\[.*\])$/m, from))[0];
  }

  stop(): Promise<number | null> {
    return new Promise((resolve) => {
      this.child.once('exit', (code) => resolve(code));
      this.child.kill('SIGTERM');
    });
  }

  get output(): string {
    return this.out;
  }
}

function configFor(meter: Record<string, unknown>, pilot?: Record<string, unknown>): string {
  const dir = makeTempDir('evse-cfg');
  const file = path.join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      station: { identity: 'T1' },
      ocpp: { version: '2.0.1', url: 'ws://127.0.0.1:1/ocpp' },
      meter: { timeoutMs: 200, retries: 0, ...meter },
      gpio: { driver: 'simulated' },
      evses: [{ id: 1, ...(pilot ? { pilot } : {}), connectors: [{ id: 1, relay: { line: 17 } }] }],
      storage: { dir: 'var' },
    }),
  );
  return file;
}

describe('meter-sim (process) read by `evse-agent meter read`', function () {
  this.timeout(30000);

  it('serves a profile over Modbus TCP, with faults switched on standard input', async () => {
    const sim = new MeterSimProcess(['--profile', 'eastron-sdm630', '--tcp', '127.0.0.1:0', '--relay', 'closed', '--start-energy-wh', '5000', '--load', '10,10,10']);
    try {
      const port = Number((await sim.waitFor(/tcp:\/\/127\.0\.0\.1:(\d+)/))[1]);
      const file = configFor({ driver: 'modbus-tcp', host: '127.0.0.1', tcpPort: port, profile: 'eastron-sdm630' });

      const good = await runInProcess(['meter', 'read', '--config', file, '--json']);
      assert.equal(good.code, 0, good.stderr);
      const r = (JSON.parse(good.stdout) as { evses: Array<{ ok: boolean; reading: Record<string, number> }> }).evses[0]!;
      assert.ok(r.ok);
      assert.ok(r.reading['energyImportWh']! >= 5000 && r.reading['energyImportWh']! < 5100);
      assert.ok(Math.abs(r.reading['currentL2A']! - 10) < 1e-3);

      assert.equal(await sim.command('fault exception 4'), 'ok');
      const failed = await runInProcess(['meter', 'read', '--config', file, '--json']);
      assert.equal(failed.code, 69);
      const f = (JSON.parse(failed.stdout) as { evses: Array<{ ok: boolean; error: { kind: string; message: string } }> }).evses[0]!;
      assert.equal(f.ok, false);
      assert.equal(f.error.kind, 'exception');

      assert.equal(await sim.command('fault silent'), 'ok');
      const silent = await runInProcess(['meter', 'read', '--config', file]);
      assert.equal(silent.code, 69);
      assert.match(silent.stdout, /no reading: timeout/);

      assert.equal(await sim.command('fault none'), 'ok');
      assert.equal(await sim.command('relay open'), 'ok');
      const human = await runInProcess(['meter', 'read', '--config', file]);
      assert.equal(human.code, 0);
      assert.match(human.stdout, /currentL1A\s+0\.000 A/);
      assert.match(await sim.command('bogus'), /^error: unknown command/);
      const status = JSON.parse(await sim.command('status')) as Array<{ unitId: number; fault: string }>;
      assert.deepEqual(status.map((s) => [s.unitId, s.fault]), [[1, 'none']]);
    } finally {
      assert.equal(await sim.stop(), 0);
    }
    assert.match(sim.output, /stopped after \d+ requests/);
  });

  it('serves RTU frames over TCP for a transparent gateway', async () => {
    const sim = new MeterSimProcess(['--profile', 'abb-b23', '--tcp', '127.0.0.1:0', '--framing', 'rtu', '--unit-id', '3', '--start-energy-wh', '777000']);
    try {
      const port = Number((await sim.waitFor(/tcp:\/\/127\.0\.0\.1:(\d+) \(RTU over TCP\)/))[1]);
      const file = configFor({ driver: 'modbus-tcp', host: '127.0.0.1', tcpPort: port, tcpFraming: 'rtu', unitId: 3, profile: 'abb-b23' });
      const res = await runInProcess(['meter', 'read', '--config', file, '--json']);
      assert.equal(res.code, 0, res.stdout + res.stderr);
      const r = (JSON.parse(res.stdout) as { evses: Array<{ reading: Record<string, number> }> }).evses[0]!.reading;
      assert.equal(r['energyImportWh'], 777000);
      assert.equal(await sim.command('fault crc'), 'ok');
      const crc = await runInProcess(['meter', 'read', '--config', file, '--json']);
      assert.equal(crc.code, 69);
      assert.match(crc.stdout, /"kind": "crc"/);
    } finally {
      await sim.stop();
    }
  });

  it('answers on a serial line (socat pty pair) with the meter\'s serial settings', async () => {
    const pty = await openPtyPair();
    const sim = new MeterSimProcess(['--profile', 'eastron-sdm120', '--port', pty.a, '--baud-rate', '2400', '--unit-id', '1,2']);
    try {
      await sim.waitFor(/units 1,2 on .* 2400 8N1 \(RTU\)/);
      const file = configFor({ driver: 'modbus-rtu', port: pty.b, profile: 'eastron-sdm120', unitId: 2 });
      const res = await runInProcess(['meter', 'read', '--config', file, '--json']);
      assert.equal(res.code, 0, res.stdout + res.stderr);
      const r = (JSON.parse(res.stdout) as { evses: Array<{ reading: Record<string, number> }> }).evses[0]!.reading;
      // Unit 2 starts 1000 Wh above unit 1: the answer came from the addressed meter.
      assert.ok(r['energyImportWh']! >= 1000 && r['energyImportWh']! < 1001, String(r['energyImportWh']));
      assert.equal(r['voltageL2V'], undefined, 'a single-phase meter has no L2');
    } finally {
      await sim.stop();
      await pty.close();
    }
  });

  it('--pilot-unit: a pilot board on the same line, its vehicle driven on standard input and drawn through the meter', async () => {
    const sim = new MeterSimProcess(['--profile', 'eastron-sdm630', '--tcp', '127.0.0.1:0', '--pilot-unit', '2', '--load', '32']);
    const buses = new ModbusBusRegistry();
    try {
      const port = Number((await sim.waitFor(/pilot evse-wb unit 2 \(its vehicle draws through unit 1\) on tcp:\/\/127\.0\.0\.1:(\d+)/))[1]);
      const link = { host: '127.0.0.1', tcpPort: port };
      const file = configFor({ driver: 'modbus-tcp', ...link, profile: 'eastron-sdm630' }, { driver: 'modbus-tcp', ...link, unitId: 2, timeoutMs: 300 });
      // The agent's side: the real pilot driver on the same Modbus TCP link.
      const pilot = createEvsePilot(loadConfig(file).config.evses[0]!, buses)!;
      const state = async (): Promise<string | undefined> => (await pilot.poll())?.vehicleState;
      /** Offers `amps` as the agent does; resolves once the board reads it back (the write goes out after a read already queued). */
      const offer = async (amps: number): Promise<void> => {
        pilot.setOfferedCurrent(amps);
        for (let i = 0; i < 5; i++) if ((await pilot.poll())?.offeredCurrentA === amps) return;
        throw new Error(`the board never took the offer of ${amps} A`);
      };
      const currents = async (): Promise<number[]> => {
        const res = await runInProcess(['meter', 'read', '--config', file, '--json']);
        const r = (JSON.parse(res.stdout) as { evses: Array<{ reading: Record<string, number> }> }).evses[0]!.reading;
        return [r['currentL1A']!, r['currentL2A']!, r['currentL3A']!];
      };
      const status = async (): Promise<Record<string, unknown>> => (JSON.parse(await sim.command('unit 2 status')) as Array<Record<string, unknown>>)[0]!;

      assert.equal(await state(), 'A');
      assert.deepEqual(await currents(), [0, 0, 0]);
      assert.equal(await sim.command('plug'), 'ok');
      assert.equal(await state(), 'B', 'plugged, no offer yet');
      await offer(16);
      assert.equal(await state(), 'C', 'an offer over the wire: the vehicle charges');
      assert.deepEqual(await currents(), [16, 16, 16], 'it draws the offer through the meter (relay closed by default with a pilot)');
      assert.equal(await sim.command('vehicle max 10'), 'ok');
      assert.deepEqual(await currents(), [10, 10, 10], 'at most its own limit');
      assert.equal(await sim.command('vehicle ventilation'), 'ok');
      assert.equal(await state(), 'D');
      assert.deepEqual(await currents(), [10, 10, 10]);
      assert.equal(await sim.command('vehicle no-ventilation'), 'ok');
      assert.equal(await sim.command('vehicle full'), 'ok');
      assert.equal(await state(), 'B');
      assert.deepEqual(await currents(), [0, 0, 0], 'a full vehicle draws nothing');
      assert.equal(await sim.command('ev charging'), 'ok', 'ev on the piloted meter is the vehicle wanting energy');
      assert.equal(await state(), 'C');
      assert.equal(await sim.command('relay open'), 'ok');
      assert.deepEqual(await currents(), [0, 0, 0], 'no current through an open contactor, whatever the vehicle wants');
      assert.equal(await sim.command('relay closed'), 'ok');
      await offer(0);
      assert.equal(await state(), 'B', 'no PWM: the vehicle stops');
      assert.deepEqual(await currents(), [0, 0, 0]);

      assert.equal(await sim.command('vehicle fault diode-short'), 'ok');
      assert.equal((await pilot.poll())?.rawState, 5, 'the EVSE DIN board says "failure" (5) for a shorted diode');
      assert.equal(await state(), 'E');
      assert.equal(await sim.command('vehicle fault none'), 'ok');
      assert.equal(await state(), 'B');
      assert.equal(await sim.command('vehicle fault state-e'), 'ok');
      assert.equal(await state(), 'E');
      assert.equal(await sim.command('vehicle fault none'), 'ok');
      assert.equal(await sim.command('cable 13'), 'ok');
      assert.equal((await pilot.poll())?.cableRatingA, 13);
      const board = await status();
      assert.deepEqual([board['plugged'], board['cableRatingA'], board['vehicleMaxCurrentA']], [true, 13, 10]);
      assert.equal(await sim.command('unplug'), 'ok');
      assert.equal(await state(), 'A');

      assert.equal(await sim.command('unit 2 fault silent'), 'ok');
      assert.equal(await pilot.poll(), undefined, 'a silent board does not answer');
      assert.equal(pilot.health.lastFault?.kind, 'timeout');
      assert.equal(await sim.command('unit 2 fault none'), 'ok');
      assert.equal(await state(), 'A');

      assert.match(await sim.command('vehicle fly'), /^error: vehicle charge\|full/);
      assert.match(await sim.command('unit 2 fault crc'), /^error: the pilot board's fault is none, silent or exception/);
      assert.match(await sim.command('cable lots'), /^error: cable A/);
      const all = JSON.parse(await sim.command('status')) as Array<{ unitId: number }>;
      assert.deepEqual(all.map((d) => d.unitId), [1, 2], 'status lists the meter and the pilot board');
      await pilot.close();
    } finally {
      await buses.closeAll();
      assert.equal(await sim.stop(), 0);
    }
  });

  it('without --pilot-unit the vehicle commands say there is no pilot board', async () => {
    const sim = new MeterSimProcess(['--profile', 'eastron-sdm630', '--tcp', '127.0.0.1:0']);
    try {
      await sim.waitFor(/tcp:\/\/127\.0\.0\.1:\d+/);
      assert.match(await sim.command('plug'), /^error: plug: no pilot board here \(start meter-sim with --pilot-unit N\)/);
      assert.match(await sim.command('unit 2 status'), /^error: no unit 2/);
    } finally {
      await sim.stop();
    }
  });

  it('refuses bad pilot usage with exit 64: a unit id a meter has, a profile without a unit, an unknown profile (the profiles named)', async () => {
    const clash = await runInProcess(['meter-sim', '--profile', 'eastron-sdm630', '--tcp', '127.0.0.1:0', '--unit-id', '1,2', '--pilot-unit', '2']);
    assert.equal(clash.code, 64);
    assert.match(clash.stderr, /--pilot-unit 2 is a meter's unit id too/);
    const alone = await runInProcess(['meter-sim', '--profile', 'eastron-sdm630', '--tcp', '127.0.0.1:0', '--pilot-profile', 'evse-wb']);
    assert.equal(alone.code, 64);
    assert.match(alone.stderr, /--pilot-profile goes with --pilot-unit/);
    const unknown = await runInProcess(['meter-sim', '--profile', 'eastron-sdm630', '--tcp', '127.0.0.1:0', '--pilot-unit', '2', '--pilot-profile', 'no-such-board']);
    assert.equal(unknown.code, 64);
    assert.match(unknown.stderr, /no pilot profile "no-such-board"; the profiles are: .*evse-wb/);
    const badUnit = await runInProcess(['meter-sim', '--profile', 'eastron-sdm630', '--tcp', '127.0.0.1:0', '--pilot-unit', '0']);
    assert.equal(badUnit.code, 64);
  });

  it('refuses bad usage with exit 64, naming the profiles for an unknown one', async () => {
    const both = await runInProcess(['meter-sim', '--profile', 'eastron-sdm630', '--tcp', '127.0.0.1:0', '--port', '/dev/null']);
    assert.equal(both.code, 64);
    assert.match(both.stderr, /exactly one of --port PATH or --tcp HOST:PORT/);
    const noProfile = await runInProcess(['meter-sim', '--profile', 'no-such-meter', '--tcp', '127.0.0.1:0']);
    assert.equal(noProfile.code, 64);
    assert.match(noProfile.stderr, /no meter profile "no-such-meter"; the profiles are: .*eastron-sdm630/);
  });
});
