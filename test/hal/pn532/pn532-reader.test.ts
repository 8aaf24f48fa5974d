import assert from 'node:assert/strict';
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs';
import { Pn532CardReader } from '../../../src/hal/drivers/pn532/pn532-reader.js';
import { Pn532Command } from '../../../src/hal/drivers/pn532/pn532-frame.js';
import { SimulatedPn532 } from '../../../src/hal/drivers/simulated/simulated-pn532.js';
import type { CardPresented, CardReaderHealth } from '../../../src/hal/roles/card-reader.js';
import { systemClock } from '../../../src/station/clock.js';
import { openPtyPair, type PtyPair } from '../../helpers/socat.js';

/**
 * The real PN532 driver on one end of a socat pty pair, the simulated PN532 on the other: the
 * wire protocol, polling, a card reported once while held, and failure and recovery.
 */

async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function health(reader: Pn532CardReader, state: CardReaderHealth['state']): Promise<CardReaderHealth> {
  return firstValueFrom(reader.health$.pipe(filter((h) => h.state === state), timeout(3000)));
}

describe('PN532 reader against the simulated PN532 on a pty pair', () => {
  let pty: PtyPair;
  let sim: SimulatedPn532;
  let reader: Pn532CardReader;
  const cards: CardPresented[] = [];
  const polls = (): number => sim.commandCount(Pn532Command.InListPassiveTarget);
  /** Lets the driver poll `n` more times. */
  const morePolls = async (n: number): Promise<void> => {
    const from = polls();
    await until(`${n} polls`, () => polls() >= from + n);
  };

  beforeEach(async () => {
    pty = await openPtyPair();
    sim = new SimulatedPn532();
    await sim.openSerial(pty.a);
    cards.length = 0;
    reader = new Pn532CardReader({ path: pty.b, clock: systemClock, pollIntervalMs: 10, answerTimeoutMs: 200, backoffMs: [50, 100] });
    reader.cards$.subscribe((c) => cards.push(c));
  });

  afterEach(async () => {
    await reader.close();
    await sim.close();
    await pty.close();
  });

  it('wakes the chip, configures it and polls, healthy', async () => {
    reader.start();
    assert.deepEqual(await health(reader, 'ok'), { state: 'ok' });
    await morePolls(2);
    assert.deepEqual(sim.received.slice(0, 3), [Pn532Command.SAMConfiguration, Pn532Command.GetFirmwareVersion, Pn532Command.RFConfiguration]);
    assert.deepEqual(cards, []);
  });

  it('reports a card held once, and again when taken away and presented again', async () => {
    reader.start();
    await health(reader, 'ok');
    sim.holdCard('04a1b2c3d4e5f6');
    await until('the card', () => cards.length === 1);
    assert.deepEqual(cards, [{ idToken: '04A1B2C3D4E5F6', type: 'ISO14443' }]);
    await morePolls(5);
    assert.equal(cards.length, 1, 'a card held still is reported once');

    sim.holdCard(undefined);
    await morePolls(2);
    sim.holdCard('04A1B2C3D4E5F6');
    await until('the card again', () => cards.length === 2);

    sim.holdCard('DEADBEEF');
    await until('a 4-byte card', () => cards.length === 3);
    assert.deepEqual(cards[2], { idToken: 'DEADBEEF', type: 'ISO14443' });
  });

  it('asks again with a NACK when an answer is garbled on the line, and stays healthy', async () => {
    reader.start();
    await health(reader, 'ok');
    sim.holdCard('04A1B2C3D4E5F6');
    sim.corruptNextAnswer();
    await until('the card', () => cards.length === 1);
    assert.equal(sim.nacks, 1);
    await morePolls(2);
    assert.deepEqual(cards, [{ idToken: '04A1B2C3D4E5F6', type: 'ISO14443' }]);
  });

  it('is failed while the PN532 does not answer and ok again once it does', async () => {
    reader.start();
    await health(reader, 'ok');
    sim.mute();
    const failed = await health(reader, 'failed');
    assert.match(failed.lastError ?? '', /no answer/);
    sim.resume();
    await health(reader, 'ok');
    sim.holdCard('04A1B2C3D4E5F6');
    await until('a card after recovery', () => cards.length === 1);
  });

  it('is failed while the simulator is stopped and ok again once it is restarted', async () => {
    reader.start();
    await health(reader, 'ok');
    await sim.close();
    await health(reader, 'failed');
    sim = new SimulatedPn532();
    await sim.openSerial(pty.a);
    await health(reader, 'ok');
    sim.holdCard('04A1B2C3D4E5F6');
    await until('a card after the restart', () => cards.length === 1);
  });

  it('reports a state change once in health$ and completes it on close', async () => {
    sim.corruptNextAnswer(); // a garbled answer put right by a NACK is no failure
    const seen = firstValueFrom(reader.health$.pipe(take(10), toArray()));
    reader.start();
    await health(reader, 'ok');
    await reader.close();
    assert.deepEqual(await seen, [{ state: 'unknown' }, { state: 'ok' }]);
  });
});
