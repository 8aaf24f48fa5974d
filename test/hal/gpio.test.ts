import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import type { CliIo } from '../../src/cli/io.js';
import { failsafeCommand, relayLinesLeniently } from '../../src/cli/commands/failsafe.js';
import { runCommand } from '../../src/cli/commands/run.js';
import type { StationConfig } from '../../src/config/station-config.js';
import { SimulatedGpio } from '../../src/hal/drivers/simulated/simulated-gpio.js';
import {
  findChip,
  listGpioChips,
  RASPBERRY_PI_CHIP_LABELS,
  SysfsGpio,
  sysfsNumber,
  type OnoffFactory,
  type OnoffLikeGpio,
} from '../../src/hal/drivers/sysfs/sysfs-gpio.js';
import { DigitalInput, DigitalOutput, inactiveLevel, type Level, type LineAddress, type RawOutputPin } from '../../src/hal/gpio/gpio.js';
import { openStationHardware } from '../../src/hal/station-hardware.js';
import { runFailsafeHooks } from '../../src/process/lifecycle.js';
import { cliEntry, repoRoot, scratchSimulatorConfig, simulatorConfigCopy, simulatorDoc } from '../helpers/cli.js';

const simulatorConfig = path.join(repoRoot, 'config', 'simulator.json');

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'evse-gpio-test-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Fakes

interface ChipSpec {
  label: string;
  base: number;
  ngpio: number;
}

/** A /sys/class/gpio as the kernel lays it out: gpiochipN folders with label, base and ngpio. */
let treeSeq = 0;
function fakeSysfs(chips: ChipSpec[]): string {
  const root = path.join(tmp, `sysfs${++treeSeq}`);
  mkdirSync(root);
  writeFileSync(path.join(root, 'export'), '');
  writeFileSync(path.join(root, 'unexport'), '');
  for (const c of chips) {
    const dir = path.join(root, `gpiochip${c.base}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'label'), `${c.label}\n`);
    writeFileSync(path.join(dir, 'base'), `${c.base}\n`);
    writeFileSync(path.join(dir, 'ngpio'), `${c.ngpio}\n`);
  }
  return root;
}

const PI4_KERNEL_66: ChipSpec[] = [
  { label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
  { label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
];
const PI4_OLD_KERNEL: ChipSpec[] = [
  { label: 'pinctrl-bcm2711', base: 0, ngpio: 58 },
  { label: 'raspberrypi-exp-gpio', base: 504, ngpio: 8 },
];
// A Pi 5: the SoC's own controllers sit below the RP1, whose lines are the 40-pin header.
const PI5: ChipSpec[] = [
  { label: 'pinctrl-bcm2712', base: 512, ngpio: 32 },
  { label: 'gpio-brcmstb@107d508520', base: 544, ngpio: 4 },
  { label: 'gpio-brcmstb@107d517c00', base: 548, ngpio: 17 },
  { label: 'gpio-brcmstb@107d517c20', base: 565, ngpio: 6 },
  { label: 'pinctrl-rp1', base: 571, ngpio: 54 },
];
const PI3_KERNEL_66: ChipSpec[] = [
  { label: 'pinctrl-bcm2835', base: 512, ngpio: 54 },
  { label: 'raspberrypi-exp-gpio', base: 566, ngpio: 8 },
];

interface FakeOnoffPin extends OnoffLikeGpio {
  number: number;
  direction: 'in' | 'high' | 'low';
  edge: 'both' | undefined;
  writes: Level[];
  value: number;
  watchers: Array<(err: Error | null | undefined, value: number) => void>;
  unexported: boolean;
}

/** An OnoffFactory that records what the driver asks of sysfs and hands out fake pins. */
function recordingFactory(): { open: OnoffFactory; pins: FakeOnoffPin[]; pin(n: number): FakeOnoffPin } {
  const pins: FakeOnoffPin[] = [];
  const open: OnoffFactory = (number, direction, edge) => {
    const pin: FakeOnoffPin = {
      number,
      direction,
      edge,
      writes: [],
      value: direction === 'high' ? 1 : 0,
      watchers: [],
      unexported: false,
      readSync() {
        return this.value;
      },
      writeSync(v) {
        this.writes.push(v);
        this.value = v;
      },
      watch(cb) {
        this.watchers.push(cb);
      },
      unwatchAll() {
        this.watchers = [];
      },
      unexport() {
        this.unexported = true;
      },
    };
    pins.push(pin);
    return pin;
  };
  return {
    open,
    pins,
    pin(n) {
      const p = pins.find((x) => x.number === n);
      assert.ok(p, `sysfs gpio${n} was never opened (opened: ${pins.map((x) => x.number).join(', ')})`);
      return p;
    },
  };
}

function captureIo(stop: AbortSignal = AbortSignal.abort()): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    stop,
    out: () => out,
    err: () => err,
  };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---------------------------------------------------------------------------------------------

describe('GPIO: sysfs chip resolution', () => {
  it('lists the chips of a tree, ordered by base, ignoring other entries and incomplete chips', () => {
    const root = fakeSysfs([...PI4_KERNEL_66].reverse());
    mkdirSync(path.join(root, 'gpio529')); // an exported line, not a chip
    mkdirSync(path.join(root, 'gpiochip999')); // no attributes
    assert.deepEqual(listGpioChips(root), [
      { name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
      { name: 'gpiochip570', label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
    ]);
  });

  const layouts: Array<{ name: string; chips: ChipSpec[]; label: string; bcm17: number }> = [
    { name: 'Pi 4 on kernel 6.6+ (base 512)', chips: PI4_KERNEL_66, label: 'pinctrl-bcm2711', bcm17: 529 },
    { name: 'Pi 4 on an older kernel (base 0)', chips: PI4_OLD_KERNEL, label: 'pinctrl-bcm2711', bcm17: 17 },
    { name: 'Pi 5 (header on the RP1, base 571)', chips: PI5, label: 'pinctrl-rp1', bcm17: 588 },
    { name: 'Pi 3 on kernel 6.6+ (base 512)', chips: PI3_KERNEL_66, label: 'pinctrl-bcm2835', bcm17: 529 },
  ];
  for (const l of layouts) {
    it(`finds the header chip of a ${l.name}: BCM 17 is gpio${l.bcm17}`, () => {
      const chips = listGpioChips(fakeSysfs(l.chips));
      assert.equal(findChip(chips).label, l.label);
      const { number, chip } = sysfsNumber(chips, { line: 17 });
      assert.equal(chip.label, l.label);
      assert.equal(number, l.bcm17);
      assert.equal(sysfsNumber(chips, { line: 0 }).number, l.bcm17 - 17);
    });
  }

  it('prefers the RP1 over the Pi 5 SoC controller whatever their order in the tree', () => {
    assert.equal(RASPBERRY_PI_CHIP_LABELS[0], 'pinctrl-rp1');
    // The Pi 5's SoC controller is not the header: never chosen without being named.
    assert.ok(!(RASPBERRY_PI_CHIP_LABELS as readonly string[]).includes('pinctrl-bcm2712'));
    // Listed by base, the SoC's pinctrl-bcm2712 (512) comes before pinctrl-rp1 (571).
    const chips = listGpioChips(fakeSysfs(PI5));
    assert.equal(chips[0]?.label, 'pinctrl-bcm2712');
    assert.equal(findChip(chips).label, 'pinctrl-rp1');
    assert.equal(findChip([...chips].reverse()).label, 'pinctrl-rp1');
  });

  it('uses a chip named by label instead of the Raspberry Pi default', () => {
    const chips = listGpioChips(fakeSysfs(PI4_KERNEL_66));
    assert.equal(sysfsNumber(chips, { line: 2 }, 'raspberrypi-exp-gpio').number, 572);
    // A line's own chip wins over the default chip.
    assert.equal(sysfsNumber(chips, { line: 2, chip: 'pinctrl-bcm2711' }, 'raspberrypi-exp-gpio').number, 514);
    assert.equal(sysfsNumber(chips, { line: 3, chip: 'raspberrypi-exp-gpio' }).number, 573);
    // On a Pi 5, naming the SoC controller reaches it (the config's gpio.chip).
    assert.equal(sysfsNumber(listGpioChips(fakeSysfs(PI5)), { line: 17 }, 'pinctrl-bcm2712').number, 529);
  });

  it('names the chips it found when the label is unknown', () => {
    const chips = listGpioChips(fakeSysfs(PI4_KERNEL_66));
    assert.throws(
      () => sysfsNumber(chips, { line: 17 }, 'pinctrl-rp1'),
      (err: Error) =>
        /no GPIO chip labelled "pinctrl-rp1"/.test(err.message) &&
        err.message.includes('pinctrl-bcm2711 (base 512)') &&
        err.message.includes('raspberrypi-exp-gpio (base 570)'),
    );
  });

  it('asks for gpio.chip when no Raspberry Pi chip is there', () => {
    const chips = listGpioChips(fakeSysfs([{ label: 'gpio-mockup-A', base: 496, ngpio: 16 }]));
    assert.throws(() => findChip(chips), /no Raspberry Pi GPIO chip .* found; found: gpio-mockup-A \(base 496\)\. Name the chip in gpio\.chip/);
    assert.throws(() => findChip([]), /found: none/);
  });

  it('rejects a line beyond the chip', () => {
    const chips = listGpioChips(fakeSysfs(PI4_KERNEL_66));
    assert.equal(sysfsNumber(chips, { line: 57 }).number, 569);
    assert.throws(() => sysfsNumber(chips, { line: 58 }), /line 58 is not on pinctrl-bcm2711, which has lines 0\.\.57/);
    assert.throws(() => sysfsNumber(chips, { line: 8, chip: 'raspberrypi-exp-gpio' }), /line 8 is not on raspberrypi-exp-gpio, which has lines 0\.\.7/);
    assert.throws(() => sysfsNumber(chips, { line: -1 }), /line -1 is not on/);
  });

  it('says clearly when there is no sysfs GPIO at all', async () => {
    const root = path.join(tmp, 'no-such-sysfs');
    assert.throws(() => listGpioChips(root), (err: Error) => err.message.includes(`no GPIO sysfs at ${root} (ENOENT)`));
    // The driver reads the tree on first use, and fails the open with the same message.
    const gpio = new SysfsGpio({ root, open: recordingFactory().open });
    await assert.rejects(gpio.openOutput({ line: 17 }, 0), /no GPIO sysfs at .* \(ENOENT\)/);
  });
});

describe('GPIO: SysfsGpio driver', () => {
  it('opens an output at initial level 0 with direction "low", on the chip base plus the line', async () => {
    const f = recordingFactory();
    const gpio = new SysfsGpio({ root: fakeSysfs(PI4_KERNEL_66), open: f.open });
    await gpio.openOutput({ line: 17 }, 0);
    await gpio.openOutput({ line: 18 }, 1);
    assert.deepEqual(
      f.pins.map((p) => [p.number, p.direction, p.edge]),
      [
        [529, 'low', undefined],
        [530, 'high', undefined],
      ],
    );
  });

  it('opens a relay inactive: "low" when active-high, "high" when active-low (DigitalOutput.open)', async () => {
    const f = recordingFactory();
    const gpio = new SysfsGpio({ root: fakeSysfs(PI5), open: f.open });
    const activeHigh = await DigitalOutput.open(gpio, { line: 17, activeLow: false });
    const activeLow = await DigitalOutput.open(gpio, { line: 18, activeLow: true });
    assert.equal(f.pin(588).direction, 'low');
    assert.equal(f.pin(589).direction, 'high');
    // Opening alone writes nothing more: the direction sets the level in one go.
    assert.deepEqual(f.pin(588).writes, []);
    assert.deepEqual(f.pin(589).writes, []);

    activeLow.set(true);
    activeHigh.set(true);
    activeLow.set(false);
    assert.deepEqual(f.pin(588).writes, [1]);
    assert.deepEqual(f.pin(589).writes, [0, 1]);
  });

  it('writes go to the pin of their own line', async () => {
    const f = recordingFactory();
    const gpio = new SysfsGpio({ root: fakeSysfs(PI4_KERNEL_66), chip: 'pinctrl-bcm2711', open: f.open });
    const relay = await gpio.openOutput({ line: 17 }, 0);
    const led = await gpio.openOutput({ line: 5 }, 0);
    const exp = await gpio.openOutput({ line: 1, chip: 'raspberrypi-exp-gpio' }, 0);
    relay.writeSync(1);
    led.writeSync(1);
    led.writeSync(0);
    exp.writeSync(1);
    assert.deepEqual(f.pin(529).writes, [1]);
    assert.deepEqual(f.pin(517).writes, [1, 0]);
    assert.deepEqual(f.pin(571).writes, [1]);
    // Closing an output leaves it exported and driven: unexporting would float a relay line.
    await relay.close();
    assert.equal(f.pin(529).unexported, false);
  });

  it('opens inputs as "in" with edge "both", and passes edges and levels through', async () => {
    const f = recordingFactory();
    const gpio = new SysfsGpio({ root: fakeSysfs(PI4_KERNEL_66), open: f.open });
    const input = await DigitalInput.open(gpio, { line: 22, activeLow: true, debounceMs: 0 });
    const pin = f.pin(534);
    assert.equal(pin.direction, 'in');
    assert.equal(pin.edge, 'both');
    // Level 0 on an active-low input: active.
    assert.equal(input.active, true);
    pin.value = 1;
    for (const w of pin.watchers) w(null, 1);
    assert.equal(input.active, false);
    // An edge reported with an error is ignored.
    pin.value = 0;
    for (const w of pin.watchers) w(new Error('EIO'), 0);
    assert.equal(input.active, false);
    await input.close();
    assert.equal(pin.unexported, true);
    assert.equal(pin.watchers.length, 0);
  });

  it('describes a line by its sysfs number and chip', () => {
    const gpio = new SysfsGpio({ root: fakeSysfs(PI4_KERNEL_66), open: recordingFactory().open });
    assert.equal(gpio.describe({ line: 17 }), 'BCM 17 (sysfs gpio529 on pinctrl-bcm2711)');
    assert.equal(gpio.describe({ line: 99 }), 'BCM 99');
  });

  it('hints at the gpio group when sysfs refuses access', async () => {
    const open: OnoffFactory = () => {
      throw Object.assign(new Error('EACCES: permission denied, open /sys/class/gpio/export'), { code: 'EACCES' });
    };
    const gpio = new SysfsGpio({ root: fakeSysfs(PI4_KERNEL_66), open });
    await assert.rejects(gpio.openOutput({ line: 17 }, 0), /cannot open BCM 17 as sysfs gpio529 on pinctrl-bcm2711: .*in the gpio group/);
  });
});

describe('GPIO: active-low with the simulated driver', () => {
  it('DigitalOutput.set(true) on an active-low line writes level 0; inactive is level 1', async () => {
    const gpio = new SimulatedGpio();
    const low = await DigitalOutput.open(gpio, { line: 17, activeLow: true });
    assert.equal(gpio.level({ line: 17 }), 1);
    assert.equal(low.active, false);
    low.set(true);
    assert.equal(gpio.level({ line: 17 }), 0);
    assert.equal(low.active, true);
    low.set(false);
    assert.equal(gpio.level({ line: 17 }), 1);
  });

  it('DigitalOutput.set(true) on an active-high line writes level 1', async () => {
    const gpio = new SimulatedGpio();
    const high = await DigitalOutput.open(gpio, { line: 5, activeLow: false });
    assert.equal(gpio.level({ line: 5 }), 0);
    high.set(true);
    assert.equal(gpio.level({ line: 5 }), 1);
  });

  it('an active-low DigitalInput is active at level 0', async () => {
    const gpio = new SimulatedGpio();
    gpio.setInputLevel({ line: 23 }, 1);
    const input = await DigitalInput.open(gpio, { line: 23, activeLow: true, debounceMs: 0 });
    assert.equal(input.active, false);
    gpio.setInputLevel({ line: 23 }, 0);
    assert.equal(input.active, true);
    gpio.setInputLevel({ line: 23 }, 1);
    assert.equal(input.active, false);
  });

  it('an input takes its first state from the level at opening', async () => {
    const gpio = new SimulatedGpio();
    gpio.setInputLevel({ line: 23 }, 0);
    assert.equal((await DigitalInput.open(gpio, { line: 23, activeLow: true, debounceMs: 50 })).active, true);
    gpio.setInputLevel({ line: 24 }, 1);
    assert.equal((await DigitalInput.open(gpio, { line: 24, activeLow: false, debounceMs: 50 })).active, true);
  });

  it('inactiveLevel is the level a failsafe writes', () => {
    assert.equal(inactiveLevel({ line: 1, activeLow: false }), 0);
    assert.equal(inactiveLevel({ line: 1, activeLow: true }), 1);
  });
});

describe('GPIO: input debounce', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => {
    clock.restore();
  });

  async function openInput(debounceMs: number, activeLow = false): Promise<{ gpio: SimulatedGpio; input: DigitalInput; seen: boolean[] }> {
    const gpio = new SimulatedGpio();
    gpio.setInputLevel({ line: 22 }, activeLow ? 1 : 0);
    const input = await DigitalInput.open(gpio, { line: 22, activeLow, debounceMs });
    const seen: boolean[] = [];
    input.active$.subscribe((a) => seen.push(a));
    return { gpio, input, seen };
  }

  it('turns a bouncing contact into one change, debounceMs after the last edge', async () => {
    const { gpio, input, seen } = await openInput(50);
    const line: LineAddress = { line: 22 };
    for (const [level, ms] of [
      [1, 10],
      [0, 10],
      [1, 10],
      [0, 5],
      [1, 0],
    ] as Array<[Level, number]>) {
      gpio.setInputLevel(line, level);
      clock.tick(ms);
    }
    assert.deepEqual(seen, [false]);
    clock.tick(49);
    assert.deepEqual(seen, [false], 'changed before the level held for debounceMs');
    assert.equal(input.active, false);
    clock.tick(1);
    assert.deepEqual(seen, [false, true]);
    assert.equal(input.active, true);
    clock.tick(10_000);
    assert.deepEqual(seen, [false, true]);
  });

  it('keeps waiting while edges come closer together than debounceMs', async () => {
    const { gpio, seen } = await openInput(50);
    for (let i = 0; i < 10; i++) {
      gpio.setInputLevel({ line: 22 }, i % 2 === 0 ? 1 : 0);
      clock.tick(45);
    }
    // 450 ms of bouncing, ending at level 0: nothing to report.
    assert.deepEqual(seen, [false]);
    gpio.setInputLevel({ line: 22 }, 1);
    clock.tick(50);
    assert.deepEqual(seen, [false, true]);
  });

  it('reports nothing when the bounce settles back at the old level', async () => {
    const { gpio, input, seen } = await openInput(50, true);
    for (const level of [0, 1, 0, 1] as Level[]) {
      gpio.setInputLevel({ line: 22 }, level);
      clock.tick(20);
    }
    clock.tick(1000);
    assert.deepEqual(seen, [false]);
    assert.equal(input.active, false);
  });

  it('follows every edge at once with debounceMs 0', async () => {
    const { gpio, seen } = await openInput(0);
    gpio.setInputLevel({ line: 22 }, 1);
    assert.deepEqual(seen, [false, true]);
    gpio.setInputLevel({ line: 22 }, 0);
    assert.deepEqual(seen, [false, true, false]);
  });

  it('drops a pending change when the input is closed', async () => {
    const { gpio, input, seen } = await openInput(50);
    gpio.setInputLevel({ line: 22 }, 1);
    await input.close();
    clock.tick(1000);
    assert.deepEqual(seen, [false]);
    assert.equal(clock.countTimers(), 0);
  });
});

describe('GPIO: relays open at start and on shutdown (station hardware)', () => {
  function relaySpecs(config: StationConfig) {
    return config.evses.flatMap((e) => e.connectors.map((c) => c.relay));
  }

  it('opens every output at its inactive level, never passing through the active one', async () => {
    const config = scratchSimulatorConfig('evse-gpio-storage');
    const gpio = new SimulatedGpio();
    const writes: Array<{ line: number; level: Level }> = [];
    gpio.writes$.subscribe((w) => writes.push({ line: w.address.line, level: w.level }));
    const hw = await openStationHardware(config, { gpio });
    try {
      const relays = relaySpecs(config);
      assert.ok(relays.length > 0);
      for (const r of relays) {
        assert.equal(gpio.level(r), inactiveLevel(r), `relay BCM ${r.line}`);
        assert.deepEqual(
          writes.filter((w) => w.line === r.line).map((w) => w.level),
          [inactiveLevel(r)],
        );
      }
      for (const e of config.evses) for (const led of Object.values(e.leds)) if (led) assert.equal(gpio.level(led), inactiveLevel(led));
      assert.equal(hw.evses[0]?.connectors[0]?.relay.active, false);
    } finally {
      await hw.close();
    }
  });

  it('openAllRelays() opens a closed relay at once, synchronously, and close() does too', async () => {
    const config = scratchSimulatorConfig('evse-gpio-storage');
    const gpio = new SimulatedGpio();
    const hw = await openStationHardware(config, { gpio });
    const relay = hw.evses[0]?.connectors[0]?.relay;
    const feedback = hw.evses[0]?.connectors[0]?.relayFeedback;
    assert.ok(relay && feedback);
    const line = { line: relay.spec.line };

    relay.set(true);
    assert.equal(gpio.level(line), 1);
    const failures = hw.openAllRelays();
    assert.deepEqual(failures, []);
    assert.equal(gpio.level(line), 0);
    assert.equal(relay.active, false);

    relay.set(true);
    assert.equal(gpio.level(line), 1);
    await hw.close();
    assert.equal(gpio.level(line), 0);
  });

  it('with an active-low relay, open means level 1: at start, after openAllRelays() and after close()', async () => {
    const config = scratchSimulatorConfig('evse-gpio-storage');
    const spec = config.evses[0]?.connectors[0]?.relay;
    assert.ok(spec);
    spec.activeLow = true;
    const gpio = new SimulatedGpio();
    const writes: Level[] = [];
    gpio.writes$.subscribe((w) => {
      if (w.address.line === spec.line) writes.push(w.level);
    });
    const hw = await openStationHardware(config, { gpio });
    const relay = hw.evses[0]?.connectors[0]?.relay;
    assert.ok(relay);
    assert.equal(gpio.level(spec), 1);
    assert.deepEqual(writes, [1]);

    relay.set(true);
    assert.equal(gpio.level(spec), 0);
    // The simulated contactor's feedback contact follows its coil (after its 20 ms debounce).
    await waitFor('the relay feedback', () => hw.evses[0]?.connectors[0]?.relayFeedback?.active === true, 1000);
    hw.openAllRelays();
    assert.equal(gpio.level(spec), 1);

    relay.set(true);
    await hw.close();
    assert.equal(gpio.level(spec), 1);
    assert.deepEqual(writes, [1, 0, 1, 0, 1]);
  });
});

/** A SimulatedGpio that keeps the raw output pins, so a test can drive a relay line the agent holds. */
class CapturingGpio extends SimulatedGpio {
  readonly pins = new Map<number, RawOutputPin>();
  override async openOutput(address: LineAddress, initialLevel: Level): Promise<RawOutputPin> {
    const pin = await super.openOutput(address, initialLevel);
    this.pins.set(address.line, pin);
    return pin;
  }
}

describe('GPIO: run command opens the relays when stopped', () => {
  it('writes the relay inactive on abort, after it was energised, and resolves 0', async () => {
    const gpio = new CapturingGpio();
    const writes: Array<{ line: number; level: Level }> = [];
    gpio.writes$.subscribe((w) => writes.push({ line: w.address.line, level: w.level }));
    const controller = new AbortController();
    const io = captureIo(controller.signal);
    const done = runCommand(io, simulatorConfigCopy(), { gpio });

    await waitFor('the relay to be opened', () => writes.some((w) => w.line === 17));
    assert.deepEqual(
      writes.filter((w) => w.line === 17).map((w) => w.level),
      [0],
    );
    await waitFor('the agent running', () => /running EVSE-SIM-001/.test(io.err()));

    // Energise the contactor behind the agent's back, as the charging core would.
    const pin = gpio.pins.get(17);
    assert.ok(pin);
    pin.writeSync(1);
    assert.equal(gpio.level({ line: 17 }), 1);

    // While running, the process-wide failsafe hook opens it (what SIGTERM and crashes run first).
    runFailsafeHooks();
    assert.equal(gpio.level({ line: 17 }), 0);

    pin.writeSync(1);
    const before = writes.length;
    controller.abort();
    assert.equal(await done, 0);
    const after = writes.slice(before).filter((w) => w.line === 17);
    assert.ok(after.length > 0, 'nothing written to the relay on stop');
    assert.equal(after.at(-1)?.level, 0);
    assert.equal(gpio.level({ line: 17 }), 0);
    assert.match(io.err(), /stopping: opening every relay/);

    // The hook is gone with the command.
    pin.writeSync(1);
    runFailsafeHooks();
    assert.equal(gpio.level({ line: 17 }), 1);
  });

  it('touches no GPIO line when the config is invalid', async () => {
    const gpio = new SimulatedGpio();
    let written = 0;
    gpio.writes$.subscribe(() => written++);
    const io = captureIo();
    const code = await runCommand(io, path.join(repoRoot, 'test', 'config', 'bad', 'gpio-line-relay-and-led.json'), { gpio });
    assert.equal(code, 78);
    assert.equal(written, 0);
    assert.match(io.err(), /invalid configuration/);
  });
});

describe('GPIO: failsafe command', () => {
  /** A relay left energised by an agent that is gone: driven at its active level, no longer held. */
  async function energised(gpio: SimulatedGpio, line: number, activeLow = false): Promise<void> {
    const pin = await gpio.openOutput({ line }, activeLow ? 0 : 1);
    await pin.close();
    assert.equal(gpio.level({ line }), activeLow ? 0 : 1);
  }

  /** Every level written from now on, by line. */
  function recordWrites(gpio: SimulatedGpio): Map<number, Level[]> {
    const byLine = new Map<number, Level[]>();
    gpio.writes$.subscribe((w) => byLine.set(w.address.line, [...(byLine.get(w.address.line) ?? []), w.level]));
    return byLine;
  }

  it('opens the relay of a valid config and exits 0', async () => {
    const gpio = new SimulatedGpio();
    await energised(gpio, 17);
    const writes = recordWrites(gpio);
    const io = captureIo();
    const code = await failsafeCommand(io, simulatorConfig, gpio);
    assert.equal(code, 0, io.err());
    assert.equal(gpio.level({ line: 17 }), 0);
    // Only the inactive level, from the first write: the contactor never closes on the way.
    assert.ok((writes.get(17) ?? []).length > 0);
    assert.ok((writes.get(17) ?? []).every((l) => l === 0), String(writes.get(17)));
    assert.match(io.out(), /^failsafe: relay BCM 17 \(simulated\) open$/m);
    assert.equal(io.err(), '');
  });

  it('still opens every relay it finds in a config that does not validate, with a warning', async () => {
    const doc = simulatorDoc();
    doc['evses'][0]['maxCurentA'] = 32; // a typo: the config no longer validates
    doc['evses'].push({ id: 2, connectors: [{ id: 1, relay: { line: 18, activeLow: true } }] });
    const file = path.join(tmp, 'failsafe-typo.json');
    writeFileSync(file, JSON.stringify(doc));
    const gpio = new SimulatedGpio();
    await energised(gpio, 17);
    await energised(gpio, 18, true);
    const writes = recordWrites(gpio);
    const io = captureIo();
    const code = await failsafeCommand(io, file, gpio);
    assert.equal(code, 0, io.err());
    assert.equal(gpio.level({ line: 17 }), 0);
    assert.equal(gpio.level({ line: 18 }), 1);
    assert.ok((writes.get(17) ?? []).every((l) => l === 0), String(writes.get(17)));
    assert.ok((writes.get(18) ?? []).every((l) => l === 1), String(writes.get(18)));
    const warnings = io.err().split('\n').filter((l) => l.length > 0);
    assert.equal(warnings.length, 1, io.err());
    assert.match(warnings[0] ?? '', /^failsafe: .*failsafe-typo\.json does not validate \(1 config problem\(s\)\); opening every relay line found in it$/);
    assert.equal(io.out().match(/ open$/gm)?.length, 2);
  });

  it('exits 78 when the config is not JSON, and 78 when it does not exist', async () => {
    const gpio = new SimulatedGpio();
    let written = 0;
    gpio.writes$.subscribe(() => written++);
    for (const file of [path.join(repoRoot, 'test', 'config', 'bad', 'not-json.json'), path.join(tmp, 'missing.json')]) {
      const io = captureIo();
      assert.equal(await failsafeCommand(io, file, gpio), 78);
      assert.match(io.err(), /failsafe: cannot read .*; no relay line known/);
    }
    assert.equal(written, 0);
  });

  it('exits 1 when there is no relay to open', async () => {
    const doc = simulatorDoc();
    doc['evses'] = [];
    const file = path.join(tmp, 'failsafe-no-relays.json');
    writeFileSync(file, JSON.stringify(doc));
    const io = captureIo();
    assert.equal(await failsafeCommand(io, file, new SimulatedGpio()), 1);
    assert.match(io.err(), /no relay line in the config/);
  });

  it('does nothing for simulated GPIO without a driver to use', async () => {
    const io = captureIo();
    assert.equal(await failsafeCommand(io, simulatorConfig), 0);
    assert.match(io.out(), /GPIO is simulated/);
  });

  it('relayLinesLeniently takes the well-formed relays and skips the rest', () => {
    const found = relayLinesLeniently({
      gpio: { driver: 'sysfs', chip: 'pinctrl-rp1', sysfsRoot: '/tmp/gpio' },
      evses: [
        { connectors: [{ relay: { line: 17 } }, { relay: { line: '18' } }, null, { relay: { line: 19, activeLow: true, chip: 'x' } }] },
        { connectors: 'nope' },
        null,
        { connectors: [{ relay: { line: 20.5 } }, { relay: { line: 21, activeLow: 'yes' } }] },
      ],
    });
    assert.deepEqual(found, {
      driver: 'sysfs',
      chip: 'pinctrl-rp1',
      root: '/tmp/gpio',
      relays: [
        { line: 17, activeLow: false },
        { line: 19, activeLow: true, chip: 'x' },
        { line: 21, activeLow: false },
      ],
    });
    assert.deepEqual(relayLinesLeniently(null), { driver: 'sysfs', relays: [] });
  });
});

describe('GPIO: signals in a real process', () => {
  it('on SIGTERM, opens every relay and exits 0', async function () {
    this.timeout(20_000);
    const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, 'run', '--config', simulatorConfigCopy()], {
      cwd: repoRoot,
      env: { ...process.env, JOURNAL_STREAM: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      await waitFor('the agent running', () => /running EVSE-SIM-001/.test(stderr) || child.exitCode !== null, 12_000);
      assert.match(stderr, /running EVSE-SIM-001/, stdout);
      child.kill('SIGTERM');
      const { code, signal } = await exited;
      assert.equal(signal, null, stderr);
      assert.equal(code, 0, stderr);
      assert.match(stderr, /opening every relay/);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
