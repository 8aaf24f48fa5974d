import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { BootNotificationRequest } from 'ocpp-messages/v2.0/BootNotificationRequest.js';
import type { NotifyReportRequest } from 'ocpp-messages/v2.0/NotifyReportRequest.js';
import type { SecurityEventNotificationRequest } from 'ocpp-messages/v2.0/SecurityEventNotificationRequest.js';
import { answers, type DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { readKernelBootId } from '../../../src/process/device-start.js';
import { SECURITY_EVENT_JOURNAL_FILE, SecurityLog } from '../../../src/store/security-log.js';
import {
  afterEachTest,
  assertNoCallErrors,
  callRecords,
  calls,
  configFile,
  ID,
  logLines,
  securityLogOf,
  sleep,
  startAgent,
  startCsms,
  startRig,
  stopAgent,
  stopCsms,
  storageOf,
  until,
  waitForAccepted,
} from './rig.js';

/**
 * A04 security events at boot (StartupOfTheDevice after a power-up, ResetOrReboot after a reset or
 * an agent restart), queued durably (A04.FR.02) and kept in the local security log (A04.FR.04);
 * B01.FR.09 the reason of a triggered boot; SecurityCtrlr.CertificateEntries.
 */

const securityEvents = (csms: DevCsms) => calls<SecurityEventNotificationRequest>(csms, 'SecurityEventNotification');

async function waitForSecurityEvents(csms: DevCsms, count: number, timeoutMs = 5000): Promise<SecurityEventNotificationRequest[]> {
  await until(() => securityEvents(csms).length >= count, timeoutMs, `${count} SecurityEventNotification(s)`);
  return securityEvents(csms);
}

/** The seq of the CSMS' Accepted answer to the last BootNotification. */
function acceptedAt(csms: DevCsms): number {
  const answers = csms.station(ID)!.messages.filter((m) => m.direction === 'toStation' && m.kind === 'callResult' && m.action === 'BootNotification');
  const accepted = answers.filter((m) => (m.payload as { status: string }).status === 'Accepted');
  assert.ok(accepted.length > 0, 'the boot was accepted');
  return accepted.at(-1)!.seq;
}

/** A04.FR.03: each SecurityEventNotification was answered. */
function assertAnswered(csms: DevCsms): void {
  const messages = csms.station(ID)!.messages;
  for (const call of callRecords(csms, 'SecurityEventNotification')) {
    assert.ok(
      messages.some((m) => m.direction === 'toStation' && m.kind === 'callResult' && m.messageId === call.messageId),
      `SecurityEventNotification ${call.messageId} answered`,
    );
  }
}

/**
 * A station whose first StartupOfTheDevice was answered, then restarted while the CSMS is down: its
 * ResetOrReboot waits on disk. Both stopped; returns the config file and the CSMS' port.
 */
async function oneEventWaitingOffline(): Promise<{ file: string; port: number }> {
  const { csms, agent, file } = await startRig();
  await waitForSecurityEvents(csms, 1);
  await until(() => agent.eventJournals.security!.pending.length === 0, 2000, 'answered');
  const port = csms.port;
  await stopCsms(csms);
  await stopAgent(agent);
  // Restarted while the CSMS is down: ResetOrReboot is raised offline.
  const offline = await startAgent(file);
  await sleep(300);
  assert.equal(offline.agent.eventJournals.security!.pending.length, 1, 'the event waits on disk');
  await stopAgent(offline.agent);
  return { file, port };
}

describe('OCPP 2.0.1 integration: security events (A04), triggered boot (B01.FR.09), CertificateEntries', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('A04 a power-up: SecurityEventNotification StartupOfTheDevice after BootNotification Accepted, answered, and in the security log', async () => {
    const { csms, agent } = await startRig();
    const [event, ...more] = await waitForSecurityEvents(csms, 1);
    assert.equal(event!.type, 'StartupOfTheDevice');
    assert.ok(!Number.isNaN(Date.parse(event!.timestamp)));
    const record = callRecords(csms, 'SecurityEventNotification')[0]!;
    assert.ok(record.seq > acceptedAt(csms), 'B01.FR.08: only after the boot was accepted');
    await until(() => agent.eventJournals.security!.pending.length === 0, 2000, 'the event off the disk once answered');
    assertAnswered(csms);
    await sleep(200);
    assert.deepEqual(more, []);
    assert.equal(securityEvents(csms).length, 1, 'one event per start');
    assert.deepEqual(
      securityLogOf(agent).map((e) => [e.type, e.timestamp]),
      [['StartupOfTheDevice', event!.timestamp]],
      'A04.FR.04: the same event in the local security log',
    );
    assertNoCallErrors(csms);
  });

  it('A04 the agent restarted on the same machine (crash, service restart): ResetOrReboot; after the machine rebooted (a new kernel boot id): StartupOfTheDevice', async () => {
    const { csms, agent, file } = await startRig();
    await waitForSecurityEvents(csms, 1);
    await stopAgent(agent);
    // The same kernel boot id as the first start: only the agent restarted.
    const restarted = await startAgent(file);
    await waitForAccepted(csms, restarted.agent);
    const afterRestart = await waitForSecurityEvents(csms, 2);
    assert.equal(afterRestart[1]!.type, 'ResetOrReboot');
    assert.equal(calls<BootNotificationRequest>(csms, 'BootNotification').length, 2);
    // Stopped as by kill -9 (stopAgent's power cut): the agent crashed, as far as it can tell.
    assert.equal(calls<BootNotificationRequest>(csms, 'BootNotification')[1]!.reason, 'ApplicationReset');
    await until(() => restarted.agent.eventJournals.security!.pending.length === 0, 2000, 'answered');
    await stopAgent(restarted.agent, 'clean');
    // A clean stop (systemctl restart) and a start on the same machine: LocalReset.
    const again = await startAgent(file);
    await waitForAccepted(csms, again.agent);
    assert.equal(calls<BootNotificationRequest>(csms, 'BootNotification')[2]!.reason, 'LocalReset');
    await waitForSecurityEvents(csms, 3);
    await until(() => again.agent.eventJournals.security!.pending.length === 0, 2000, 'answered');
    await stopAgent(again.agent);
    // The machine booted again: the kernel drew another boot id.
    const booted = await startAgent(file, { kernelBootId: () => `not-${readKernelBootId() ?? 'linux'}` });
    await waitForAccepted(csms, booted.agent);
    const afterBoot = await waitForSecurityEvents(csms, 4);
    assert.equal(afterBoot[3]!.type, 'StartupOfTheDevice');
    assert.equal(calls<BootNotificationRequest>(csms, 'BootNotification')[3]!.reason, 'PowerUp');
    await until(() => booted.agent.eventJournals.security!.pending.length === 0, 2000, 'answered');
    assert.deepEqual(
      securityLogOf(booted.agent).map((e) => e.type),
      ['StartupOfTheDevice', 'ResetOrReboot', 'ResetOrReboot', 'StartupOfTheDevice'],
    );
    assertAnswered(csms);
    assertNoCallErrors(csms);
  });

  it('A04 a start that fails (its API port taken) leaves no trace: the next start is still a power-up, StartupOfTheDevice once, PowerUp', async () => {
    const csms = await startCsms();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const file = configFile(csms.url, (d) => (d['api'] = { listen: `127.0.0.1:${port}` }));
    await assert.rejects(startAgent(file), /cannot listen/);
    await new Promise((resolve) => blocker.close(resolve));
    const { agent } = await startAgent(file);
    await waitForAccepted(csms, agent);
    await waitForSecurityEvents(csms, 1);
    await sleep(300);
    assert.deepEqual(securityEvents(csms).map((e) => e.type), ['StartupOfTheDevice']);
    assert.deepEqual(securityLogOf(agent).map((e) => e.type), ['StartupOfTheDevice']);
    assert.deepEqual(calls<BootNotificationRequest>(csms, 'BootNotification').map((b) => b.reason), ['PowerUp']);
    assertNoCallErrors(csms);
  });

  it('A04 after a Reset (B11): the station boots again with RemoteReset and sends ResetOrReboot, even where no kernel boot id tells a restart from a power-up', async () => {
    const { csms, agent, file } = await startRig();
    await waitForSecurityEvents(csms, 1);
    const { response } = await csms.resetStation(ID, { type: 'Immediate' });
    assert.deepEqual(response, { status: 'Accepted' });
    assert.equal(await Promise.race([agent.restartRequested, sleep(3000).then(() => undefined)]), 'RemoteReset');
    // As the runner does it: stop, start again with the reason.
    await stopAgent(agent);
    const again = await startAgent(file, { bootReason: 'RemoteReset', kernelBootId: () => undefined });
    await waitForAccepted(csms, again.agent);
    assert.equal(calls<BootNotificationRequest>(csms, 'BootNotification')[1]!.reason, 'RemoteReset');
    const events = await waitForSecurityEvents(csms, 2);
    assert.deepEqual(
      events.map((e) => e.type),
      ['StartupOfTheDevice', 'ResetOrReboot'],
    );
    assert.ok(callRecords(csms, 'SecurityEventNotification')[1]!.seq > acceptedAt(csms));
    assert.match(events[1]!.techInfo ?? '', /RemoteReset/);
    assertNoCallErrors(csms);
  });

  it('A04.FR.02 events raised while the CSMS cannot be reached wait on disk, across another restart, and are delivered in order after the reconnect and boot', async () => {
    const { file, port } = await oneEventWaitingOffline();
    // ... and the agent restarts again before the CSMS is back: nothing is lost.
    const back = await startAgent(file);
    assert.equal(back.agent.eventJournals.security!.pending.length, 2, 'both events on disk');
    assert.equal(back.agent.adapter.queue.length, 0, 'not in the transaction queue: GetTransactionStatus is not affected');
    const csms2 = await startCsms({ port });
    await waitForAccepted(csms2, back.agent, 8000);
    const events = await waitForSecurityEvents(csms2, 2);
    assert.deepEqual(
      events.map((e) => e.type),
      ['ResetOrReboot', 'ResetOrReboot'],
    );
    assert.ok(Date.parse(events[0]!.timestamp) < Date.parse(events[1]!.timestamp), 'oldest first, each with the time it happened');
    assert.ok(callRecords(csms2, 'SecurityEventNotification').every((m) => m.seq > acceptedAt(csms2)), 'only after the boot was accepted');
    await until(() => back.agent.eventJournals.security!.pending.length === 0, 2000, 'answered: off the disk');
    assertAnswered(csms2);
    assert.deepEqual(
      new SecurityLog(storageOf(file)).entries().map((e) => e.type),
      ['StartupOfTheDevice', 'ResetOrReboot', 'ResetOrReboot'],
    );
    assertNoCallErrors(csms2);
  });

  it('A04.FR.02 a damaged security event journal (a bad sector, a torn last record) is reported; the intact events are still delivered', async () => {
    const { file, port } = await oneEventWaitingOffline();
    appendFileSync(path.join(storageOf(file), SECURITY_EVENT_JOURNAL_FILE), '\u0000\u0000garbage from a bad sector\n0000beef {"t":"m","m":{"id":"x"');
    const csms2 = await startCsms({ port });
    const back = await startAgent(file);
    assert.ok(logLines.some((l) => /error +agent: security event journal damaged: 2 record\(s\) skipped/.test(l)), 'the damage is logged');
    await waitForAccepted(csms2, back.agent, 8000);
    const events = await waitForSecurityEvents(csms2, 2);
    assert.deepEqual(
      events.map((e) => e.type),
      ['ResetOrReboot', 'ResetOrReboot'],
      "the intact event from before, then this start's",
    );
    assertNoCallErrors(csms2);
  });

  it('B01.FR.09/F06 a BootNotification triggered while Pending says reason Triggered; the retries at the interval keep the boot reason (PowerUp); nothing else goes until Accepted', async () => {
    const { csms, agent } = await startRig({
      // Retried every second: long enough to trigger one in between, short enough not to wait long.
      program: (csms) => csms.answer('BootNotification', answers.boot('Pending', 1)),
      waitForAcceptance: false,
    });
    await csms.waitFor(ID, 'BootNotification');
    await until(() => agent.adapter.bootState$.value === 'Pending', 2000, 'Pending');
    assert.deepEqual((await csms.triggerMessage(ID, { message: 'BootNotification' })).response, { status: 'Accepted' });
    await until(() => calls(csms, 'BootNotification').length >= 2, 2000, 'the triggered boot');
    // Still Pending: the next boot comes at the interval, with the first reason again.
    await until(() => calls(csms, 'BootNotification').length >= 3, 4000, 'the boot retried at the interval');
    csms.answer('BootNotification', answers.boot('Accepted', 300));
    await until(() => calls(csms, 'BootNotification').length >= 4, 4000, 'the boot retried again');
    await until(() => agent.adapter.bootState$.value === 'Accepted', 2000, 'Accepted');
    assert.deepEqual(
      calls<BootNotificationRequest>(csms, 'BootNotification').map((b) => b.reason),
      ['PowerUp', 'Triggered', 'PowerUp', 'PowerUp'],
    );
    // B02.FR.02: the security event waited for Accepted.
    const [event] = await waitForSecurityEvents(csms, 1);
    assert.equal(event!.type, 'StartupOfTheDevice');
    assert.ok(callRecords(csms, 'SecurityEventNotification')[0]!.seq > acceptedAt(csms));
    assertNoCallErrors(csms);
  });

  it('SecurityCtrlr.CertificateEntries (2.2.4): GetVariables reads 0; FullInventory reports it ReadOnly, integer', async () => {
    const { csms } = await startRig();
    const got = await csms.getVariables(ID, [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'CertificateEntries' } }]);
    assert.deepEqual(
      got.getVariableResult.map((r) => [r.attributeStatus, r.attributeValue]),
      [['Accepted', '0']],
    );
    assert.equal((await csms.getBaseReport(ID, 'FullInventory', 77)).status, 'Accepted');
    await csms.waitFor<NotifyReportRequest>(ID, 'NotifyReport', (p) => p.requestId === 77 && !p.tbc);
    const items = calls<NotifyReportRequest>(csms, 'NotifyReport')
      .filter((p) => p.requestId === 77)
      .flatMap((p) => p.reportData ?? []);
    const entries = items.filter((i) => i.component.name === 'SecurityCtrlr' && i.variable.name === 'CertificateEntries');
    assert.equal(entries.length, 1);
    assert.deepEqual(entries[0]!.variableAttribute, [{ type: 'Actual', value: '0', mutability: 'ReadOnly', persistent: false, constant: false }]);
    assert.equal(entries[0]!.variableCharacteristics?.dataType, 'integer');
    assertNoCallErrors(csms);
  });

  it('ClockCtrlr.TimeAdjustmentReportingThreshold: a clock move within it raises no SettingSystemTime, one beyond it does (A04, appendix)', async () => {
    const { csms, agent } = await startRig();
    const setThreshold = async (seconds: number): Promise<void> => {
      const set = await csms.setVariables(ID, [{ component: { name: 'ClockCtrlr' }, variable: { name: 'TimeAdjustmentReportingThreshold' }, attributeValue: String(seconds) }]);
      assert.equal(set.setVariableResult[0]!.attributeStatus, 'Accepted');
    };
    // The Heartbeat's currentTime steers the clock (TimeSource lists Heartbeat).
    const heartbeatAhead = async (seconds: number): Promise<void> => {
      csms.answer('Heartbeat', () => ({ currentTime: new Date(Date.now() + seconds * 1000).toISOString() }));
      const before = calls(csms, 'Heartbeat').length;
      assert.deepEqual(await csms.call(ID, 'TriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
      await until(() => calls(csms, 'Heartbeat').length > before, 3000, 'the triggered Heartbeat');
      await sleep(200);
    };
    const settings = (): number => securityLogOf(agent).filter((e) => e.type === 'SettingSystemTime').length;
    await setThreshold(7200);
    await heartbeatAhead(3600);
    assert.equal(settings(), 0, 'an hour is within 7200 s');
    await setThreshold(60);
    await heartbeatAhead(3 * 3600);
    assert.equal(settings(), 1, 'two more hours are beyond 60 s');
    assertNoCallErrors(csms);
  });
});
