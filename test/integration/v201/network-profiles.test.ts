import assert from 'node:assert/strict';
import type { SetNetworkProfileRequest, SetNetworkProfileResponse } from 'ocpp-messages/v2.0/index.js';
import type { Agent } from '../../../src/app/agent.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { createCa, issueServerCertificate, tlsCsms, type TlsCsms } from '../../helpers/test-pki.js';
import { afterEachTest, configFile, ID, logLines, restartWithin, securityLogOf, startAgent, startCsms, stopAgent, stopCsms, until, waitForAccepted, type ConfigChanges } from './rig.js';

/**
 * 2.0.1 network connection profiles: B09 SetNetworkProfile, B10 migrating to another CSMS by
 * NetworkConfigurationPriority and a reboot, the fallback to the next slot after
 * NetworkProfileConnectionAttempts failed attempts (B10.FR.03/07), A05 the security profile
 * raised by connecting with a higher one, never lowered (B09.FR.04, A05.FR.06/07).
 */

const PASSWORD = 'station-password-0001';

const profile = (url: string, securityProfile: number, more: Partial<SetNetworkProfileRequest['connectionData']> = {}): SetNetworkProfileRequest['connectionData'] => ({
  ocppVersion: 'OCPP20',
  ocppTransport: 'JSON',
  ocppCsmsUrl: url,
  messageTimeout: 30,
  securityProfile,
  ocppInterface: 'Wired0',
  ...more,
});

async function setNetworkProfile(csms: DevCsms, configurationSlot: number, connectionData: SetNetworkProfileRequest['connectionData']): Promise<SetNetworkProfileResponse> {
  return (await csms.call(ID, 'SetNetworkProfile', { configurationSlot, connectionData })) as SetNetworkProfileResponse;
}

async function variable(csms: DevCsms, component: string, name: string): Promise<string | undefined> {
  const answer = await csms.getVariables(ID, [{ component: { name: component }, variable: { name } }]);
  return answer.getVariableResult[0]?.attributeValue;
}

async function setVariable(csms: DevCsms, component: string, name: string, value: string): Promise<string | undefined> {
  const answer = await csms.setVariables(ID, [{ component: { name: component }, variable: { name }, attributeValue: value }]);
  return answer.setVariableResult[0]?.attributeStatus;
}

describe('OCPP 2.0.1 integration: network connection profiles (B09, B10, A05)', function () {
  this.timeout(30000);
  const fronts: TlsCsms[] = [];
  afterEach(async () => {
    for (const f of fronts.splice(0)) await f.close();
  });
  afterEach(afterEachTest);

  /** A station on `csms` (slot 1), booted. */
  async function stationOn(csms: DevCsms, changes: ConfigChanges = () => undefined): Promise<{ agent: Agent; file: string }> {
    const file = configFile(csms.url, changes);
    const { agent } = await startAgent(file);
    await waitForAccepted(csms, agent);
    return { agent, file };
  }

  /** Reset Immediate, as the run loop does it: the agent stops and starts again on its storage. */
  async function reboot(csms: DevCsms, agent: Agent, file: string): Promise<Agent> {
    const { response } = await csms.resetStation(ID, { type: 'Immediate' });
    assert.deepEqual(response, { status: 'Accepted' });
    assert.equal(await restartWithin(agent, 3000), 'RemoteReset');
    await stopAgent(agent, 'clean');
    return (await startAgent(file)).agent;
  }

  it('B09.FR.01 SetNetworkProfile slot 2, B10.FR.01/04 priority 2,1 and a reset: the station connects to the new CSMS, ActiveNetworkProfile 2; ReconfigurationOfSecurityParameters logged', async () => {
    const oldCsms = await startCsms();
    const newCsms = await startCsms();
    const { agent, file } = await stationOn(oldCsms);
    assert.equal(await variable(oldCsms, 'OCPPCommCtrlr', 'ActiveNetworkProfile'), '1');
    assert.deepEqual(await setNetworkProfile(oldCsms, 2, profile(newCsms.url, 0, { messageTimeout: 45 })), { status: 'Accepted' });
    assert.ok(securityLogOf(agent).some((e) => e.type === 'ReconfigurationOfSecurityParameters'));
    assert.equal(await setVariable(oldCsms, 'OCPPCommCtrlr', 'NetworkConfigurationPriority', '2,1'), 'RebootRequired');
    const after = await reboot(oldCsms, agent, file);
    // B10.FR.06: the old connection is gone before the new one is made.
    await waitForAccepted(newCsms, after, 8000);
    assert.equal(await variable(newCsms, 'OCPPCommCtrlr', 'ActiveNetworkProfile'), '2');
    assert.equal(await variable(newCsms, 'OCPPCommCtrlr', 'NetworkConfigurationPriority'), '2,1');
    // Part 2 2.1.3: MessageTimeout comes with the profile.
    await until(() => after.deviceModel.getInt('OCPPCommCtrlr', 'MessageTimeout', { instance: 'Default' }) === 45, 2000, 'the profile\'s MessageTimeout');
  });

  it('B10.FR.03/07 the new CSMS cannot be reached: after NetworkProfileConnectionAttempts failed attempts the station falls back to slot 1, ActiveNetworkProfile 1', async () => {
    const oldCsms = await startCsms();
    const gone = await startCsms();
    const goneUrl = gone.url;
    await stopCsms(gone);
    const { agent, file } = await stationOn(oldCsms);
    assert.equal(await setVariable(oldCsms, 'OCPPCommCtrlr', 'NetworkProfileConnectionAttempts', '2'), 'Accepted');
    assert.equal(await setVariable(oldCsms, 'OCPPCommCtrlr', 'RetryBackOffWaitMinimum', '1'), 'Accepted');
    assert.equal(await setVariable(oldCsms, 'OCPPCommCtrlr', 'RetryBackOffRandomRange', '0'), 'Accepted');
    assert.deepEqual(await setNetworkProfile(oldCsms, 2, profile(goneUrl, 0)), { status: 'Accepted' });
    assert.equal(await setVariable(oldCsms, 'OCPPCommCtrlr', 'NetworkConfigurationPriority', '2,1'), 'RebootRequired');
    oldCsms.clearMessages(ID);
    const after = await reboot(oldCsms, agent, file);
    await waitForAccepted(oldCsms, after, 15000);
    assert.equal(await variable(oldCsms, 'OCPPCommCtrlr', 'ActiveNetworkProfile'), '1');
    assert.equal(logLines.filter((l) => l.includes(`connecting to ${goneUrl}`)).length, 2, 'slot 2 tried NetworkProfileConnectionAttempts times');
    // The priority stays as the CSMS set it: the next connection loss tries slot 2 first again.
    assert.equal(await variable(oldCsms, 'OCPPCommCtrlr', 'NetworkConfigurationPriority'), '2,1');
  });

  it('B09.FR.02/04/05 Rejected: a lower security profile than the station\'s, a slot it does not offer, another OCPP version, SOAP, a VPN', async () => {
    const csms = await startCsms();
    const { agent } = await stationOn(csms, (doc) => (doc['ocpp'] = { ...doc['ocpp'], securityProfile: 1, password: PASSWORD }));
    const other = 'ws://127.0.0.1:1/ocpp';
    const status = async (slot: number, data: SetNetworkProfileRequest['connectionData']) => (await setNetworkProfile(csms, slot, data)).status;
    assert.equal(await status(2, profile(other, 0)), 'Rejected');
    assert.equal(await status(9, profile(other, 1)), 'Rejected');
    assert.equal(await status(2, profile(other, 1, { ocppVersion: 'OCPP16' })), 'Rejected');
    assert.equal(await status(2, profile(other, 1, { ocppTransport: 'SOAP' })), 'Rejected');
    assert.equal(await status(2, profile(other, 1, { vpn: { server: 'vpn.example', user: 'u', password: 'vpn-secret-1', key: 'k', type: 'IKEv2' } })), 'Rejected');
    assert.ok(!logLines.some((l) => l.includes('vpn-secret-1')), 'the VPN password is never logged');
    assert.equal(await status(2, profile(other, 1)), 'Accepted');
    assert.equal(await variable(csms, 'SecurityCtrlr', 'SecurityProfile'), '1');
    assert.equal(securityLogOf(agent).filter((e) => e.type === 'ReconfigurationOfSecurityParameters').length, 1, 'only the accepted one');
  });

  it('A05/A01 profile 0 -> 1: BasicAuthPassword and a profile-1 slot set over OCPP, priority 2,1, a reset: Basic auth to the new CSMS, SecurityProfile 1', async () => {
    const oldCsms = await startCsms();
    const newCsms = await startCsms({ basicAuth: { [ID]: PASSWORD } });
    const { agent, file } = await stationOn(oldCsms);
    assert.equal(await variable(oldCsms, 'SecurityCtrlr', 'SecurityProfile'), '0');
    // A05.FR.02's prerequisite: without a password a profile-1 slot cannot be put first.
    assert.deepEqual(await setNetworkProfile(oldCsms, 2, profile(newCsms.url, 1)), { status: 'Accepted' });
    assert.equal(await setVariable(oldCsms, 'OCPPCommCtrlr', 'NetworkConfigurationPriority', '2,1'), 'Rejected');
    assert.equal(await setVariable(oldCsms, 'SecurityCtrlr', 'BasicAuthPassword', PASSWORD), 'Accepted');
    await until(() => agent.client.isConnected, 3000, 'reconnected after the password change');
    assert.equal(await setVariable(oldCsms, 'OCPPCommCtrlr', 'NetworkConfigurationPriority', '2,1'), 'RebootRequired');
    const after = await reboot(oldCsms, agent, file);
    await waitForAccepted(newCsms, after, 8000);
    assert.equal(newCsms.connectionEvents.filter((e) => e.type === 'refused').length, 0, 'the password set over OCPP was sent');
    assert.equal(await variable(newCsms, 'SecurityCtrlr', 'SecurityProfile'), '1');
    assert.equal(await variable(newCsms, 'OCPPCommCtrlr', 'ActiveNetworkProfile'), '2');
  });

  it('A05.FR.04-07 upgrade: a profile-2 slot first, a reset, connected over wss: SecurityProfile 2, slot 1 removed, a lower profile Rejected from then on', async () => {
    const csms = await startCsms();
    const ca = await createCa('network profiles test root');
    const wss = await tlsCsms({ backendPort: csms.port, server: await issueServerCertificate(ca) });
    fronts.push(wss);
    const { agent, file } = await stationOn(csms, (doc) => (doc['ocpp'] = { ...doc['ocpp'], securityProfile: 1, password: PASSWORD }));
    assert.deepEqual(await setNetworkProfile(csms, 2, profile(wss.url, 2)), { status: 'Accepted' });
    // A05.FR.02: no CSMS root yet; then the CSMS installs one (M05).
    assert.equal(await setVariable(csms, 'OCPPCommCtrlr', 'NetworkConfigurationPriority', '2,1'), 'Rejected');
    assert.deepEqual(await csms.call(ID, 'InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: ca.certPem }), { status: 'Accepted' });
    assert.equal(await setVariable(csms, 'OCPPCommCtrlr', 'NetworkConfigurationPriority', '2,1'), 'RebootRequired');
    csms.clearMessages(ID);
    const after = await reboot(csms, agent, file);
    await waitForAccepted(csms, after, 8000);
    assert.equal(await variable(csms, 'SecurityCtrlr', 'SecurityProfile'), '2');
    assert.equal(await variable(csms, 'OCPPCommCtrlr', 'ActiveNetworkProfile'), '2');
    await until(() => securityLogOf(after).some((e) => e.type === 'ReconfigurationOfSecurityParameters' && /raised to 2/.test(e.techInfo ?? '')), 3000, 'the raise logged');
    assert.equal((await setNetworkProfile(csms, 3, profile('ws://127.0.0.1:1/ocpp', 1))).status, 'Rejected');
    // A05.FR.06: slot 1 (profile 1) is no longer in the priority, and cannot be put back.
    assert.equal(await setVariable(csms, 'OCPPCommCtrlr', 'NetworkConfigurationPriority', '2,1'), 'Rejected');
  });
});
