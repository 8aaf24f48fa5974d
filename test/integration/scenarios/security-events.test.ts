import assert from 'node:assert/strict';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { perVersion, startStation, VERSIONS, type AnyDriver, type OcppVersion } from '../drivers/start-station.js';
import { afterEachTest, assertCallError, callRecords, calls, ID, rawCall, securityLogOf, sleep, startAgent, startCsms, stopAgent, stopCsms, until } from '../harness.js';

/**
 * Security events, both versions (2.0.1 A04 and the appendix's list; the 1.6 security whitepaper's
 * SecurityEventNotification and its list): StartupOfTheDevice sent once the boot is accepted,
 * SettingSystemTime when the CSMS' time moves the station's, InvalidMessages once per streak of
 * malformed CALLs, ReconfigurationOfSecurityParameters in the security log (not critical in
 * either version, so not sent), and the critical ones waiting on disk across a restart (A04.FR.02).
 */

interface SecurityEventNotification {
  type: string;
  timestamp: string;
  techInfo?: string;
}

const securityEvents = (csms: DevCsms) => calls<SecurityEventNotification>(csms, 'SecurityEventNotification');

async function waitForSecurityEvents(csms: DevCsms, count: number, timeoutMs = 5000): Promise<SecurityEventNotification[]> {
  await until(() => securityEvents(csms).length >= count, timeoutMs, `${count} SecurityEventNotification(s)`);
  return securityEvents(csms);
}

/** The seq of the CSMS' Accepted answer to the last BootNotification. */
function acceptedAt(csms: DevCsms): number {
  const answers = csms.station(ID)!.messages.filter((m) => m.direction === 'toStation' && m.kind === 'callResult' && m.action === 'BootNotification');
  return answers.filter((m) => (m.payload as { status: string }).status === 'Accepted').at(-1)!.seq;
}

/** A valid CALL each version answers without changing anything. */
const VALID_CALL: Record<OcppVersion, (id: string) => string> = {
  '1.6': (id) => `[2,"${id}","GetConfiguration",{"key":["HeartbeatInterval"]}]`,
  '2.0.1': (id) => `[2,"${id}","GetVariables",{"getVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]}]`,
};

/** A security parameter each version lets the CSMS change without a new connection mattering. */
async function changeSecurityParameter(d: AnyDriver): Promise<string> {
  if (d.version === '1.6') {
    assert.deepEqual(await d.csms.changeConfiguration(ID, 'AuthorizationKey', '00112233445566778899aabbccddeeff0011'), { status: 'Accepted' });
    return 'AuthorizationKey changed';
  }
  const answer = await d.csms.setVariables(ID, [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'OrganizationName' }, attributeValue: 'Example CPO' }]);
  assert.equal(answer.setVariableResult[0]!.attributeStatus, 'Accepted');
  return 'SecurityCtrlr.OrganizationName changed';
}

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: security events`, function () {
    this.timeout(20000);
    afterEach(afterEachTest);

    it('A04.FR.01 StartupOfTheDevice: SecurityEventNotification after BootNotification Accepted, in the security log with the same time', async () => {
      const d = await startStation(version);
      const [event] = await waitForSecurityEvents(d.csms, 1);
      assert.equal(event!.type, 'StartupOfTheDevice');
      assert.ok(callRecords(d.csms, 'SecurityEventNotification')[0]!.seq > acceptedAt(d.csms), 'only after the boot was accepted');
      await until(() => d.agent.eventJournals.security!.pending.length === 0, 2000, 'answered: off the disk');
      assert.deepEqual(
        securityLogOf(d.agent).map((e) => [e.type, e.timestamp]),
        [['StartupOfTheDevice', event!.timestamp]],
      );
      await sleep(200);
      assert.equal(securityEvents(d.csms).length, 1);
    });

    it('SettingSystemTime (critical): a boot answer whose currentTime is an hour ahead moves the station clock: sent, with the time on the new clock', async () => {
      const ahead = (): string => new Date(Date.now() + 3_600_000).toISOString();
      const d = await startStation(version, {
        program: (csms) => csms.answer('BootNotification', () => ({ status: 'Accepted', interval: 300, currentTime: ahead() })),
      });
      const events = await waitForSecurityEvents(d.csms, 2);
      assert.deepEqual(events.map((e) => e.type).sort(), ['SettingSystemTime', 'StartupOfTheDevice']);
      const setting = events.find((e) => e.type === 'SettingSystemTime')!;
      assert.match(setting.techInfo ?? '', /forwards by 3\d{3}\.\d s/);
      assert.ok(Math.abs(Date.parse(setting.timestamp) - (Date.now() + 3_600_000)) < 10_000, 'stamped on the CSMS clock');
      assert.ok(securityLogOf(d.agent).some((e) => e.type === 'SettingSystemTime'));
    });

    it('InvalidMessages (not critical): malformed CALLs each answered with a CALLERROR, one event for the streak, in the log only; a valid CALL ends the streak', async () => {
      const d = await startStation(version);
      await waitForSecurityEvents(d.csms, 1);
      const code = perVersion(version, { '1.6': 'FormationViolation', '2.0.1': 'RpcFrameworkError' });
      assertCallError(await rawCall(d.csms, '[2,"bad-1","Heartbeat",{},{}]', 'bad-1'), code);
      assertCallError(await rawCall(d.csms, '[2,"bad-2","MakeCoffee",{}]', 'bad-2'), 'NotImplemented');
      assertCallError(await rawCall(d.csms, perVersion(version, { '1.6': '[2,"bad-3","Reset",{"type":"Immediate"}]', '2.0.1': '[2,"bad-3","Reset",{"type":"Soft"}]' }), 'bad-3'), 'PropertyConstraintViolation');
      const invalid = () => securityLogOf(d.agent).filter((e) => e.type === 'InvalidMessages');
      assert.equal(invalid().length, 1, 'once for the streak');
      assert.match(invalid()[0]!.techInfo ?? '', /message id bad-1/);
      assert.equal((await rawCall(d.csms, VALID_CALL[version]('good-1'), 'good-1')).kind, 'callResult');
      await sleep(200);
      assert.deepEqual(
        securityEvents(d.csms).map((e) => e.type),
        ['StartupOfTheDevice'],
        'InvalidMessages is not sent',
      );
    });

    it('ReconfigurationOfSecurityParameters (not critical): a security parameter changed by the CSMS is in the security log, not sent', async () => {
      const d = await startStation(version);
      await waitForSecurityEvents(d.csms, 1);
      const techInfo = await changeSecurityParameter(d);
      await until(() => securityLogOf(d.agent).some((e) => e.type === 'ReconfigurationOfSecurityParameters'), 2000, 'in the log');
      assert.equal(securityLogOf(d.agent).find((e) => e.type === 'ReconfigurationOfSecurityParameters')!.techInfo, techInfo);
      await sleep(300);
      assert.deepEqual(
        securityEvents(d.csms).map((e) => e.type),
        ['StartupOfTheDevice'],
      );
    });

    it('A04.FR.02 a critical event raised while the CSMS cannot be reached waits on disk across another restart, then is delivered after the boot', async () => {
      const d = await startStation(version);
      await waitForSecurityEvents(d.csms, 1);
      await until(() => d.agent.eventJournals.security!.pending.length === 0, 2000, 'answered');
      const port = d.csms.port;
      await stopCsms(d.csms);
      await d.stop();
      // Restarted with the CSMS down: ResetOrReboot waits on disk; restarted again: both wait.
      const offline = await startAgent(d.rig.file);
      await until(() => offline.agent.eventJournals.security!.pending.length === 1, 2000, 'the event on disk');
      await stopAgent(offline.agent);
      const back = await startAgent(d.rig.file);
      assert.equal(back.agent.eventJournals.security!.pending.length, 2, 'both events on disk');
      const csms = await startCsms({ port });
      const events = await waitForSecurityEvents(csms, 2, 10_000);
      assert.deepEqual(
        events.map((e) => e.type),
        ['ResetOrReboot', 'ResetOrReboot'],
      );
      assert.ok(callRecords(csms, 'SecurityEventNotification').every((m) => m.seq > acceptedAt(csms)), 'only after the boot was accepted');
      await until(() => back.agent.eventJournals.security!.pending.length === 0, 2000, 'answered: off the disk');
    });
  });
}
