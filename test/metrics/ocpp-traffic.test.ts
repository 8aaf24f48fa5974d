import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { OcppTraffic } from '../../src/metrics/ocpp-traffic.js';
import { FakeClock } from '../../src/station/clock.js';
import { Scrape } from './prom-text.js';

/** OCPP-J frames (Part 4 §4.1) as the client's frame observer sees them, counted without the OCPP layer's help. */
async function trafficOf(version: '1.6' | '2.0.1', frames: ReadonlyArray<['in' | 'out', unknown, number?]>): Promise<Scrape> {
  const registry = new Registry();
  const clock = new FakeClock();
  const traffic = new OcppTraffic(registry, version, () => clock.nowMs());
  for (const [direction, frame, afterMs] of frames) {
    clock.advance(afterMs ?? 0);
    traffic.frame(direction, typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
  return new Scrape(await registry.metrics());
}

describe('metrics: OCPP traffic from the frames', () => {
  it('counts CALLs by action and their answers by the action they answer, and times the round trip of our CALLs', async () => {
    const s = await trafficOf('2.0.1', [
      ['out', [2, 'b1', 'BootNotification', {}]],
      ['in', [3, 'b1', { status: 'Accepted' }], 120],
      ['out', [2, 'h1', 'Heartbeat', {}]],
      ['in', [3, 'h1', {}], 3000],
      ['in', [2, 'c1', 'GetVariables', {}]],
      ['out', [3, 'c1', {}], 5],
    ]);
    assert.equal(s.value('evse_ocpp_messages_total', { direction: 'sent', type: 'call', action: 'BootNotification' }), 1);
    assert.equal(s.value('evse_ocpp_messages_total', { direction: 'received', type: 'callresult', action: 'BootNotification' }), 1);
    assert.equal(s.value('evse_ocpp_messages_total', { direction: 'received', type: 'call', action: 'GetVariables' }), 1);
    assert.equal(s.value('evse_ocpp_messages_total', { direction: 'sent', type: 'callresult', action: 'GetVariables' }), 1);
    const boot = s.histogram('evse_ocpp_call_duration_seconds', { action: 'BootNotification' });
    assert.equal(boot.count, 1);
    assert.equal(boot.sum, 0.12);
    assert.equal(boot.buckets['0.1'], 0);
    assert.equal(boot.buckets['0.25'], 1);
    assert.deepEqual(s.histogram('evse_ocpp_call_duration_seconds', { action: 'Heartbeat' }), { count: 1, sum: 3, buckets: { '0.05': 0, '0.1': 0, '0.25': 0, '0.5': 0, '1': 0, '2.5': 0, '5': 1, '10': 1, '30': 1, '+Inf': 1 } });
    // The CSMS's CALLs are answered by us: no round trip of ours to time.
    assert.equal(s.histogram('evse_ocpp_call_duration_seconds', { action: 'GetVariables' }).count, 0);
  });

  it('counts CALLERRORs by direction and the wire code of the version (1.6 FormationViolation, 2.0.1 FormatViolation)', async () => {
    const v16 = await trafficOf('1.6', [
      ['in', [2, 'x1', 'Reset', {}]],
      ['out', [4, 'x1', 'FormationViolation', 'bad', {}]],
      ['out', [2, 'a1', 'Authorize', {}]],
      ['in', [4, 'a1', 'InternalError', 'oops', {}], 40],
    ]);
    assert.equal(v16.value('evse_ocpp_callerrors_total', { direction: 'sent', code: 'FormationViolation', action: 'Reset' }), 1);
    assert.equal(v16.value('evse_ocpp_callerrors_total', { direction: 'received', code: 'InternalError', action: 'Authorize' }), 1);
    assert.equal(v16.value('evse_ocpp_messages_total', { direction: 'received', type: 'callerror', action: 'Authorize' }), 1);
    assert.equal(v16.histogram('evse_ocpp_call_duration_seconds', { action: 'Authorize' }).count, 1, 'a CALLERROR ends the round trip too');
    const v201 = await trafficOf('2.0.1', [
      ['in', [2, 'x1', 'Reset', {}]],
      ['out', [4, 'x1', 'FormatViolation', 'bad', {}]],
    ]);
    assert.equal(v201.value('evse_ocpp_callerrors_total', { direction: 'sent', code: 'FormatViolation', action: 'Reset' }), 1);
  });

  it("a peer cannot grow the series: actions and codes outside the version's vocabulary are 'unknown' and 'other'", async () => {
    const s = await trafficOf('1.6', [
      ['in', [2, 'n1', 'NoSuchAction', {}]],
      ['out', [4, 'n1', 'NotImplemented', '', {}]],
      ['in', [2, 'n2', 'AlsoMadeUp', {}]],
      // A 2.0.1 action and a 2.0.1-only code are not 1.6's.
      ['in', [2, 'n3', 'GetVariables', {}]],
      ['out', [2, 'q1', 'Heartbeat', {}]],
      ['in', [4, 'q1', 'RpcFrameworkError', '', {}]],
      // Answers to nothing we sent, and frames that are not OCPP-J: not counted by action.
      ['in', [3, 'nobody', {}]],
      ['in', 'not json'],
      ['in', [2, 7, 'Reset', {}]],
    ]);
    assert.equal(s.value('evse_ocpp_messages_total', { direction: 'received', type: 'call', action: 'unknown' }), 3);
    assert.equal(s.value('evse_ocpp_callerrors_total', { direction: 'sent', code: 'NotImplemented', action: 'unknown' }), 1);
    assert.equal(s.value('evse_ocpp_callerrors_total', { direction: 'received', code: 'other', action: 'Heartbeat' }), 1);
    assert.equal(s.value('evse_ocpp_messages_total', { direction: 'received', type: 'callresult', action: 'unknown' }), 1);
    assert.equal(s.value('evse_ocpp_messages_total', { direction: 'received', type: 'call', action: 'Reset' }), undefined);
  });
});
