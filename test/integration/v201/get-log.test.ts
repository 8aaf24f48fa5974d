import assert from 'node:assert/strict';
import { logStatuses, logStatusesUntil } from '../upload-server.js';
import { afterEachTest, assertNoCallErrors, ID, startRig, until } from './rig.js';

/**
 * What only 2.0.1 has around GetLog: TriggerMessage LogStatusNotification (F06.FR.09,
 * N01.FR.13). GetLog itself, the same in both versions, is tested once for both in
 * ../scenarios/get-log.test.ts.
 */

describe('OCPP 2.0.1 integration: TriggerMessage LogStatusNotification (F06, N01)', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('F06.FR.09/N01.FR.13: TriggerMessage LogStatusNotification tells Uploading with the requestId while an upload runs, Idle without one once none does', async () => {
    const { csms } = await startRig();
    // An unreachable server, tried once more a second later: the upload runs meanwhile.
    await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 51, retries: 1, retryInterval: 1, log: { remoteLocation: 'http://127.0.0.1:1/logs/' } });
    await until(() => logStatuses(csms).length === 1, 5000, 'Uploading');
    assert.deepEqual(await csms.call(ID, 'TriggerMessage', { requestedMessage: 'LogStatusNotification' }), { status: 'Accepted' });
    await until(() => logStatuses(csms).length === 2, 5000, 'the triggered Uploading');
    assert.deepEqual(logStatuses(csms).at(-1), { status: 'Uploading', requestId: 51 });
    await logStatusesUntil(csms, 'UploadFailure');
    // Nothing runs now: Idle, and requestId is left out (its one case of being optional).
    assert.deepEqual(await csms.call(ID, 'TriggerMessage', { requestedMessage: 'LogStatusNotification' }), { status: 'Accepted' });
    await until(() => logStatuses(csms).length === 4, 5000, 'the triggered Idle');
    assert.deepEqual(logStatuses(csms), [
      { status: 'Uploading', requestId: 51 },
      { status: 'Uploading', requestId: 51 },
      { status: 'UploadFailure', requestId: 51 },
      { status: 'Idle' },
    ]);
    assertNoCallErrors(csms);
  });
});
