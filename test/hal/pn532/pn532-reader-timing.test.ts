import assert from 'node:assert/strict';
import { Pn532CardReader, type SerialLink } from '../../../src/hal/drivers/pn532/pn532-reader.js';
import { ERROR_FRAME, ACK_FRAME } from '../../../src/hal/drivers/pn532/pn532-frame.js';
import { SimulatedPn532 } from '../../../src/hal/drivers/simulated/simulated-pn532.js';
import type { CardPresented, CardReaderHealth } from '../../../src/hal/roles/card-reader.js';
import { FakeClock } from '../../../src/station/clock.js';

/**
 * The PN532 driver's timing on FakeClock: answer timeouts, the re-open backoff, a port that
 * vanishes, and close(). Only the serial line is faked; the PN532 behind it is the simulator.
 */

type Mode = 'answer' | 'silent' | 'error-frame';

class FakeLine {
  opens = 0;
  refuse = false;
  mode: Mode = 'answer';
  readonly sim = new SimulatedPn532();
  private data: ((chunk: Buffer) => void) | undefined;
  private gone: ((err: Error) => void) | undefined;

  open = (): Promise<SerialLink> => {
    this.opens++;
    if (this.refuse) return Promise.reject(new Error('ENOENT: no such file or directory'));
    return Promise.resolve({
      write: (bytes) => {
        if (this.mode === 'silent') return;
        if (this.mode === 'error-frame') return void queueMicrotask(() => this.data?.(Buffer.concat([ACK_FRAME, ERROR_FRAME])));
        this.sim.feed(bytes, (out) => queueMicrotask(() => this.data?.(out)));
      },
      onData: (listener) => (this.data = listener),
      onGone: (listener) => (this.gone = listener),
      close: () => {
        this.data = undefined;
        this.gone = undefined;
        return Promise.resolve();
      },
    });
  };

  vanish(): void {
    this.gone?.(new Error('read EIO'));
  }
}

describe('PN532 reader timing (FakeClock, faked serial line)', () => {
  let clock: FakeClock;
  let line: FakeLine;
  let reader: Pn532CardReader;
  let cards: CardPresented[];
  let health: CardReaderHealth[];

  beforeEach(() => {
    clock = new FakeClock();
    line = new FakeLine();
    reader = new Pn532CardReader({ path: '/dev/ttyFAKE', clock, pollIntervalMs: 100, answerTimeoutMs: 500, backoffMs: [1000, 2000, 5000], openLink: line.open });
    cards = [];
    health = [];
    reader.cards$.subscribe((c) => cards.push(c));
    reader.health$.subscribe((h) => health.push(h));
  });

  afterEach(async () => {
    await reader.close();
    assert.equal(clock.pending, 0, 'no timer left armed after close');
  });

  it('fails a reader that does not answer within the timeout, and re-opens it on the backoff', async () => {
    line.mode = 'silent';
    reader.start();
    await clock.advanceAsync(499);
    assert.deepEqual(health, [{ state: 'unknown' }]);
    await clock.advanceAsync(1);
    assert.deepEqual(health.at(-1), { state: 'failed', lastError: 'no answer to command 0x14 within 500 ms' });
    assert.equal(line.opens, 1);
    await clock.advanceAsync(1000);
    assert.equal(line.opens, 2, 'first re-open after 1 s');
    line.mode = 'answer'; // the command of the second attempt was lost: it times out at 2 s
    await clock.advanceAsync(2499);
    assert.equal(line.opens, 2);
    await clock.advanceAsync(1);
    assert.equal(line.opens, 3, 'second re-open 2 s after the second failure');
    assert.equal(health.at(-1)?.state, 'ok');
  });

  it('grows the backoff while the port cannot be opened, up to its last step', async () => {
    line.refuse = true;
    reader.start();
    await clock.advanceAsync(0);
    assert.deepEqual(health.at(-1), { state: 'failed', lastError: 'ENOENT: no such file or directory' });
    const opensAt: number[] = [];
    for (let t = 0; t < 20000; t += 500) {
      const before = line.opens;
      await clock.advanceAsync(500);
      if (line.opens > before) opensAt.push(t + 500);
    }
    assert.deepEqual(opensAt, [1000, 3000, 8000, 13000, 18000]);
    assert.equal(health.filter((h) => h.state === 'failed').length, 1, 'the same failure is reported once');
    line.refuse = false;
    await clock.advanceAsync(5000);
    assert.equal(health.at(-1)?.state, 'ok');
  });

  it('re-opens a port that vanished without reporting the card still held twice', async () => {
    line.sim.holdCard('04A1B2C3D4E5F6');
    reader.start();
    await clock.advanceAsync(300);
    assert.deepEqual(cards, [{ idToken: '04A1B2C3D4E5F6', type: 'ISO14443' }]);
    line.vanish();
    await clock.advanceAsync(0);
    assert.deepEqual(health.at(-1), { state: 'failed', lastError: 'read EIO' });
    await clock.advanceAsync(1500);
    assert.equal(line.opens, 2);
    assert.equal(health.at(-1)?.state, 'ok');
    assert.equal(cards.length, 1);
    line.sim.holdCard(undefined);
    await clock.advanceAsync(300);
    line.sim.holdCard('04A1B2C3D4E5F6');
    await clock.advanceAsync(300);
    assert.equal(cards.length, 2, 'taken away and presented again is a new card');
  });

  it('fails on an error frame from the PN532', async () => {
    line.mode = 'error-frame';
    reader.start();
    await clock.advanceAsync(0);
    assert.deepEqual(health.at(-1), { state: 'failed', lastError: 'PN532 sent an error frame' });
  });

  it('stops retrying on close()', async () => {
    line.refuse = true;
    reader.start();
    await clock.advanceAsync(0);
    await reader.close();
    await clock.advanceAsync(60000);
    assert.equal(line.opens, 1);
  });
});
