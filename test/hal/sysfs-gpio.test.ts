import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  findChip,
  listGpioChips,
  RASPBERRY_PI_CHIP_LABELS,
  SysfsGpio,
  sysfsNumber,
  type OnoffFactory,
} from '../../src/hal/drivers/sysfs/sysfs-gpio.js';
import { DigitalInput, DigitalOutput } from '../../src/hal/gpio/gpio.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { fakeSysfs, type ChipSpec, PI3_KERNEL_66, PI4_KERNEL_66, PI4_OLD_KERNEL, PI5, recordingFactory } from './gpio-fakes.js';

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
    const root = path.join(makeTempDir('evse-gpio-test'), 'no-such-sysfs');
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
