import assert from 'node:assert/strict';
import { decodeRegisters, encodeRegisters } from '../../src/hal/meter/codec.js';
import { loadMeterProfile, MeterProfileError, REGISTER_WORDS, shippedProfileNames, validateMeterProfile, type RegisterSpec, type RegisterType } from '../../src/hal/meter/profile.js';
import { type MeterValueName } from '../../src/station/meter-reading.js';
import { decodeAnswer, planReads } from '../../src/hal/meter/read-plan.js';

/**
 * Known register contents per type, written out as the bytes a meter sends (high word first),
 * with the raw number they stand for. Decoding must give raw * scale.
 */
const KNOWN: Record<RegisterType, { words: number[]; raw: number }> = {
  float32: { words: [0x4366, 0x8000], raw: 230.5 },
  int32: { words: [0xfffd, 0xb610], raw: -150000 },
  uint32: { words: [0x0001, 0xe240], raw: 123456 },
  int64: { words: [0xffff, 0xffff, 0xffff, 0xfc18], raw: -1000 },
  uint64: { words: [0x0000, 0x0000, 0x075b, 0xcd15], raw: 123456789 },
  int16: { words: [0xff38], raw: -200 },
  uint16: { words: [0x1388], raw: 5000 },
};

/** The words of a known value as this spec's meter would hold them (word order applied). */
function knownWords(spec: RegisterSpec): number[] {
  const w = KNOWN[spec.type].words;
  return spec.wordOrder === 'low-first' ? [...w].reverse() : [...w];
}

describe('meter profiles', () => {
  const names = shippedProfileNames();

  it('ships the five profiles the installers were promised', () => {
    for (const n of ['eastron-sdm630', 'eastron-sdm120', 'eastron-sdm72dm-v2', 'abb-b23', 'carlo-gavazzi-em340']) {
      assert.ok(names.includes(n), `${n} missing from hardware/meters`);
    }
  });

  for (const name of names) {
    describe(name, () => {
      const profile = loadMeterProfile(name);

      it('is valid, names its file, cites its source and offers import energy in Wh', () => {
        assert.equal(profile.id, name);
        assert.ok(profile.source.document.length > 10);
        assert.equal(profile.values.energyImportWh.unit, 'Wh');
      });

      it('decodes every value from known register bytes', () => {
        // A register image holding the known value of each register's type at its address.
        const image = new Map<string, number>();
        for (const spec of Object.values(profile.values)) {
          knownWords(spec).forEach((w, i) => image.set(`${spec.function}:${spec.register + i}`, w));
        }
        const decoded: Partial<Record<MeterValueName, number>> = {};
        for (const request of planReads(profile)) {
          const registers = Array.from({ length: request.count }, (_, i) => image.get(`${request.function}:${request.start + i}`) ?? 0);
          Object.assign(decoded, decodeAnswer(request, registers));
        }
        for (const [valueName, spec] of Object.entries(profile.values) as Array<[MeterValueName, RegisterSpec]>) {
          const expected = KNOWN[spec.type].raw * spec.scale;
          const got = decoded[valueName];
          assert.ok(got !== undefined, `${valueName} not decoded`);
          assert.ok(Math.abs(got - expected) <= Math.abs(expected) * 1e-9, `${valueName}: ${got} != ${expected}`);
        }
      });

      it('reads every value in one pass, within the meter limits, each register once', () => {
        const plan = planReads(profile);
        const seen = new Set<string>();
        for (const r of plan) {
          assert.ok(r.count <= profile.limits.maxRegistersPerRequest && r.count <= 125, `request of ${r.count} registers`);
          for (const v of r.values) {
            assert.ok(!seen.has(v.name), `${v.name} read twice`);
            seen.add(v.name);
            assert.ok(v.offset + REGISTER_WORDS[v.spec.type] <= r.count);
          }
        }
        assert.deepEqual([...seen].sort(), Object.keys(profile.values).sort());
      });
    });
  }

  it('decodes the manufacturers\' examples', () => {
    const sdm630 = loadMeterProfile('eastron-sdm630');
    // 30073 Total import kWh as float 0x44992000 = 1225.0 kWh.
    assert.equal(decodeRegisters([0x4499, 0x2000], sdm630.values.energyImportWh), 1_225_000);
    const em340 = loadMeterProfile('carlo-gavazzi-em340');
    // INT32 LSW first, V*10: 2305 -> 230.5 V; the low word comes first on the wire.
    assert.equal(decodeRegisters([0x0901, 0x0000], em340.values.voltageL1V!), 230.5);
    // Negative power, LSW first: -1234 (W*10) -> -123.4 W.
    assert.ok(Math.abs(decodeRegisters([0xfb2e, 0xffff], em340.values.powerW!) - -123.4) < 1e-9);
    const abb = loadMeterProfile('abb-b23');
    // uint64 in 0.01 kWh: 123456789 -> 1234567.89 kWh = 1234567890 Wh.
    assert.equal(decodeRegisters([0, 0, 0x075b, 0xcd15], abb.values.energyImportWh), 1_234_567_890);
  });

  it('leaves out a quantity a meter answers as not available (ABB: largest value)', () => {
    const abb = loadMeterProfile('abb-b23');
    const [energy] = planReads(abb).filter((r) => r.values.some((v) => v.name === 'energyExportWh'));
    assert.ok(energy);
    const regs = new Array<number>(energy.count).fill(0);
    const exp = energy.values.find((v) => v.name === 'energyExportWh')!;
    for (let i = 0; i < 4; i++) regs[exp.offset + i] = 0xffff;
    const out = decodeAnswer(energy, regs, abb.notAvailableIsMax);
    assert.equal(out.energyExportWh, undefined);
    assert.equal(out.energyImportWh, 0);
  });
});

describe('register codec', () => {
  const types = Object.keys(REGISTER_WORDS) as RegisterType[];
  const samples: Record<RegisterType, number[]> = {
    float32: [0, 1.5, -2.25, 230.25, 123456],
    int32: [0, 1, -1, 2147483647, -2147483648],
    uint32: [0, 1, 4294967295, 65536],
    int64: [0, -1, 2 ** 40, -(2 ** 40)],
    uint64: [0, 1, 2 ** 52],
    int16: [0, -32768, 32767],
    uint16: [0, 65535, 50],
  };
  for (const type of types) {
    for (const wordOrder of ['high-first', 'low-first'] as const) {
      it(`round-trips ${type} ${wordOrder}`, () => {
        for (const scale of [1, 0.01, 1000]) {
          const spec: RegisterSpec = { function: 4, register: 0, type, wordOrder, scale, unit: 'W' };
          for (const raw of samples[type]) {
            const words = encodeRegisters(raw * scale, spec);
            assert.equal(words.length, REGISTER_WORDS[type]);
            assert.ok(words.every((w) => w >= 0 && w <= 0xffff));
            const back = decodeRegisters(words, spec);
            assert.ok(Math.abs(back - raw * scale) <= Math.abs(raw * scale) * 1e-6 + 1e-9, `${type} ${raw}*${scale}: ${back}`);
          }
        }
      });
    }
  }

  it('puts the low word first when the meter does', () => {
    const spec: RegisterSpec = { function: 3, register: 0, type: 'uint32', wordOrder: 'low-first', scale: 1, unit: 'W' };
    assert.deepEqual(encodeRegisters(0x12345678, spec), [0x5678, 0x1234]);
    assert.equal(decodeRegisters([0x5678, 0x1234], spec), 0x12345678);
  });

  it('refuses a word count that does not fit the type', () => {
    const spec: RegisterSpec = { function: 3, register: 0, type: 'uint32', wordOrder: 'high-first', scale: 1, unit: 'W' };
    assert.throws(() => decodeRegisters([1], spec), RangeError);
  });
});

describe('read planning (coalescing)', () => {
  const base = {
    id: 'test',
    manufacturer: 't',
    model: 't',
    phases: 3,
    source: { document: 'test' },
  };
  const f = (register: number, fn: 3 | 4 = 4, type: RegisterType = 'float32') => ({ function: fn, register, type, unit: 'W' as const });

  it('reads contiguous registers in one request and splits at gaps wider than the limit', () => {
    const p = validateMeterProfile({
      ...base,
      limits: { maxGapRegisters: 4 },
      values: {
        energyImportWh: { ...f(100), unit: 'Wh' },
        powerL1W: f(0),
        powerL2W: f(2),
        powerL3W: f(8), // gap of 4 after 2+2: read through
        powerW: f(40), // gap of 30: new request
      },
    });
    const plan = planReads(p).map((r) => [r.function, r.start, r.count, r.values.map((v) => v.name).join(',')]);
    assert.deepEqual(plan, [
      [4, 0, 10, 'powerL1W,powerL2W,powerL3W'],
      [4, 40, 2, 'powerW'],
      [4, 100, 2, 'energyImportWh'],
    ]);
  });

  it('never reads through a gap when the meter refuses undefined registers', () => {
    const p = validateMeterProfile({
      ...base,
      limits: { maxGapRegisters: 0 },
      values: { energyImportWh: { ...f(0), unit: 'Wh' }, powerW: f(2), powerL1W: f(6) },
    });
    assert.deepEqual(planReads(p).map((r) => [r.start, r.count]), [
      [0, 4],
      [6, 2],
    ]);
  });

  it('keeps function codes apart and respects the per-request limit', () => {
    const p = validateMeterProfile({
      ...base,
      limits: { maxRegistersPerRequest: 6, maxGapRegisters: 8 },
      values: {
        energyImportWh: { ...f(0, 3), unit: 'Wh' },
        powerW: f(0, 4),
        powerL1W: f(2, 4),
        powerL2W: f(4, 4),
        powerL3W: f(6, 4), // would make 8 registers: over the limit of 6
      },
    });
    assert.deepEqual(planReads(p).map((r) => [r.function, r.start, r.count]), [
      [3, 0, 2],
      [4, 0, 6],
      [4, 6, 2],
    ]);
  });

  it('rejects profiles whose registers overlap or whose units do not match the value', () => {
    assert.throws(
      () => validateMeterProfile({ ...base, values: { energyImportWh: { ...f(0), unit: 'Wh' }, powerW: f(1) } }),
      (e: unknown) => e instanceof MeterProfileError && e.problems.some((p) => p.path === '/values/powerW/register'),
    );
    assert.throws(
      () => validateMeterProfile({ ...base, values: { energyImportWh: { ...f(0), unit: 'W' } } }),
      (e: unknown) => e instanceof MeterProfileError && e.problems.some((p) => p.path === '/values/energyImportWh/unit'),
    );
    assert.throws(
      () => validateMeterProfile({ ...base, values: { powerW: f(0) } }),
      (e: unknown) => e instanceof MeterProfileError && e.problems.some((p) => p.path === '/values/energyImportWh'),
    );
  });
});
