import assert from 'node:assert/strict';
import { NotConnected } from '../../../src/ocpp/rpc/rpc-errors.js';
import { OfflineOutbox } from '../../../src/services/outbox/offline-outbox.js';
import type { StateStore } from '../../../src/station/ports.js';
import { capturingLogger } from '../../helpers/logging.js';

function memoryStore(): StateStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return { data, read: <T>(name: string) => data.get(name) as T | undefined, write: (name, value) => void data.set(name, value) };
}

/** A send whose answer the test releases: resolve() as the CSMS answering, fail() as the connection dropping. */
function controlledSend(): { sent: string[]; send(m: string): Promise<void>; answer(): void; drop(): void } {
  const sent: string[] = [];
  let settle: { resolve(): void; reject(err: Error): void } | undefined;
  return {
    sent,
    send: (m) => {
      sent.push(m);
      return new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    },
    answer: () => settle?.resolve(),
    drop: () => settle?.reject(new NotConnected('ReservationStatusUpdate')),
  };
}

describe('offline outbox (reservation updates, fault events)', () => {
  it('sends in order, one at a time, and forgets a message once the CSMS answered it', async () => {
    const store = memoryStore();
    const csms = controlledSend();
    const outbox = new OfflineOutbox<string>({ name: 'test', maxPending: 10, send: (m) => csms.send(m), log: capturingLogger([]), keep: { store, key: 'k' } });
    outbox.add('a');
    outbox.add('b');
    await Promise.resolve();
    assert.deepEqual(csms.sent, ['a'], 'the second waits for the first answer');
    csms.answer();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(csms.sent, ['a', 'b']);
    assert.deepEqual(store.data.get('k'), ['b'], 'the answered one is gone from the store');
    csms.answer();
    await outbox.idle();
    assert.deepEqual(store.data.get('k'), []);
  });

  it('idle() waits for the answer of a message on its way, so a stop does not leave it to be sent twice', async () => {
    const store = memoryStore();
    const csms = controlledSend();
    const outbox = new OfflineOutbox<string>({ name: 'test', maxPending: 10, send: (m) => csms.send(m), log: capturingLogger([]), keep: { store, key: 'k' } });
    outbox.add('expired 42');
    let idle = false;
    const waiting = outbox.idle().then(() => (idle = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(idle, false, 'not idle while the answer is outstanding');
    csms.answer();
    await waiting;
    assert.deepEqual(store.data.get('k'), [], 'answered before the stop: nothing left to send again after the restart');
  });

  it('a message whose send the connection dropped stays kept, and idle() does not wait for a reconnection', async () => {
    const store = memoryStore();
    const csms = controlledSend();
    const outbox = new OfflineOutbox<string>({ name: 'test', maxPending: 10, send: (m) => csms.send(m), log: capturingLogger([]), keep: { store, key: 'k' } });
    outbox.add('expired 43');
    csms.drop();
    await outbox.idle();
    assert.deepEqual(store.data.get('k'), ['expired 43']);
    const restarted = new OfflineOutbox<string>({ name: 'test', maxPending: 10, send: (m) => csms.send(m), log: capturingLogger([]), keep: { store, key: 'k' } });
    void restarted.flush();
    assert.deepEqual(csms.sent, ['expired 43', 'expired 43'], 'sent again after the restart');
  });
});
