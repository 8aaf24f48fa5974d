import assert from 'node:assert/strict';
import type { GetLocalListVersionResponse, SendLocalListResponse } from 'ocpp-messages/v1.6/index.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import {
  afterEachTest,
  assertNoCallErrors,
  calls,
  ID,
  plugIn,
  relayClosed,
  setKey,
  startCsms,
  startRig16,
  startTransactions,
  stopCsms,
  tag,
  TAG,
  unplug,
  until,
} from './rig.js';

/**
 * OCPP 1.6 Local Authorization: 5.15 SendLocalList (Full, Differential, versions), 5.9
 * GetLocalListVersion, 5.4 ClearCache, and what the list and the cache do (3.5): tags charge
 * offline with LocalAuthorizeOffline, and without an Authorize online with LocalPreAuthorize.
 */

const sendLocalList = async (csms: DevCsms, request: object): Promise<SendLocalListResponse['status']> =>
  ((await csms.call(ID, 'SendLocalList', request)) as SendLocalListResponse).status;
const listVersion = async (csms: DevCsms): Promise<number> => ((await csms.call(ID, 'GetLocalListVersion', {})) as GetLocalListVersionResponse).listVersion;

const accepted = { status: 'Accepted' };

describe('OCPP 1.6 integration: local authorization list and cache (3.5, 5.4, 5.9, 5.15)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('5.15/5.9 SendLocalList Full then Differential: Accepted, GetLocalListVersion follows; a Differential not above the version VersionMismatch; LocalAuthListEnabled false: NotSupported and version -1', async () => {
    const { csms } = await startRig16();
    assert.equal(await listVersion(csms), 0, 'no list yet');
    assert.equal(
      await sendLocalList(csms, {
        listVersion: 3,
        updateType: 'Full',
        localAuthorizationList: [
          { idTag: 'LIST-1', idTagInfo: accepted },
          { idTag: 'LIST-2', idTagInfo: { status: 'Blocked' } },
        ],
      }),
      'Accepted',
    );
    assert.equal(await listVersion(csms), 3);
    // Differential: LIST-2 removed (no idTagInfo), LIST-3 added.
    assert.equal(
      await sendLocalList(csms, { listVersion: 4, updateType: 'Differential', localAuthorizationList: [{ idTag: 'LIST-2' }, { idTag: 'LIST-3', idTagInfo: accepted }] }),
      'Accepted',
    );
    assert.equal(await listVersion(csms), 4);
    assert.equal(await sendLocalList(csms, { listVersion: 4, updateType: 'Differential', localAuthorizationList: [{ idTag: 'LIST-4', idTagInfo: accepted }] }), 'VersionMismatch');
    assert.equal(await sendLocalList(csms, { listVersion: 2, updateType: 'Differential', localAuthorizationList: [] }), 'VersionMismatch');
    assert.equal(await listVersion(csms), 4, 'the refused updates changed nothing');
    await setKey(csms, 'LocalAuthListEnabled', 'false');
    assert.equal(await sendLocalList(csms, { listVersion: 9, updateType: 'Full', localAuthorizationList: [] }), 'NotSupported');
    assert.equal(await listVersion(csms), -1);
    assertNoCallErrors(csms);
  });

  it('3.5/9.1.11 LocalAuthorizeOffline: offline, a tag of the list charges at once, a Blocked one and an unknown one do not; the StartTransaction reaches the Central System when it is back', async () => {
    const { csms, agent } = await startRig16();
    assert.equal(
      await sendLocalList(csms, {
        listVersion: 1,
        updateType: 'Full',
        localAuthorizationList: [
          { idTag: 'LIST-1', idTagInfo: accepted },
          { idTag: 'LIST-2', idTagInfo: { status: 'Blocked' } },
        ],
      }),
      'Accepted',
    );
    const port = csms.port;
    await stopCsms(csms);
    await until(() => !agent.client.isConnected, 2000, 'offline');
    await plugIn(agent);
    assert.deepEqual(await agent.station.presentIdToken(1, tag('UNKNOWN-9')), { outcome: 'rejected', status: 'Unknown' });
    assert.deepEqual(await agent.station.presentIdToken(1, tag('LIST-2')), { outcome: 'rejected', status: 'Blocked' });
    assert.equal(relayClosed(agent), false);
    assert.equal((await agent.station.presentIdToken(1, tag('LIST-1'))).outcome, 'authorized');
    await until(() => relayClosed(agent), 2000, 'charging offline');
    const back = await startCsms({ port });
    const start = await back.waitFor<{ idTag: string }>(ID, 'StartTransaction', undefined, 5000);
    assert.equal(start.payload.idTag, 'LIST-1');
    assert.equal(calls(back, 'Authorize').length, 0, 'nothing asked about the tag afterwards');
    assertNoCallErrors(back);
  });

  it('9.1.1 AllowOfflineTxForUnknownId true: offline, a tag nobody knows charges; the StartTransaction follows when the Central System is back', async () => {
    const { csms, agent } = await startRig16();
    await setKey(csms, 'AllowOfflineTxForUnknownId', 'true');
    const port = csms.port;
    await stopCsms(csms);
    await until(() => !agent.client.isConnected, 2000, 'offline');
    await plugIn(agent);
    assert.equal((await agent.station.presentIdToken(1, tag('STRANGER-7'))).outcome, 'authorized');
    await until(() => relayClosed(agent), 2000, 'charging offline');
    const back = await startCsms({ port });
    const start = await back.waitFor<{ idTag: string }>(ID, 'StartTransaction', undefined, 5000);
    assert.equal(start.payload.idTag, 'STRANGER-7');
    assertNoCallErrors(back);
  });

  it('9.1.12 LocalPreAuthorize true: a tag of the list starts charging online without an Authorize; one not in the list is asked about', async () => {
    const { csms, agent } = await startRig16();
    await setKey(csms, 'LocalPreAuthorize', 'true');
    assert.equal(await sendLocalList(csms, { listVersion: 1, updateType: 'Full', localAuthorizationList: [{ idTag: 'LIST-1', idTagInfo: accepted }] }), 'Accepted');
    await plugIn(agent);
    assert.equal((await agent.station.presentIdToken(1, tag('LIST-1'))).outcome, 'authorized');
    const start = await csms.waitFor<{ idTag: string }>(ID, 'StartTransaction', undefined, 2000);
    assert.equal(start.payload.idTag, 'LIST-1');
    assert.equal(calls(csms, 'Authorize').length, 0);
    await agent.station.presentIdToken(1, tag('LIST-1'));
    await unplug(agent);
    await csms.waitFor(ID, 'StopTransaction', undefined, 2000);
    await plugIn(agent);
    assert.equal((await agent.station.presentIdToken(1, tag(TAG))).outcome, 'authorized');
    assert.deepEqual(calls(csms, 'Authorize'), [{ idTag: TAG }]);
    assertNoCallErrors(csms);
  });

  it('5.4 ClearCache: Accepted, and a tag the cache knew no longer charges offline; with AuthorizationCacheEnabled false: Rejected', async () => {
    const { csms, agent } = await startRig16();
    await plugIn(agent);
    // Authorized online: the cache keeps it.
    assert.equal((await agent.station.presentIdToken(1, tag(TAG))).outcome, 'authorized');
    await until(() => startTransactions(csms).length === 1, 2000, 'StartTransaction');
    await agent.station.presentIdToken(1, tag(TAG));
    await csms.waitFor(ID, 'StopTransaction', undefined, 2000);
    // Its answer's idTagInfo goes into the cache too: cleared after it.
    await until(() => agent.adapter.queue.length === 0, 2000, 'the StopTransaction answered');
    assert.deepEqual(await csms.call(ID, 'ClearCache', {}), { status: 'Accepted' });
    const port = csms.port;
    await stopCsms(csms);
    await until(() => !agent.client.isConnected, 2000, 'offline');
    assert.deepEqual(await agent.station.presentIdToken(1, tag(TAG)), { outcome: 'rejected', status: 'Unknown' }, 'no longer in the cache');
    const back = await startCsms({ port });
    await back.waitForConnection(ID, 4000);
    await until(() => agent.adapter.registration.online, 3000, 'online again');
    await setKey(back, 'AuthorizationCacheEnabled', 'false');
    assert.deepEqual(await back.call(ID, 'ClearCache', {}), { status: 'Rejected' });
    assertNoCallErrors(back);
  });

  it('3.5 the cache: a tag authorized online charges offline (LocalAuthorizeOffline), and not with LocalAuthorizeOffline false', async () => {
    const { csms, agent } = await startRig16();
    await setKey(csms, 'LocalAuthorizeOffline', 'false');
    await plugIn(agent);
    assert.equal((await agent.station.presentIdToken(1, tag(TAG))).outcome, 'authorized');
    await until(() => startTransactions(csms).length === 1, 2000, 'StartTransaction');
    await agent.station.presentIdToken(1, tag(TAG));
    await csms.waitFor(ID, 'StopTransaction', undefined, 2000);
    await stopCsms(csms);
    await until(() => !agent.client.isConnected, 2000, 'offline');
    assert.deepEqual(await agent.station.presentIdToken(1, tag(TAG)), { outcome: 'rejected', status: 'Unknown' });
    assert.equal(await agent.configuration.set('LocalAuthorizeOffline', 'true'), 'Accepted');
    assert.equal((await agent.station.presentIdToken(1, tag(TAG))).outcome, 'authorized');
    await until(() => relayClosed(agent), 2000, 'charging offline');
  });
});
