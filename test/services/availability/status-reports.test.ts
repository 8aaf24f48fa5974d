import assert from 'node:assert/strict';
import { NotConnected } from '../../../src/ocpp/rpc/rpc-errors.js';
import { silentLogger } from '../../../src/process/logger.js';
import { StatusReports, type StatusFailurePolicy } from '../../../src/services/availability/status-reports.js';
import { FakeClock } from '../../../src/station/clock.js';

/** The availability service: which status the CSMS hears, and when (1.6 4.9, 9.1.19; 2.0.1 B01.FR.05, B04, G01.FR.08), on a FakeClock. */

interface Rig {
  clock: FakeClock;
  reports: StatusReports<string>;
  current: Map<string, string>;
  sent: string[];
  state: { online: boolean; minimumS: number; failing: boolean };
}

function rig(onFailure: StatusFailurePolicy = 'forget', quiet: (key: string, status: string) => boolean = () => false): Rig {
  const clock = new FakeClock();
  const current = new Map<string, string>([
    ['1', 'Available'],
    ['2', 'Available'],
  ]);
  const sent: string[] = [];
  const state = { online: true, minimumS: 0, failing: false };
  const reports = new StatusReports<string>({
    clock,
    log: silentLogger,
    keys: () => [...current.keys()],
    current: (key) => current.get(key),
    identity: (s) => s,
    send: async (key, status, triggered) => {
      if (state.failing) throw new NotConnected('StatusNotification');
      sent.push(`${key}:${status}${triggered ? ' (triggered)' : ''}`);
    },
    online: () => state.online,
    minimumDurationS: () => state.minimumS,
    isQuiet: quiet,
    onFailure,
  });
  return { clock, reports, current, sent, state };
}

describe('availability: status reports', () => {
  it('B01.FR.05 / 1.6 4.2: after the boot every connector reports; a reconnect reports only what changed (B04)', async () => {
    const r = rig();
    assert.equal(await r.reports.report({}), true);
    assert.deepEqual(r.sent, ['1:Available', '2:Available']);
    r.current.set('2', 'Occupied');
    await r.reports.report({ onlyChanged: true });
    assert.deepEqual(r.sent, ['1:Available', '2:Available', '2:Occupied']);
    assert.equal(await r.reports.report({ keys: [] }), false, 'nothing selected');
  });

  it('1.6 9.1.19 MinimumStatusDuration: a status that does not hold for it is never reported; one that does is, once', async () => {
    const r = rig();
    await r.reports.report({});
    r.sent.length = 0;
    r.state.minimumS = 5;
    r.current.set('1', 'Preparing');
    r.reports.check();
    await r.clock.advanceAsync(3_000);
    r.current.set('1', 'Available'); // a blink
    r.reports.check();
    await r.clock.advanceAsync(10_000);
    assert.deepEqual(r.sent, [], 'the blink is not reported');
    r.current.set('1', 'Preparing');
    r.reports.check();
    await r.clock.advanceAsync(2_000);
    r.current.set('2', 'Preparing'); // a neighbour's change does not restart connector 1's wait
    r.reports.check();
    await r.clock.advanceAsync(3_000);
    assert.deepEqual(r.sent, ['1:Preparing']);
    await r.clock.advanceAsync(2_000);
    assert.deepEqual(r.sent, ['1:Preparing', '2:Preparing']);
    r.reports.stop();
    assert.equal(r.clock.pending, 0);
  });

  it('checks queued in one turn are made once, after it: a status held only in the middle of a decision is not reported', async () => {
    const r = rig();
    await r.reports.report({});
    r.sent.length = 0;
    r.current.set('1', 'Occupied');
    r.reports.queueCheck();
    r.current.set('1', 'Available');
    r.reports.queueCheck();
    await r.clock.advanceAsync(0);
    assert.deepEqual(r.sent, []);
  });

  it('offline: nothing is sent, and the change goes at the reconnection', async () => {
    const r = rig();
    await r.reports.report({});
    r.sent.length = 0;
    r.state.online = false;
    r.current.set('1', 'Unavailable');
    r.reports.check();
    await r.clock.advanceAsync(1_000);
    assert.deepEqual(r.sent, []);
    r.state.online = true;
    await r.reports.report({ onlyChanged: true });
    assert.deepEqual(r.sent, ['1:Unavailable']);
  });

  it("a failed send: 'forget' takes the CSMS to have heard nothing and goes on; 'restore' takes it to have heard the status before and stops", async () => {
    const forget = rig('forget');
    forget.state.failing = true;
    await forget.reports.report({});
    assert.equal(forget.reports.lastHeard('1'), undefined);
    assert.equal(forget.reports.lastHeard('2'), undefined);

    const restore = rig('restore');
    await restore.reports.report({});
    restore.current.set('1', 'Occupied');
    restore.current.set('2', 'Occupied');
    restore.state.failing = true;
    await restore.reports.report({ onlyChanged: true });
    assert.equal(restore.reports.lastHeard('1'), 'Available');
    restore.state.failing = false;
    await restore.reports.report({ onlyChanged: true });
    assert.deepEqual(restore.sent, ['1:Available', '2:Available', '1:Occupied', '2:Occupied']);
  });

  it('G01.FR.08: a quiet change is not reported among the changed ones, but a trigger reports it (F06.FR.09)', async () => {
    const r = rig('restore', (key, status) => key === '2' && status === 'Unavailable');
    await r.reports.report({});
    r.current.set('2', 'Unavailable');
    await r.reports.report({ onlyChanged: true });
    await r.reports.report({ keys: ['2'], triggered: true });
    assert.deepEqual(r.sent, ['1:Available', '2:Available', '2:Unavailable (triggered)']);
  });
});
