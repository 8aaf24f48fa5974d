import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { filter, firstValueFrom, Subject, timeout, type Observable } from 'rxjs';
import { EvdevCardReader } from '../../../src/hal/drivers/evdev/evdev-card-reader.js';
import { inputEventSizeFor, type InputEventSize } from '../../../src/hal/drivers/evdev/input-event.js';
import type { CardPresented, CardReaderHealth } from '../../../src/hal/roles/card-reader.js';
import { FakeClock, systemClock } from '../../../src/station/clock.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { keyBytesFor, KEY } from './typing.js';

/**
 * The real driver on a fake input device: a FIFO written with encoded events. Plugging is
 * creating the FIFO and opening its write end; unplugging is removing it and closing that end
 * (the reader then sees the end of the stream; a real device fails the read with ENODEV).
 */
class FakeInputDevice {
  private fd: number | undefined;
  constructor(readonly path: string) {}

  plug(): void {
    execFileSync('mkfifo', [this.path]);
    // O_RDWR: on Linux opening a FIFO read-write does not wait for the other end.
    this.fd = openSync(this.path, 'r+');
  }

  /** Removes the node first, so a reopen cannot block on the old FIFO. */
  unplug(): void {
    unlinkSync(this.path);
    this.closeEnd();
  }

  write(bytes: Buffer): void {
    if (this.fd === undefined) throw new Error('not plugged');
    writeSync(this.fd, bytes);
  }

  closeEnd(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

async function next<T>(source: Observable<T>, pred: (v: T) => boolean, what: string): Promise<T> {
  return firstValueFrom(source.pipe(filter(pred), timeout({ first: 5000, with: () => { throw new Error(`timed out waiting for ${what}`); } })));
}

const isState = (s: CardReaderHealth['state']) => (h: CardReaderHealth): boolean => h.state === s;

describe('evdev: the card reader on a fake input device (FIFO)', () => {
  let dir: string;
  let device: FakeInputDevice;
  let reader: EvdevCardReader | undefined;
  const logs: string[] = [];

  beforeEach(() => {
    dir = makeTempDir('evdev');
    device = new FakeInputDevice(path.join(dir, 'usb-reader-event-kbd'));
    logs.length = 0;
  });

  afterEach(async () => {
    await reader?.close();
    reader = undefined;
    // The end of the stream lets a read still waiting in the closed reader return, and its fd close.
    device.closeEnd();
    removeTempDir(dir);
  });

  function open(eventSize?: InputEventSize): EvdevCardReader {
    reader = new EvdevCardReader({
      device: device.path,
      clock: systemClock,
      eventSize,
      retryInitialMs: 20,
      retryMaxMs: 50,
      log: (m) => logs.push(m),
    });
    return reader;
  }

  for (const size of [16, 24] as InputEventSize[]) {
    it(`reads cards typed as ${size}-byte events, also when a write splits an event`, async () => {
      device.plug();
      const r = open(size);
      const health = next(r.health$, isState('ok'), 'ok');
      r.start();
      await health;
      const cards: CardPresented[] = [];
      r.cards$.subscribe((c) => cards.push(c));
      const first = next(r.cards$, () => true, 'the first card');
      device.write(keyBytesFor('0473670148', size));
      assert.deepEqual(await first, { idToken: '04A23B1C', type: 'ISO14443' });
      const bytes = keyBytesFor('0077217308', size, KEY.KPENTER);
      const second = next(r.cards$, () => true, 'the second card');
      device.write(bytes.subarray(0, size + 5));
      device.write(bytes.subarray(size + 5));
      assert.deepEqual(await second, { idToken: '1C3E9A04', type: 'ISO14443' });
      assert.equal(cards.length, 2);
    });
  }

  it('derives the event size from the architecture when not given', async () => {
    device.plug();
    const r = open();
    r.start();
    const card = next(r.cards$, () => true, 'a card');
    device.write(keyBytesFor('0473670148', inputEventSizeFor(process.arch)));
    assert.equal((await card).idToken, '04A23B1C');
  });

  it('reports a missing device failed and opens it once it appears', async () => {
    const r = open(24);
    const failed = next(r.health$, isState('failed'), 'failed');
    r.start();
    assert.match((await failed).lastError ?? '', /ENOENT/);
    const ok = next(r.health$, isState('ok'), 'ok');
    device.plug();
    await ok;
    const card = next(r.cards$, () => true, 'a card');
    device.write(keyBytesFor('0473670148', 24));
    assert.equal((await card).idToken, '04A23B1C');
  });

  it('unplugged: failed, a partial card is dropped; replugged: ok and cards flow again', async () => {
    device.plug();
    const r = open(24);
    const states: string[] = [];
    // Each failed reopen says why again (lastError); the states themselves go ok, failed, ok.
    r.health$.subscribe((h) => {
      if (states.at(-1) !== h.state) states.push(h.state);
    });
    const ok = next(r.health$, isState('ok'), 'ok');
    r.start();
    await ok;
    const cards: string[] = [];
    r.cards$.subscribe((c) => cards.push(c.idToken));

    // Half a card, then the reader is pulled out.
    device.write(keyBytesFor('1234', 24, null));
    const failed = next(r.health$, isState('failed'), 'failed');
    device.unplug();
    await failed;
    // It keeps trying while it is gone (ENOENT on each try).
    await next(r.health$, (h) => /ENOENT/.test(h.lastError ?? ''), 'a failed reopen');

    const back = next(r.health$, isState('ok'), 'ok again');
    device.plug();
    await back;
    const card = next(r.cards$, () => true, 'a card after replugging');
    device.write(keyBytesFor('0473670148', 24));
    assert.equal((await card).idToken, '04A23B1C');
    assert.deepEqual(cards, ['04A23B1C'], 'the partial "1234" did not prefix the next card');
    assert.deepEqual(states, ['unknown', 'ok', 'failed', 'ok']);
    assert.ok(logs.some((l) => l.includes('partial card "1234" discarded')));
  });

  it('logs and skips what is typed but is not a card of its format', async () => {
    device.plug();
    const r = open(24);
    r.start();
    const card = next(r.cards$, () => true, 'a card');
    device.write(keyBytesFor('99999999999', 24)); // more than 4 bytes
    device.write(keyBytesFor('0473670148', 24));
    assert.equal((await card).idToken, '04A23B1C');
    assert.ok(logs.some((l) => l.includes('is not a card')));
  });

  it('reports a card held still once: a repeat within the hold-off is not a new card, and extends it', async () => {
    device.plug();
    const clock = new FakeClock();
    const notCards = new Subject<string>();
    let skipped = 0;
    const r = new EvdevCardReader({
      device: device.path,
      clock,
      eventSize: 24,
      repeatHoldOffMs: 2000,
      log: (m) => {
        if (m.includes('is not a card')) notCards.next(String(++skipped));
      },
    });
    reader = r;
    const cards: string[] = [];
    r.cards$.subscribe((c) => cards.push(c.idToken));
    r.start();
    const A = '0473670148';
    const B = '0077217308';
    // Something typed that is not a card marks the point up to which the device was read.
    const typeThenMark = async (text: string): Promise<void> => {
      const n = skipped + 1;
      const marked = next(notCards, () => skipped >= n, 'the mark');
      device.write(keyBytesFor(text, 24));
      device.write(keyBytesFor('99999999999', 24));
      await marked;
    };
    await typeThenMark(A);
    assert.deepEqual(cards, ['04A23B1C']);
    clock.advance(1500);
    await typeThenMark(A);
    clock.advance(1500);
    await typeThenMark(A);
    assert.deepEqual(cards, ['04A23B1C'], 'typed again while held: once');
    clock.advance(2000);
    await typeThenMark(A);
    await typeThenMark(B);
    assert.deepEqual(cards, ['04A23B1C', '04A23B1C', '1C3E9A04'], 'after the hold-off it is a new presentation; another card at once');
  });

  it('stops retrying at close, and completes its observables', async () => {
    const clock = new FakeClock();
    const r = new EvdevCardReader({ device: device.path, clock, eventSize: 24, retryInitialMs: 1000, retryMaxMs: 4000 });
    reader = r;
    const failed = next(r.health$, isState('failed'), 'failed');
    r.start();
    await failed;
    assert.equal(clock.pending, 1, 'a reopen is scheduled');
    let completed = 0;
    r.health$.subscribe({ complete: () => completed++ });
    r.cards$.subscribe({ complete: () => completed++ });
    await r.close();
    assert.equal(completed, 2);
    assert.equal(clock.pending, 0, 'no reopen after close');
  });

  it('waits longer after each failed open, up to the maximum, and from the start again once open', async () => {
    const clock = new FakeClock();
    const retries = new Subject<string>();
    const r = new EvdevCardReader({
      device: device.path,
      clock,
      eventSize: 24,
      retryInitialMs: 1000,
      retryMaxMs: 4000,
      log: (m) => {
        const wait = /opening again in (\d+) ms/.exec(m)?.[1];
        if (wait !== undefined) retries.next(wait);
      },
    });
    reader = r;
    const waits: string[] = [];
    retries.subscribe((w) => waits.push(w));
    const retried = async (n: number): Promise<void> => {
      if (waits.length < n) await next(retries, () => waits.length >= n, `retry ${n}`);
    };
    r.start();
    for (let n = 1; n <= 4; n++) {
      await retried(n);
      clock.advance(4000);
    }
    await retried(5);
    assert.deepEqual(waits, ['1000', '2000', '4000', '4000', '4000']);
    const ok = next(r.health$, isState('ok'), 'ok');
    device.plug();
    clock.advance(4000);
    await ok;
    device.unplug();
    await retried(6);
    assert.equal(waits[5], '1000', 'the wait starts from the beginning after a good open');
  });
});
