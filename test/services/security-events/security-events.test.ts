import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BehaviorSubject } from 'rxjs';
import { encodeSecurityEvent, securityEventNotificationRequest } from '../../../src/ocpp/v201/actions/security-event-notification.js';
import { SECURITY_EVENTS, SecurityEvents } from '../../../src/services/security-events/index.js';
import { silentLogger } from '../../../src/process/logger.js';
import { SECURITY_EVENT_JOURNAL_FILE, SecurityLog } from '../../../src/store/security-log.js';
import { TransactionJournal } from '../../../src/store/transaction-journal.js';

/** A04: the security log takes every event; critical ones wait on disk until the CSMS answered them. */

describe('A04 security events', () => {
  let dir: string;
  const opened: Array<{ events: SecurityEvents; journal: TransactionJournal }> = [];
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evse-security-events-'));
  });
  afterEach(() => {
    for (const o of opened.splice(0)) {
      o.events.stop();
      o.journal.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  function securityEvents(ready: boolean, send: (action: string, payload: object) => Promise<unknown>) {
    const journal = TransactionJournal.open(dir, SECURITY_EVENT_JOURNAL_FILE);
    const ready$ = new BehaviorSubject(ready);
    const events = new SecurityEvents({
      send,
      encode: encodeSecurityEvent,
      ready$,
      store: journal,
      securityLog: new SecurityLog(dir),
      attempts: () => 3,
      retryIntervalS: () => 0.01,
      timestamp: (at) => at.toISOString(),
      log: silentLogger,
    });
    opened.push({ events, journal });
    return { events, journal, ready$ };
  }

  it('the critical list is the appendix: StartupOfTheDevice, ResetOrReboot, SettingSystemTime critical; InvalidMessages, FailedToAuthenticationAtCsms not', () => {
    assert.equal(SECURITY_EVENTS.StartupOfTheDevice, true);
    assert.equal(SECURITY_EVENTS.ResetOrReboot, true);
    assert.equal(SECURITY_EVENTS.SettingSystemTime, true);
    assert.equal(SECURITY_EVENTS.InvalidMessages, false);
    assert.equal(SECURITY_EVENTS.FailedToAuthenticationAtCsms, false);
    assert.equal(Object.keys(SECURITY_EVENTS).length, 20);
  });

  it('techInfo is cut to the schema limit of 255 characters', () => {
    assert.equal(securityEventNotificationRequest('ResetOrReboot', '2026-01-01T00:00:00Z', 'x'.repeat(300)).techInfo?.length, 255);
    assert.deepEqual(securityEventNotificationRequest('ResetOrReboot', '2026-01-01T00:00:00Z'), { type: 'ResetOrReboot', timestamp: '2026-01-01T00:00:00Z' });
  });

  it('A04.FR.04 every event is in the security log; A04.FR.01 only the critical ones are sent', async () => {
    const sent: Array<[string, object]> = [];
    const { events } = securityEvents(true, async (action, payload) => void sent.push([action, payload]));
    const at = new Date('2026-03-01T10:00:00.000Z');
    events.raise({ type: 'InvalidMessages', techInfo: 'a frame that is not JSON' }, at);
    events.raise({ type: 'StartupOfTheDevice', techInfo: 'the machine started' }, at);
    await events.queue.idle(1000);
    assert.deepEqual(sent, [['SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: '2026-03-01T10:00:00.000Z', techInfo: 'the machine started' }]]);
    assert.deepEqual(
      new SecurityLog(dir).entries(),
      [
        { timestamp: '2026-03-01T10:00:00.000Z', type: 'InvalidMessages', techInfo: 'a frame that is not JSON' },
        { timestamp: '2026-03-01T10:00:00.000Z', type: 'StartupOfTheDevice', techInfo: 'the machine started' },
      ],
    );
  });

  it('A04.FR.02 a critical event raised while offline waits on disk, survives a restart, and goes once ready, in order', async () => {
    const sent: string[] = [];
    const send = async (_action: string, payload: object) => void sent.push((payload as { type: string }).type);
    const first = securityEvents(false, send);
    first.events.raise({ type: 'ResetOrReboot' });
    first.events.raise({ type: 'TamperDetectionActivated' });
    assert.equal(first.events.queue.length, 2);
    assert.deepEqual(sent, [], 'nothing goes before the boot is accepted');
    // The agent stops before the CSMS could be reached.
    first.events.stop();
    first.journal.close();
    opened.splice(0);
    const second = securityEvents(false, send);
    second.events.raise({ type: 'StartupOfTheDevice' });
    assert.equal(second.events.queue.length, 3);
    second.ready$.next(true);
    await second.events.queue.idle(1000);
    assert.deepEqual(sent, ['ResetOrReboot', 'TamperDetectionActivated', 'StartupOfTheDevice']);
    assert.deepEqual(second.journal.pending, [], 'answered: off the disk');
  });
});
