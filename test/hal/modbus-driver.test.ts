import assert from 'node:assert/strict';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { ModbusBus, type ModbusClientLike } from '../../src/hal/drivers/modbus/modbus-bus.js';
import { ModbusRegisterReader } from '../../src/hal/drivers/modbus/modbus-bus.js';
import { MeterPhysics } from '../../src/hal/drivers/simulated/meter-physics.js';
import { ModbusSlave } from '../../src/hal/drivers/simulated/modbus-slave.js';
import { SimulatedMeterDevice } from '../../src/hal/drivers/simulated/simulated-meter-device.js';
import type { MeterEvent } from '../../src/hal/roles/power-meter.js';
import { loadMeterProfile, shippedProfileNames, type MeterProfile } from '../../src/hal/meter/profile.js';
import { RegisterMeter } from '../../src/hal/meter/register-meter.js';
import { modbusLinks } from '../helpers/modbus-links.js';

/**
 * The real driver (modbus-serial over serialport or a socket) against meter-sim's slave, on the
 * three links a charger meets: RS485 (a socat pty pair), Modbus TCP, and RTU frames over TCP.
 */

const TIMING = { timeoutMs: 150, interRequestDelayMs: 2 };

function simulatedDevice(profile: MeterProfile, unitId: number, startEnergyWh: number): SimulatedMeterDevice {
  const physics = new MeterPhysics({ phases: profile.phases, startEnergyWh, evCurrentA: [16, 12, 8], voltageNoiseV: 0.5 });
  physics.setRelayClosed(true);
  return new SimulatedMeterDevice(profile, physics, unitId);
}

function meterOn(bus: ModbusBus, profile: MeterProfile, unitId: number, failAfterPolls = 2): RegisterMeter {
  return new RegisterMeter({ name: `unit ${unitId}`, profile, reader: new ModbusRegisterReader(bus, unitId), retries: 1, failAfterPolls });
}

const links = modbusLinks();

for (const link of links) {
  describe(`Modbus driver: ${link.name}`, function () {
    this.timeout(20000);
    const profile = loadMeterProfile('eastron-sdm630');
    let slave: ModbusSlave;
    let bus: ModbusBus;
    let unit1: SimulatedMeterDevice;
    let unit2: SimulatedMeterDevice;

    beforeEach(async () => {
      unit1 = simulatedDevice(profile, 1, 1_000);
      unit2 = simulatedDevice(profile, 2, 50_000);
      slave = new ModbusSlave([unit1, unit2]);
      bus = new ModbusBus(await link.setUp(slave), TIMING);
    });

    afterEach(async () => {
      await bus.close();
      await slave.close();
      await link.tearDown();
    });

    it('reads every value as the meter holds it', async () => {
      const meter = meterOn(bus, profile, 1);
      const r = await meter.poll();
      assert.ok(r, `poll failed: ${meter.health.lastFault?.message}`);
      const truth = unit1.physics.values();
      assert.ok(r.energyImportWh >= 1_000 && r.energyImportWh <= truth.energyImportWh + 0.01);
      assert.ok(Math.abs(r.currentL1A! - 16) < 1e-4 && Math.abs(r.currentL2A! - 12) < 1e-4 && Math.abs(r.currentL3A! - 8) < 1e-4);
      for (const v of [r.voltageL1V, r.voltageL2V, r.voltageL3V]) assert.ok(v !== undefined && Math.abs(v - 230) <= 0.5 + 1e-4);
      assert.ok(Math.abs(r.powerW! - (r.powerL1W! + r.powerL2W! + r.powerL3W!)) < 1);
      assert.ok(Math.abs(r.frequencyHz! - 50) < 0.05);
      assert.equal(meter.health.state, 'ok');
      assert.equal(meter.health.counters.requests, meter.plan.length);
    });

    it('polls several meters on one bus, each getting its own answers', async () => {
      const m1 = meterOn(bus, profile, 1);
      const m2 = meterOn(bus, profile, 2);
      const [r1, r2] = await Promise.all([m1.poll(), m2.poll()]);
      assert.ok(r1 && r2);
      assert.ok(r1.energyImportWh < 2_000, `unit 1 read ${r1.energyImportWh}`);
      assert.ok(r2.energyImportWh >= 50_000, `unit 2 read ${r2.energyImportWh}`);
      assert.equal(slave.stats.requests, m1.plan.length + m2.plan.length);
    });

    it('counts timeouts, reports the meter failed, and recovers by itself', async () => {
      const meter = meterOn(bus, profile, 1, 2);
      const events: MeterEvent[] = [];
      meter.events$.subscribe((e) => events.push(e));
      assert.ok(await meter.poll());
      unit1.fault = { mode: 'silent' };
      assert.equal(await meter.poll(), undefined);
      assert.equal(meter.health.state, 'ok', 'one failed poll is not yet a failed meter');
      assert.equal(await meter.poll(), undefined);
      assert.equal(meter.health.state, 'failed');
      assert.equal(meter.health.lastFault?.kind, 'timeout');
      // Each failed poll tried the first request twice (retries: 1).
      assert.equal(meter.health.counters.timeouts, 4);
      assert.deepEqual(
        events.map((e) => e.type),
        ['poll-failed', 'poll-failed', 'failed'],
      );
      unit1.fault = { mode: 'none' };
      const back = await meter.poll();
      assert.ok(back, `no recovery: ${meter.health.lastFault?.message}`);
      assert.equal(meter.health.state, 'ok');
      assert.equal(events.at(-1)?.type, 'recovered');
    });

    it('detects CRC errors (or, on Modbus TCP which has no CRC, still gets good data)', async () => {
      const meter = meterOn(bus, profile, 1, 1);
      unit1.fault = { mode: 'crc' };
      const r = await meter.poll();
      if (link.name === 'Modbus TCP') {
        // MBAP frames carry no CRC: the fault cannot exist there, and the reading is good.
        assert.ok(r);
        return;
      }
      assert.equal(r, undefined);
      assert.equal(meter.health.lastFault?.kind, 'crc');
      assert.equal(meter.health.counters.crcErrors, 2);
      assert.equal(meter.health.state, 'failed');
      unit1.fault = { mode: 'none' };
      assert.ok(await meter.poll());
      assert.equal(meter.health.state, 'ok');
    });

    it('reports exception responses with their code', async () => {
      const meter = meterOn(bus, profile, 1, 3);
      unit1.fault = { mode: 'exception', code: 4 };
      assert.equal(await meter.poll(), undefined);
      assert.equal(meter.health.lastFault?.kind, 'exception');
      assert.match(meter.health.lastFault?.message ?? '', /exception 4/i);
      assert.equal(meter.health.counters.exceptions, 2);
      unit1.fault = { mode: 'none' };
      assert.ok(await meter.poll());
    });

    it('answers a read outside the map with illegal data address, as the real meter', async () => {
      await assert.rejects(bus.read(1, 4, 0x1000, 2), (e: Error & { kind?: string; exceptionCode?: number }) => {
        return e.kind === 'exception' && e.exceptionCode === 2;
      });
    });

    it('rejects a reading whose energy went backwards and passes none of it on', async () => {
      const meter = meterOn(bus, profile, 1, 2);
      const good = await meter.poll();
      assert.ok(good);
      const seen = firstValueFrom(meter.readings$.pipe(take(1), toArray()));
      unit1.fault = { mode: 'energy-backwards', byWh: 500 };
      assert.equal(await meter.poll(), undefined);
      assert.equal(meter.health.lastFault?.kind, 'energy-backwards');
      assert.equal(meter.health.counters.rejectedReadings, 1);
      assert.equal(meter.health.state, 'failed', 'energy going backwards fails the meter on the first poll');
      assert.equal(meter.latest, good, 'the last good reading stays the latest');
      unit1.fault = { mode: 'none' };
      const after = await meter.poll();
      assert.ok(after && after.energyImportWh >= good.energyImportWh);
      assert.equal(meter.health.state, 'ok');
      assert.deepEqual(await seen, [after], 'the rejected reading never reached subscribers');
    });
  });
}

describe('Modbus driver: every shipped profile against meter-sim over TCP', () => {
  for (const name of shippedProfileNames()) {
    it(`${name}: the driver reads what the simulated meter holds`, async () => {
      const profile = loadMeterProfile(name);
      const device = simulatedDevice(profile, 7, 123_456);
      const slave = new ModbusSlave([device]);
      const port = await slave.listenTcp('127.0.0.1', 0, 'mbap');
      const bus = new ModbusBus({ kind: 'tcp', host: '127.0.0.1', port, framing: 'mbap' }, TIMING);
      try {
        const meter = meterOn(bus, profile, 7);
        const r = await meter.poll();
        assert.ok(r, `${name}: ${meter.health.lastFault?.message}`);
        // The meter's own resolution bounds the error: 0.01 kWh on ABB, 0.1 kWh on the EM340.
        const resolution = profile.values.energyImportWh.type === 'float32' ? 0.1 : profile.values.energyImportWh.scale;
        assert.ok(Math.abs(r.energyImportWh - 123_456) <= resolution + 0.5, `${name} energy ${r.energyImportWh}`);
        assert.ok(r.currentL1A === undefined || Math.abs(r.currentL1A - 16) < 0.01);
        assert.equal(meter.health.counters.requests, meter.plan.length);
      } finally {
        await bus.close();
        await slave.close();
      }
    });
  }
});

describe('Modbus bus discipline', () => {
  /** A client that answers after a delay and records how many requests overlapped. */
  function recordingClient(log: { inFlight: number; maxInFlight: number; starts: number[]; units: number[] }): () => ModbusClientLike {
    return () => {
      let unit = 0;
      const answer = async (count: number) => {
        log.inFlight++;
        log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
        log.starts.push(Date.now());
        log.units.push(unit);
        await new Promise((r) => setTimeout(r, 5));
        log.inFlight--;
        return { data: new Array<number>(count).fill(unit) };
      };
      return {
        isOpen: true,
        setID: (id) => (unit = id),
        setTimeout: () => undefined,
        connectRTUBuffered: async () => undefined,
        connectTCP: async () => undefined,
        connectTelnet: async () => undefined,
        readHoldingRegisters: (_s, count) => answer(count),
        readInputRegisters: (_s, count) => answer(count),
        writeRegister: () => answer(1),
        writeRegisters: (_a, values) => answer(values.length),
        close: (cb) => cb(),
        on: () => undefined,
      };
    };
  }

  it('sends one request at a time with the configured silence between them, in order', async () => {
    const log = { inFlight: 0, maxInFlight: 0, starts: [] as number[], units: [] as number[] };
    const bus = new ModbusBus({ kind: 'rtu', path: '/dev/null', baudRate: 9600, parity: 'none', stopBits: 1 }, { timeoutMs: 100, interRequestDelayMs: 15 }, recordingClient(log));
    const results = await Promise.all([1, 2, 3, 1, 2].map((u) => bus.read(u, 4, 0, 2)));
    assert.deepEqual(results.map((r) => r[0]), [1, 2, 3, 1, 2], 'each unit got its own answer');
    assert.deepEqual(log.units, [1, 2, 3, 1, 2], 'requests went in the order asked');
    assert.equal(log.maxInFlight, 1);
    for (let i = 1; i < log.starts.length; i++) {
      // 5 ms answer + 15 ms silence; allow a millisecond of timer rounding.
      assert.ok(log.starts[i]! - log.starts[i - 1]! >= 19, `gap ${log.starts[i]! - log.starts[i - 1]!} ms`);
    }
    await bus.close();
  });

  it('queues writes (a pilot board\'s offered current) with the reads of meters on the same line, one request at a time', async () => {
    const log = { inFlight: 0, maxInFlight: 0, starts: [] as number[], units: [] as number[] };
    const bus = new ModbusBus({ kind: 'rtu', path: '/dev/null', baudRate: 9600, parity: 'none', stopBits: 1 }, { timeoutMs: 100, interRequestDelayMs: 0 }, recordingClient(log));
    await Promise.all([bus.read(2, 4, 0, 2), bus.write(1, 16, 1000, [16]), bus.read(2, 4, 0, 2), bus.write(1, 6, 1004, [0])]);
    assert.deepEqual(log.units, [2, 1, 2, 1], 'in the order asked, each to its unit');
    assert.equal(log.maxInFlight, 1);
    await assert.rejects(bus.write(1, 6, 1000, [1, 2]), /function 6 writes one register/);
    await bus.close();
  });

  it("a pilot board's urgent request goes before the meters' waiting ones, never cutting one in flight short; its answer is handed over before the silence after it", async () => {
    const log = { inFlight: 0, maxInFlight: 0, starts: [] as number[], units: [] as number[] };
    const bus = new ModbusBus({ kind: 'rtu', path: '/dev/null', baudRate: 9600, parity: 'none', stopBits: 1 }, { timeoutMs: 100, interRequestDelayMs: 40 }, recordingClient(log));
    const meters = [bus.read(1, 4, 0, 2), bus.read(1, 4, 10, 2), bus.read(3, 4, 0, 2)];
    // Asked after the meters: the first meter read is already on the line, the others wait.
    let answeredAt = 0;
    const pilot = bus.read(2, 3, 1000, 4, { urgent: true }).then((words) => {
      answeredAt = Date.now();
      return words;
    });
    const urgentWrite = bus.write(2, 16, 1000, [0], { urgent: true });
    await Promise.all([...meters, pilot, urgentWrite]);
    assert.deepEqual(log.units, [1, 2, 2, 1, 3], 'the pilot\'s read and write, in their own order, before the waiting meter reads');
    assert.equal(log.maxInFlight, 1);
    // The answer is handed over at once; the 40 ms of silence after it hold back only the next request.
    assert.ok(answeredAt <= log.starts[2]!, `the pilot's answer came ${answeredAt - log.starts[2]!} ms after the next request started`);
    await bus.close();
  });

  it('reconnects after the line is lost', async () => {
    const profile = loadMeterProfile('eastron-sdm630');
    const device = simulatedDevice(profile, 1, 10);
    let slave = new ModbusSlave([device]);
    const port = await slave.listenTcp('127.0.0.1', 0, 'mbap');
    const bus = new ModbusBus({ kind: 'tcp', host: '127.0.0.1', port, framing: 'mbap' }, TIMING);
    const meter = meterOn(bus, profile, 1, 5);
    try {
      assert.ok(await meter.poll());
      await slave.close();
      assert.equal(await meter.poll(), undefined);
      assert.ok(['io', 'timeout'].includes(meter.health.lastFault!.kind), meter.health.lastFault!.kind);
      slave = new ModbusSlave([device]);
      await slave.listenTcp('127.0.0.1', port, 'mbap');
      const failures = await firstValueFrom(meter.health$.pipe(filter((h) => h.counters.polls >= 2), take(1)));
      assert.ok(failures.counters.failedPolls >= 1);
      assert.ok(await meter.poll(), `no reconnect: ${meter.health.lastFault?.message}`);
    } finally {
      await bus.close();
      await slave.close();
    }
  });
});
