import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BehaviorSubject } from 'rxjs';
import { EventNotifications } from '../../../src/services/monitoring/index.js';
import { silentLogger } from '../../../src/process/logger.js';
import { NotConnected } from '../../../src/ocpp/rpc/rpc-errors.js';
import { FakeClock } from '../../../src/station/clock.js';
import { TransactionJournal } from '../../../src/store/transaction-journal.js';

/** NotifyEvent delivery: at once online, and OfflineQueuingSeverity deciding what waits on disk offline (N07.FR.04, N08.FR.03). */

const START = Date.UTC(2026, 2, 1, 10, 0, 0);
const FILE = 'monitor-events.journal';

describe('monitoring: event notifications and OfflineQueuingSeverity', () => {
  let dir: string;
  const opened: Array<{ events: EventNotifications; journal: TransactionJournal }> = [];
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evse-monitor-events-'));
  });
  afterEach(() => {
    for (const o of opened.splice(0)) {
      o.events.stop();
      o.journal.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  function harness(options: { online: boolean; offlineQueuingSeverity?: number; maxQueued?: number }) {
    const clock = new FakeClock(START);
    const journal = TransactionJournal.open(dir, FILE);
    // online: what the station believes; connected: whether a send finds the connection.
    const state = { online: options.online, connected: options.online };
    const ready$ = new BehaviorSubject(options.online);
    const sent: Array<{ eventId: number; severity: number }> = [];
    const events = new EventNotifications({
      send: async (_action, payload) => {
        if (!state.connected) throw new NotConnected('NotifyEvent');
        sent.push(payload as { eventId: number; severity: number });
        return {};
      },
      ready$,
      online: () => state.online,
      offlineQueuingSeverity: () => options.offlineQueuingSeverity ?? 4,
      store: journal,
      attempts: () => 3,
      retryIntervalS: () => 1,
      clock,
      log: silentLogger,
      maxQueued: options.maxQueued,
    });
    opened.push({ events, journal });
    const goOnline = async (): Promise<void> => {
      state.online = true;
      state.connected = true;
      ready$.next(true);
      await events.idle();
    };
    return { clock, journal, events, sent, goOnline, ready$, state };
  }

  const event = (severity: number) => (eventId: number) => ({ eventId, severity });

  it('online: sent at once, numbered from the start time one up each, and nothing written to disk', async () => {
    const { events, sent } = harness({ online: true });
    events.notify(7, event(7));
    events.notify(9, event(9));
    await events.idle();
    const first = Math.floor(START / 1000) % 1_000_000_000;
    assert.deepEqual(sent, [
      { eventId: first, severity: 7 },
      { eventId: first + 1, severity: 9 },
    ]);
    assert.equal(existsSync(path.join(dir, FILE)) ? readFileSync(path.join(dir, FILE), 'utf8') : '', '');
  });

  it('offline: severity at or under OfflineQueuingSeverity waits in order, a higher one is dropped (N07.FR.04)', async () => {
    const { events, sent, goOnline } = harness({ online: false, offlineQueuingSeverity: 4 });
    events.notify(0, event(0));
    events.notify(5, event(5));
    events.notify(4, event(4));
    events.notify(9, event(9));
    assert.equal(events.waiting, 2);
    await goOnline();
    assert.deepEqual(
      sent.map((e) => e.severity),
      [0, 4],
    );
    assert.equal(events.waiting, 0);
  });

  it('what waits is on disk: after a restart it still goes, once, in order', async () => {
    const first = harness({ online: false, offlineQueuingSeverity: 9 });
    first.events.notify(1, event(1));
    first.events.notify(8, event(8));
    first.events.stop();
    first.journal.close();
    opened.splice(0);
    const second = harness({ online: false, offlineQueuingSeverity: 9 });
    assert.equal(second.events.waiting, 2);
    await second.goOnline();
    assert.deepEqual(
      second.sent.map((e) => e.severity),
      [1, 8],
    );
    assert.equal(second.journal.pending.length, 0);
  });

  it('online but with events still waiting, a new one queues behind them (order kept)', async () => {
    const { events, sent, goOnline, ready$ } = harness({ online: false, offlineQueuingSeverity: 9 });
    events.notify(3, event(3));
    ready$.next(false);
    await goOnline();
    events.notify(2, event(2));
    await events.idle();
    assert.deepEqual(
      sent.map((e) => e.severity),
      [3, 2],
    );
  });

  it('an event lost on the way (the connection went while sending) waits if its severity says so', async () => {
    const { events, sent, goOnline, ready$, state } = harness({ online: true, offlineQueuingSeverity: 4 });
    state.connected = false;
    events.notify(2, event(2));
    events.notify(6, event(6));
    // What the station learns a moment later.
    state.online = false;
    ready$.next(false);
    await events.idle();
    assert.equal(sent.length, 0);
    assert.equal(events.waiting, 1);
    await goOnline();
    assert.deepEqual(
      sent.map((e) => e.severity),
      [2],
    );
  });

  it('at most maxQueued wait; newer ones are dropped until there is room', async () => {
    const { events, sent, goOnline } = harness({ online: false, offlineQueuingSeverity: 9, maxQueued: 2 });
    for (const s of [1, 2, 3]) events.notify(s, event(s));
    assert.equal(events.waiting, 2);
    await goOnline();
    assert.deepEqual(
      sent.map((e) => e.severity),
      [1, 2],
    );
  });
});
