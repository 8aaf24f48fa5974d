import assert from 'node:assert/strict';
import { OpenEvsePilot } from '../../../src/hal/drivers/openevse/openevse-pilot.js';
import { formatFrame, type RapiFrame } from '../../../src/hal/drivers/openevse/rapi-codec.js';
import { RapiCommandError, RapiLink } from '../../../src/hal/drivers/openevse/rapi-link.js';
import type { SerialLink } from '../../../src/hal/drivers/serial-link.js';
import { FakeClock } from '../../../src/station/clock.js';

/**
 * The RAPI line's handling on FakeClock with a faked serial line whose answers the test writes:
 * notifications between a command and its answer, answers split over chunks, a wrong checksum,
 * no answer, a late answer, and a port that cannot be opened.
 */

class ScriptedLine {
  written: string[] = [];
  opens = 0;
  refuse = false;
  private data: ((chunk: Buffer) => void) | undefined;

  open = (): Promise<SerialLink> => {
    this.opens++;
    if (this.refuse) return Promise.reject(new Error('ENOENT: no such file or directory'));
    return Promise.resolve({
      write: (bytes: Buffer) => void this.written.push(bytes.toString('latin1')),
      onData: (listener: (chunk: Buffer) => void) => (this.data = listener),
      onGone: () => undefined,
      close: () => Promise.resolve(),
    });
  };

  /** The board writes `text` (raw bytes, several frames or a part of one). */
  say(text: string): void {
    this.data?.(Buffer.from(text, 'latin1'));
  }
}

describe('RAPI line (FakeClock, scripted serial line)', () => {
  let clock: FakeClock;
  let line: ScriptedLine;
  let notes: RapiFrame[];
  let link: RapiLink;
  const flush = (): Promise<void> => clock.advanceAsync(0);

  beforeEach(() => {
    clock = new FakeClock();
    line = new ScriptedLine();
    notes = [];
    link = new RapiLink({ path: '/dev/ttyFAKE', baudRate: 115200, clock, openLink: line.open, answerTimeoutMs: 1000, onNotification: (f) => notes.push(f) });
  });

  it('sends one command at a time; a notification between a command and its answer goes to its listener', async () => {
    const gs = link.command('GS');
    const gc = link.command('GC');
    await flush();
    assert.deepEqual(line.written, ['$GS^30\r']);
    line.say(formatFrame('AT', ['02', '02', 16, '0100']) + '$OK 02 0 ');
    line.say('02 0100\r');
    assert.deepEqual((await gs).args, ['02', '0', '02', '0100']);
    assert.deepEqual(notes.map((n) => n.code), ['AT']);
    await flush();
    assert.deepEqual(line.written, ['$GS^30\r', '$GC^20\r']);
    line.say(formatFrame('OK', [6, 32, 16, 32]));
    assert.deepEqual((await gc).args, ['6', '32', '16', '32']);
    assert.equal(line.opens, 1);
  });

  it('fails a command on a wrong checksum (crc), on $NK (exception), and after the timeout; drops a late answer', async () => {
    const garbled = link.command('GS');
    await flush();
    line.say('$OK 01 0^00\r');
    await assert.rejects(garbled, (e: unknown) => e instanceof RapiCommandError && e.kind === 'crc');
    const refused = link.command('SC', [99]);
    await flush();
    line.say(formatFrame('NK', [32]));
    await assert.rejects(refused, (e: unknown) => e instanceof RapiCommandError && e.kind === 'exception' && /NK 32/.test(e.message));
    const unanswered = link.command('GS');
    await flush();
    await clock.advanceAsync(999);
    let settled = false;
    unanswered.catch(() => undefined).finally(() => (settled = true));
    await flush();
    assert.equal(settled, false);
    await clock.advanceAsync(1);
    await assert.rejects(unanswered, (e: unknown) => e instanceof RapiCommandError && e.kind === 'timeout');
    // The late answer to the timed-out GS comes before the next command: nobody takes it.
    line.say(formatFrame('OK', ['01', 0]));
    const next = link.command('GC');
    await flush();
    line.say(formatFrame('OK', [6, 32, 10, 32]));
    assert.deepEqual((await next).args, ['6', '32', '10', '32']);
  });

  it('fails with io when the port cannot be opened, and opens it at the next command', async () => {
    line.refuse = true;
    await assert.rejects(link.command('GS'), (e: unknown) => e instanceof RapiCommandError && e.kind === 'io' && /ENOENT/.test(e.message));
    line.refuse = false;
    const gs = link.command('GS');
    await flush();
    line.say(formatFrame('OK', ['01', 0]));
    assert.equal((await gs).code, 'OK');
    assert.equal(line.opens, 2);
  });

  it('the pilot takes $ST from old firmware as a fresh status, and reports an unopenable port as an io fault', async () => {
    line.refuse = true;
    const pilot = new OpenEvsePilot({ path: '/dev/ttyFAKE', clock, failAfterPolls: 1, openLink: line.open });
    await pilot.poll();
    assert.equal(pilot.health.state, 'failed');
    assert.equal(pilot.health.lastFault?.kind, 'io');
    assert.equal(pilot.status?.vehicleState, 'F');
    line.refuse = false;
    const polled = pilot.poll();
    await flush();
    line.say(formatFrame('OK', ['02', 0]));
    await flush();
    line.say(formatFrame('OK', [6, 32, 16, 32]));
    await flush();
    // Nothing offered: the board is put to sleep (FS) after the read.
    line.say(formatFrame('OK'));
    assert.equal((await polled)?.vehicleState, 'B');
    line.say('$ST 03\r');
    assert.equal(pilot.status?.vehicleState, 'C');
    line.say('$ST 07\r');
    assert.deepEqual(pilot.status?.boardErrors, ['no-ground']);
    const closing = pilot.close();
    await flush();
    line.say(formatFrame('OK'));
    await closing;
    assert.deepEqual(line.written, ['$GS^30\r', '$GC^20\r', formatFrame('FS'), formatFrame('FS')]);
  });
});
