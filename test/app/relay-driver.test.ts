import assert from 'node:assert/strict';
import { relayDriver } from '../../src/app/station-ports.js';

// Issue 18: the relay closes only once what the journal holds (the transaction's start) is on
// disk; it opens at once, and a close still waiting for the disk when an open comes is dropped.

describe('relay driver: closing after the journal, opening at once', () => {
  function rig() {
    const driven: boolean[] = [];
    let release!: () => void;
    const onDisk = new Promise<void>((r) => (release = r));
    let pending: Promise<void> | undefined = onDisk;
    const setRelay = relayDriver(
      (closed) => driven.push(closed),
      () => pending,
    );
    return { driven, setRelay, release: () => (release(), (pending = undefined)) };
  }

  it('a close waits for the journal; an open does not', async () => {
    const r = rig();
    r.setRelay(true);
    await new Promise((res) => setImmediate(res));
    assert.deepEqual(r.driven, [], 'not closed while the start is not on disk');
    r.release();
    await new Promise((res) => setImmediate(res));
    assert.deepEqual(r.driven, [true]);
    r.setRelay(false);
    assert.deepEqual(r.driven, [true, false], 'opened in the same turn');
  });

  it('a fault opening it while the close waits: it never closes', async () => {
    const r = rig();
    r.setRelay(true);
    await new Promise((res) => setImmediate(res));
    r.setRelay(false);
    r.release();
    await new Promise((res) => setImmediate(res));
    assert.deepEqual(r.driven, [false]);
  });

  it('nothing waiting on disk: it closes after the current turn', async () => {
    const r = rig();
    r.release();
    r.setRelay(true);
    assert.deepEqual(r.driven, []);
    await Promise.resolve();
    assert.deepEqual(r.driven, [true]);
  });
});
