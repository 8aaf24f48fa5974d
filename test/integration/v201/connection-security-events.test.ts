import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SecurityEventNotificationRequest } from 'ocpp-messages/v2.0/SecurityEventNotificationRequest.js';
import type { Agent } from '../../../src/app/agent.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { repoRoot } from '../../helpers/cli.js';
import { tlsCsms, type TlsCsms } from '../../helpers/test-pki.js';
import { afterEachTest, assertNoCallErrors, callRecords, calls, configFile, ID, logLines, securityLogOf, sleep, startAgent, startCsms, startRig, until, waitForAccepted } from './rig.js';

/**
 * Security events a failed connection raises (Part 2 A00, A04): A00.FR.310 InvalidCsmsCertificate
 * against a wss:// CSMS whose certificate the station cannot verify, FailedToAuthenticationAtCsms
 * (appendix) against a CSMS that answers the upgrade with 401; each once per streak of failed
 * attempts (A00.FR.316 note), in the security log at once (A04.FR.04), the critical one sent after
 * the next BootNotification Accepted (A04.FR.01/.02).
 */

const tlsDir = path.join(repoRoot, 'test', 'fixtures', 'tls');
const pem = (name: string): Buffer => readFileSync(path.join(tlsDir, name));
const PASSWORD = 'station-password-0001';

const loggedOfType = (agent: Agent, type: string) => securityLogOf(agent).filter((e) => e.type === type);
const failedAttempts = (): number => logLines.filter((l) => l.includes('connection failed')).length;

/** A wss:// front (test PKI's tlsCsms) presenting a fixture certificate, passing the bytes to `backendPort` or dropping them. */
const tlsFront = (cert: string, key: string, port: number, backendPort?: number): Promise<TlsCsms> =>
  tlsCsms({ server: { certPem: pem(cert).toString(), keyPem: pem(key).toString() }, port, ...(backendPort === undefined ? {} : { backendPort }) });

describe('OCPP 2.0.1 integration: security events of failed connections (A00, A04)', function () {
  this.timeout(20000);
  const fronts: TlsCsms[] = [];
  afterEach(async () => {
    for (const f of fronts.splice(0)) await f.close();
  });
  afterEach(afterEachTest);

  it('A00.FR.310 a CSMS certificate from an unknown CA: InvalidCsmsCertificate once for the failure streak, in the security log at once, sent after BootNotification Accepted from a good CSMS; raised again in a new streak', async () => {
    const csms: DevCsms = await startCsms();
    const bad = await tlsFront('other-server.pem', 'other-server.key', 0);
    fronts.push(bad);
    const port = bad.port;
    const file = configFile(`wss://127.0.0.1:${port}/ocpp`, (doc) => {
      doc['ocpp'] = { ...doc['ocpp'], securityProfile: 2, password: PASSWORD, caFile: path.join(tlsDir, 'ca.pem') };
    });
    const { agent } = await startAgent(file);
    await until(() => loggedOfType(agent, 'InvalidCsmsCertificate').length === 1, 4000, 'InvalidCsmsCertificate in the security log');
    const [entry] = loggedOfType(agent, 'InvalidCsmsCertificate');
    assert.match(entry!.techInfo ?? '', new RegExp(`^UNABLE_TO_VERIFY_LEAF_SIGNATURE connecting to 127\\.0\\.0\\.1:${port}`));
    assert.equal(agent.adapter.bootState$.value, 'NotBooted');
    // A00.FR.316 note: not once per attempt.
    const before = failedAttempts();
    await until(() => failedAttempts() >= before + 2, 5000, 'two more failed attempts');
    assert.equal(loggedOfType(agent, 'InvalidCsmsCertificate').length, 1, 'once for the whole streak');
    // A04.FR.02: critical, so it waits on disk with this start's event.
    assert.equal(agent.eventJournals.security!.pending.length, 2);

    // The CSMS gets a certificate from the CA the station trusts, on the same address.
    fronts.splice(fronts.indexOf(bad), 1);
    await bad.close();
    fronts.push(await tlsFront('server.pem', 'server.key', port, csms.port));
    await waitForAccepted(csms, agent, 8000);
    await until(() => calls(csms, 'SecurityEventNotification').length >= 2, 5000, 'two SecurityEventNotifications');
    const events = calls<SecurityEventNotificationRequest>(csms, 'SecurityEventNotification');
    assert.deepEqual(
      events.map((e) => e.type),
      ['StartupOfTheDevice', 'InvalidCsmsCertificate'],
    );
    assert.equal(events[1]!.techInfo, entry!.techInfo);
    assert.equal(events[1]!.timestamp, entry!.timestamp, 'the time of the failure, as in the security log');
    const accepted = csms.station(ID)!.messages.find((m) => m.direction === 'toStation' && m.kind === 'callResult' && m.action === 'BootNotification')!.seq;
    assert.ok(callRecords(csms, 'SecurityEventNotification').every((m) => m.seq > accepted), 'A04: only after Accepted');
    await until(() => agent.eventJournals.security!.pending.length === 0, 3000, 'answered: off the disk');

    // The connection succeeded: a new streak of failures raises it again.
    await fronts.pop()!.close();
    await until(() => !agent.client.isConnected, 4000, 'the connection to drop');
    fronts.push(await tlsFront('other-server.pem', 'other-server.key', port));
    await until(() => loggedOfType(agent, 'InvalidCsmsCertificate').length === 2, 6000, 'a second InvalidCsmsCertificate');
    await sleep(100);
    assertNoCallErrors(csms);
  });

  it('FailedToAuthenticationAtCsms (appendix) a CSMS that answers the upgrade with 401: once for the failure streak, in the security log, not sent (not critical)', async () => {
    const passwords: Record<string, string> = { [ID]: 'another-password-0002' };
    const { csms, agent } = await startRig({
      csms: { basicAuth: passwords },
      config: (doc) => (doc['ocpp'] = { ...doc['ocpp'], securityProfile: 1, password: PASSWORD }),
      waitForAcceptance: false,
    });
    const refused = () => csms.connectionEvents.filter((e) => e.type === 'refused').length;
    await until(() => refused() >= 3, 6000, 'three refused attempts');
    const logged = loggedOfType(agent, 'FailedToAuthenticationAtCsms');
    assert.equal(logged.length, 1, 'once for the whole streak');
    assert.match(logged[0]!.techInfo ?? '', new RegExp(`^HTTP 401 connecting to 127\\.0\\.0\\.1:${csms.port}`));
    assert.equal(agent.eventJournals.security!.pending.length, 1, 'only StartupOfTheDevice waits for the CSMS');
    // The CSMS takes the station's password now.
    passwords[ID] = PASSWORD;
    await waitForAccepted(csms, agent, 8000);
    await until(() => agent.eventJournals.security!.pending.length === 0, 3000, 'answered');
    await sleep(200);
    assert.deepEqual(
      calls<SecurityEventNotificationRequest>(csms, 'SecurityEventNotification').map((e) => e.type),
      ['StartupOfTheDevice'],
    );
    assertNoCallErrors(csms);
  });
});
