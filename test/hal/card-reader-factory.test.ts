import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { filter, firstValueFrom, timeout, type Observable } from 'rxjs';
import type { CardReaderConfig } from '../../src/config/station-config.js';
import { createCardReader } from '../../src/hal/card-reader-factory.js';
import { EvdevCardReader } from '../../src/hal/drivers/evdev/evdev-card-reader.js';
import { inputEventSizeFor } from '../../src/hal/drivers/evdev/input-event.js';
import { Pn532CardReader } from '../../src/hal/drivers/pn532/pn532-reader.js';
import { SimulatedCardReader } from '../../src/hal/drivers/simulated/simulated-card-reader.js';
import { SimulatedPn532 } from '../../src/hal/drivers/simulated/simulated-pn532.js';
import type { CardPresented, CardReader, CardReaderHealth } from '../../src/hal/roles/card-reader.js';
import { FakeClock, systemClock } from '../../src/station/clock.js';
import { openPtyPair, type PtyPair } from '../helpers/socat.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { keyBytesFor } from './evdev/typing.js';

/**
 * The card reader factory: each driver the config names, built with the config's settings, read
 * through the role: the simulated reader (cards presented by a lever, unplugged and back), a PN532
 * against the simulated PN532 on a socat pty pair, an evdev reader on a FIFO device.
 */

function next<T>(source: Observable<T>, pred: (v: T) => boolean, what: string): Promise<T> {
  return firstValueFrom(source.pipe(filter(pred), timeout({ first: 5000, with: () => { throw new Error(`timed out waiting for ${what}`); } })));
}

const healthIs = (state: CardReaderHealth['state']) => (h: CardReaderHealth): boolean => h.state === state;

function collect(reader: CardReader): CardPresented[] {
  const cards: CardPresented[] = [];
  reader.cards$.subscribe((c) => cards.push(c));
  return cards;
}

describe('card reader factory: the simulated reader', () => {
  const config: CardReaderConfig = { name: 'front', driver: 'simulated', evseId: 1 };

  it('is unknown until started, then ok, and reports each card presented with its type', async () => {
    const reader = createCardReader(config, { clock: new FakeClock() });
    assert.ok(reader instanceof SimulatedCardReader);
    assert.equal(reader.name, 'reader front (simulated)');
    const cards = collect(reader);
    assert.equal((await next(reader.health$, () => true, 'health')).state, 'unknown');
    assert.equal(reader.present('04A1B2C3D4E5F6'), false, 'nobody reads a reader not started');
    reader.start();
    await next(reader.health$, healthIs('ok'), 'ok');
    assert.equal(reader.present('04A1B2C3D4E5F6'), true);
    reader.present('123456', 'KeyCode');
    assert.deepEqual(cards, [
      { idToken: '04A1B2C3D4E5F6', type: 'ISO14443' },
      { idToken: '123456', type: 'KeyCode' },
    ]);
    await reader.close();
  });

  it('unplugged it is failed and reads nothing; plugged back it is ok and reads again', async () => {
    const sim = new SimulatedCardReader('reader front (simulated)');
    const reader = createCardReader(config, { clock: new FakeClock(), simulated: sim });
    assert.equal(reader, sim, 'the world\'s reader is the one given');
    const cards = collect(reader);
    const states: string[] = [];
    reader.health$.subscribe((h) => states.push(h.lastError ? `${h.state}: ${h.lastError}` : h.state));
    reader.start();
    sim.setGone(true);
    assert.equal(sim.present('DEADBEEF'), false);
    sim.setGone(false);
    sim.present('DEADBEEF');
    assert.deepEqual(states, ['unknown', 'ok', 'failed: the reader is gone (unplugged)', 'ok']);
    assert.deepEqual(cards, [{ idToken: 'DEADBEEF', type: 'ISO14443' }]);
    await reader.close();
  });

  it('outlives the agent: close() ends the session, the next start() reads on, still unplugged if it was', async () => {
    const sim = new SimulatedCardReader('reader front (simulated)');
    const first = createCardReader(config, { clock: new FakeClock(), simulated: sim });
    let completed = false;
    first.cards$.subscribe({ complete: () => (completed = true) });
    first.start();
    sim.setGone(true);
    await first.close();
    assert.equal(completed, true, 'the closed session\'s subscribers see the end');
    assert.equal(sim.present('DEADBEEF'), false);

    const second = createCardReader(config, { clock: new FakeClock(), simulated: sim });
    const cards = collect(second);
    second.start();
    assert.equal((await next(second.health$, () => true, 'health')).state, 'failed', 'still unplugged');
    sim.setGone(false);
    assert.equal(sim.present('DEADBEEF'), true);
    assert.deepEqual(cards, [{ idToken: 'DEADBEEF', type: 'ISO14443' }]);
    await second.close();
  });
});

describe('card reader factory: a PN532 against the simulated PN532 on a pty pair', function () {
  this.timeout(15000);
  let pty: PtyPair;
  let pn532: SimulatedPn532;
  let reader: CardReader | undefined;

  beforeEach(async () => {
    pty = await openPtyPair();
    pn532 = new SimulatedPn532();
    await pn532.openSerial(pty.a);
  });

  afterEach(async () => {
    await reader?.close();
    reader = undefined;
    await pn532.close();
    await pty.close();
  });

  it('opens the configured device at the configured speed and reports the card held', async () => {
    reader = createCardReader({ name: 'door', driver: 'pn532', evseId: 1, device: pty.b, baudRate: 115200 }, { clock: systemClock });
    assert.ok(reader instanceof Pn532CardReader);
    assert.equal(reader.name, `reader door (pn532 on ${pty.b})`);
    const card = next(reader.cards$, () => true, 'the card');
    reader.start();
    await next(reader.health$, healthIs('ok'), 'ok');
    pn532.holdCard('04a1b2c3d4e5f6');
    assert.deepEqual(await card, { idToken: '04A1B2C3D4E5F6', type: 'ISO14443' });
  });

  it('a device that is not there is reported failed, not thrown at the start', async () => {
    reader = createCardReader({ name: 'door', driver: 'pn532', evseId: 1, device: path.join(path.dirname(pty.b), 'no-such-tty') }, { clock: systemClock });
    reader.start();
    assert.equal((await next(reader.health$, healthIs('failed'), 'failed')).state, 'failed');
  });
});

describe('card reader factory: an evdev reader on a fake input device (FIFO)', () => {
  let dir: string;
  let fd: number | undefined;
  let reader: CardReader | undefined;

  beforeEach(() => {
    dir = makeTempDir('evse-reader-factory');
  });

  afterEach(async () => {
    await reader?.close();
    reader = undefined;
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    removeTempDir(dir);
  });

  it('reads the UID in the configured format (hex, 7 bytes, in order), its remarks in the log', async () => {
    const device = path.join(dir, 'usb-reader-event-kbd');
    execFileSync('mkfifo', [device]);
    // O_RDWR: on Linux opening a FIFO read-write does not wait for the other end.
    fd = openSync(device, 'r+');
    const logs: string[] = [];
    reader = createCardReader(
      { name: 'desk', driver: 'evdev', evseId: 2, device, format: { typed: 'hex', byteLength: 7, byteOrder: 'big' }, interKeyTimeoutMs: 200 },
      { clock: systemClock, log: (line) => logs.push(line) },
    );
    assert.ok(reader instanceof EvdevCardReader);
    assert.equal(reader.name, `reader desk (evdev on ${device})`);
    const card = next(reader.cards$, () => true, 'the card');
    reader.start();
    await next(reader.health$, healthIs('ok'), 'ok');
    const size = inputEventSizeFor(process.arch);
    writeSync(fd, keyBytesFor('ABCDEF0123456789', size));
    writeSync(fd, keyBytesFor('4A1B2C3D4E5F6', size));
    assert.deepEqual(await card, { idToken: '04A1B2C3D4E5F6', type: 'ISO14443' }, 'a 7-byte hex UID, not the default 4-byte decimal');
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, /^reader desk \(evdev on .*\): typed "ABCDEF0123456789" is not a card: .*7 bytes/);
  });
});

describe('card reader factory: configs it cannot build', () => {
  it('refuses a PN532 or an evdev reader without a device', () => {
    assert.throws(() => createCardReader({ name: 'door', driver: 'pn532', evseId: 1 }, { clock: systemClock }), /reader door: the pn532 driver needs a device/);
    assert.throws(() => createCardReader({ name: 'desk', driver: 'evdev', evseId: 1 }, { clock: systemClock }), /reader desk: the evdev driver needs a device/);
  });
});
