import assert from 'node:assert/strict';
import { MeterPhysics } from '../../src/hal/drivers/simulated/meter-physics.js';
import { SimulatedMeterDevice, SimulatedRegisterReader } from '../../src/hal/drivers/simulated/simulated-meter-device.js';
import { checkReading, initialHealth, nextHealth, type PollOutcome } from '../../src/hal/meter/meter-health.js';
import type { MeterReading } from '../../src/station/meter-reading.js';
import { loadMeterProfile } from '../../src/hal/meter/profile.js';
import { RegisterMeter } from '../../src/hal/meter/register-meter.js';

describe('simulated meter physics', () => {
  function physics(now: { t: number }) {
    return new MeterPhysics({ phases: 3, voltageV: 230, voltageNoiseV: 0, evCurrentA: [16, 16, 16], now: () => now.t });
  }

  it('draws no current while the relay is open', () => {
    const clock = { t: 0 };
    const p = physics(clock);
    clock.t += 3_600_000;
    const v = p.values();
    assert.equal(v.powerW, 0);
    assert.equal(v.currentL1A, 0);
    assert.equal(v.energyImportWh, 0);
  });

  it('integrates power over time while the relay is closed and the EV draws', () => {
    const clock = { t: 0 };
    const p = physics(clock);
    p.setRelayClosed(true);
    clock.t += 30 * 60_000; // half an hour at 3 x 230 V x 16 A = 11040 W
    assert.ok(Math.abs(p.values().energyImportWh - 5520) < 1e-6);
    p.setEvDrawing(false); // suspended by the EV: relay closed, no current
    clock.t += 30 * 60_000;
    assert.ok(Math.abs(p.values().energyImportWh - 5520) < 1e-6);
    assert.equal(p.values().powerW, 0);
    p.setEvDrawing(true);
    p.setEvCurrent([10, 0, 0]);
    clock.t += 60 * 60_000;
    assert.ok(Math.abs(p.values().energyImportWh - (5520 + 2300)) < 1e-6);
    p.setRelayClosed(false);
    clock.t += 60 * 60_000;
    assert.ok(Math.abs(p.values().energyImportWh - 7820) < 1e-6);
  });

  it('never decreases its energy, whatever the sequence', () => {
    const clock = { t: 0 };
    const p = new MeterPhysics({ phases: 3, voltageNoiseV: 5, now: () => clock.t });
    let last = 0;
    for (let i = 0; i < 500; i++) {
      clock.t += Math.floor(Math.random() * 5000);
      const r = Math.random();
      if (r < 0.2) p.setRelayClosed(!p.isRelayClosed);
      else if (r < 0.3) p.setEvCurrent([Math.random() * 32, Math.random() * 32, Math.random() * 32]);
      else if (r < 0.4) p.setEvDrawing(Math.random() < 0.5);
      const e = p.values().energyImportWh;
      assert.ok(e >= last, `energy fell from ${last} to ${e}`);
      last = e;
    }
  });

  it('keeps voltage noise within its bound', () => {
    const clock = { t: 0 };
    const p = new MeterPhysics({ phases: 3, voltageV: 230, voltageNoiseV: 2, now: () => clock.t, measurementIntervalMs: 1 });
    for (let i = 0; i < 200; i++) {
      clock.t += 2;
      const v = p.values();
      for (const x of [v.voltageL1V, v.voltageL2V, v.voltageL3V]) assert.ok(x !== undefined && Math.abs(x - 230) <= 2);
    }
  });
});

describe('in-process simulated meter (driver "simulated")', () => {
  it('reads through the profile like a real meter, and shows injected faults', async () => {
    const profile = loadMeterProfile('eastron-sdm630');
    const clock = { t: 0 };
    const physics = new MeterPhysics({ phases: 3, voltageNoiseV: 0, now: () => clock.t, startEnergyWh: 100 });
    const device = new SimulatedMeterDevice(profile, physics);
    const meter = new RegisterMeter({ name: 'sim', profile, reader: new SimulatedRegisterReader(device, 5), retries: 0, failAfterPolls: 2 });
    physics.setRelayClosed(true);
    clock.t += 3_600_000;
    const r = await meter.poll();
    assert.ok(r);
    assert.ok(Math.abs(r.energyImportWh - (100 + 3 * 230 * 16)) < 0.01, String(r.energyImportWh));
    device.fault = { mode: 'crc' };
    assert.equal(await meter.poll(), undefined);
    device.fault = { mode: 'exception', code: 2 };
    assert.equal(await meter.poll(), undefined);
    assert.equal(meter.health.state, 'failed');
    assert.equal(meter.health.counters.crcErrors, 1);
    assert.equal(meter.health.counters.exceptions, 1);
    device.fault = { mode: 'silent' };
    assert.equal(await meter.poll(), undefined);
    assert.equal(meter.health.lastFault?.kind, 'timeout');
    device.fault = { mode: 'none' };
    assert.ok(await meter.poll());
    assert.equal(meter.health.state, 'ok');
  });

  it('refuses requests a real meter would refuse', () => {
    const profile = loadMeterProfile('eastron-sdm630');
    const device = new SimulatedMeterDevice(profile, new MeterPhysics({ phases: 3 }));
    assert.throws(() => device.readRegisters(4, 0, profile.limits.maxRegistersPerRequest + 1), /exception 3/);
    assert.throws(() => device.readRegisters(3, 0, 2), /exception 1/);
    assert.throws(() => device.readRegisters(4, 0x4000, 2), /exception 2/);
  });
});

describe('meter health rules', () => {
  const reading = (wh: number, extra: Partial<MeterReading> = {}): MeterReading => ({ energyImportWh: wh, timestamp: new Date(0), ...extra });
  const ok = (wh: number): PollOutcome => ({ ok: true, reading: reading(wh), requests: 2, retries: 0, faults: [] });
  const bad = (kind: 'timeout' | 'crc'): PollOutcome => ({ ok: false, kind, message: kind, requests: 3, retries: 2, faults: [kind, kind, kind] });

  it('fails after N failed polls in a row, not after N failed polls in all', () => {
    let h = initialHealth();
    const events: string[] = [];
    for (const o of [bad('timeout'), bad('crc'), ok(1), bad('timeout'), bad('timeout'), bad('crc'), bad('crc'), ok(2)]) {
      const n = nextHealth(h, o, 3, new Date(0));
      h = n.health;
      events.push(h.state, ...n.events.filter((e) => e.type !== 'poll-failed').map((e) => e.type));
    }
    assert.deepEqual(events, ['unknown', 'unknown', 'ok', 'ok', 'ok', 'failed', 'failed', 'failed', 'ok', 'recovered']);
    assert.equal(h.counters.timeouts, 9);
    assert.equal(h.counters.crcErrors, 9);
    assert.equal(h.counters.polls, 8);
    assert.equal(h.counters.failedPolls, 6);
    assert.equal(h.counters.retries, 12);
  });

  it('fails at once on energy going backwards (no N polls of grace), and recovers on a good poll', () => {
    const backwards: PollOutcome = { ok: false, kind: 'energy-backwards', message: 'energy went backwards', requests: 2, retries: 0, faults: ['energy-backwards'] };
    let n = nextHealth(nextHealth(initialHealth(), ok(10), 3, new Date(0)).health, backwards, 3, new Date(0));
    assert.equal(n.health.state, 'failed');
    assert.deepEqual(n.events.map((e) => e.type), ['poll-failed', 'failed']);
    n = nextHealth(n.health, ok(11), 3, new Date(0));
    assert.equal(n.health.state, 'ok');
    assert.deepEqual(n.events.map((e) => e.type), ['recovered']);
  });

  it('rejects energy going backwards, non-finite values and negative energy', () => {
    assert.deepEqual(checkReading(reading(10), reading(10)), { ok: true });
    assert.equal(checkReading(reading(9.99), reading(10)).ok, false);
    assert.equal((checkReading(reading(9.99), reading(10)) as { kind: string }).kind, 'energy-backwards');
    assert.equal((checkReading(reading(Number.NaN), undefined) as { kind: string }).kind, 'invalid-value');
    assert.equal((checkReading(reading(5, { powerW: Infinity }), undefined) as { kind: string }).kind, 'invalid-value');
    assert.equal((checkReading(reading(-1), undefined) as { kind: string }).kind, 'invalid-value');
    assert.equal((checkReading(reading(11, { energyExportWh: 1 }), reading(10, { energyExportWh: 2 })) as { kind: string }).kind, 'energy-backwards');
  });
});
