import assert from 'node:assert/strict';
import { answers, DevCsms } from '../../tools/dev-csms/dev-csms.js';
import { CallErrorResponse } from '../../src/ocpp/rpc/rpc-errors.js';
import { unexplainedCallErrors } from './call-error-audit.js';
import { afterEachTest, ID, rawCall, startRig, until } from './v201/rig.js';

/**
 * The audit every integration test ends with (afterEachTest): no CALLERROR on a happy path. Here
 * it is asked directly, inside the test, so that what it reports can be checked; asking forgets,
 * so the test's own afterEach finds nothing left.
 */

describe('integration harness: the CALLERROR audit after every test (issue 10: none on happy paths)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('reports a CALLERROR the test did not provoke: the CSMS refusing the station, the station answering a schema-valid CALL with InternalError', async () => {
    const { csms, agent } = await startRig();
    // Past the harness' record of programmed answers, as if the CSMS itself refused the Heartbeat.
    DevCsms.prototype.answer.call(csms, 'Heartbeat', answers.callError('InternalError', 'not programmed'));
    await csms.call(ID, 'TriggerMessage', { requestedMessage: 'Heartbeat' });
    await until(() => csms.station(ID)!.callErrors.length === 1, 5000, 'the Heartbeat refused');
    agent.client.handle('ClearCache', () => {
      throw new Error('cache driver gone');
    });
    await assert.rejects(csms.call(ID, 'ClearCache', {}), (err: unknown) => err instanceof CallErrorResponse && err.errorCode === 'InternalError');
    const found = unexplainedCallErrors();
    assert.equal(found.length, 2, found.join('\n'));
    assert.match(found[0]!, /the CSMS answered the station Heartbeat .* with CALLERROR InternalError: not programmed/);
    assert.match(found[1]!, /the station answered the CSMS ClearCache .* with CALLERROR InternalError: ClearCache failed: cache driver gone/);
  });

  it('explains what a test provokes: a programmed refusal, a raw malformed frame, a schema-valid CALL over ItemsPerMessage', async () => {
    const { csms } = await startRig();
    csms.answer('Heartbeat', answers.callError('InternalError'));
    await csms.call(ID, 'TriggerMessage', { requestedMessage: 'Heartbeat' });
    await until(() => csms.station(ID)!.callErrors.some((e) => e.action === 'Heartbeat'), 5000, 'the Heartbeat refused');
    await rawCall(csms, '[2,"bad-1","Reset",{"type":"Soft"}]', 'bad-1');
    await rawCall(csms, 'not JSON', '-1');
    const item = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } };
    await assert.rejects(csms.getVariables(ID, [item, ...Array.from({ length: 50 }, () => item)]), CallErrorResponse);
    assert.equal(csms.station(ID)!.callErrors.length, 4);
    assert.deepEqual(unexplainedCallErrors(), []);
  });
});
