import assert from 'node:assert/strict';
import type { MeterValuesRequest } from 'ocpp-messages/v2.0/MeterValuesRequest.js';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import {
  afterEachTest,
  assertContiguous,
  assertNoCallErrors,
  callRecords,
  CARD,
  ID,
  plugIn,
  sleep,
  startCharging,
  startRig,
  statuses,
  txEvents,
  unplug,
  until,
  waitForTx,
} from './rig.js';

/**
 * OCPP 2.0.1 only: G01 statuses of an EVSE with two connectors, J01 clock-aligned meter values.
 * G03 availability of one EVSE and G04 of the station are shared with 1.6:
 * ../scenarios/availability.test.ts.
 */

describe('OCPP 2.0.1 integration: availability and meter values (G01-G04, J01)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('G01.FR.03/04/08 an EVSE with two connectors: plugging one reports it Occupied and not the other; unplugging reports it Available', async () => {
    const { csms, agent } = await startRig({
      config: (doc) => doc['evses'][0]['connectors'].push({ id: 2, type: 'cType2', relay: { line: 16 }, plugDetect: { line: 25, activeLow: true, debounceMs: 50 } }),
    });
    await plugIn(agent);
    await csms.waitFor<{ connectorStatus: string }>(ID, 'StatusNotification', (p) => p.connectorStatus === 'Occupied');
    assert.equal(agent.station.statusOf(1, 2), 'Unavailable', 'the other connector cannot be used meanwhile');
    await unplug(agent);
    await until(() => statuses(csms).length === 4, 2000, 'Available again');
    await sleep(200);
    assert.deepEqual(
      statuses(csms).map((s) => [s.connectorId, s.connectorStatus]),
      [
        [1, 'Available'],
        [2, 'Available'],
        [1, 'Occupied'],
        [1, 'Available'],
      ],
    );
    assertNoCallErrors(csms);
  });

  it('J01 clock-aligned values (AlignedDataCtrlr.Interval 2 s by SetVariables): MeterValues exactly on the boundaries with Sample.Clock and the Measurands; J01.FR.22 during a transaction as TransactionEvent MeterValueClock', async () => {
    const rig = await startRig();
    const { csms, agent } = rig;
    const set = await csms.setVariables(ID, [
      { component: { name: 'AlignedDataCtrlr' }, variable: { name: 'Measurands' }, attributeValue: 'Energy.Active.Import.Register,Voltage' },
      { component: { name: 'AlignedDataCtrlr' }, variable: { name: 'Interval' }, attributeValue: '2' },
    ]);
    assert.deepEqual(
      set.setVariableResult.map((r) => r.attributeStatus),
      ['Accepted', 'Accepted'],
    );
    const onBoundary = (iso: string, arrived: Date): void => {
      const t = Date.parse(iso);
      assert.equal(t % 2000, 0, `${iso} on a 2 s boundary`);
      assert.ok(Math.abs(arrived.getTime() - t) < 500, `sent ${arrived.getTime() - t} ms after the boundary ${iso}`);
    };
    const idle = await csms.waitFor<MeterValuesRequest>(ID, 'MeterValues', undefined, 3000);
    assert.equal(idle.payload.evseId, 1);
    assert.equal(idle.payload.meterValue.length, 1);
    onBoundary(idle.payload.meterValue[0]!.timestamp, idle.at);
    const values = idle.payload.meterValue[0]!.sampledValue;
    assert.ok(values.every((s) => s.context === 'Sample.Clock'));
    assert.deepEqual([...new Set(values.map((s) => s.measurand))].sort(), ['Energy.Active.Import.Register', 'Voltage']);
    assert.deepEqual([...new Set(values.filter((s) => s.measurand === 'Voltage').map((s) => s.phase))].sort(), ['L1-N', 'L2-N', 'L3-N']);

    const txId = await startCharging(rig);
    const clock = await csms.waitFor<TransactionEventRequest>(ID, 'TransactionEvent', (t) => t.triggerReason === 'MeterValueClock', 3000);
    assert.equal(clock.payload.eventType, 'Updated');
    assert.equal(clock.payload.transactionInfo.transactionId, txId);
    onBoundary(clock.payload.meterValue![0]!.timestamp, clock.at);
    assert.ok(clock.payload.meterValue![0]!.sampledValue.every((s) => s.context === 'Sample.Clock'));
    assert.deepEqual([...new Set(clock.payload.meterValue![0]!.sampledValue.map((s) => s.measurand))].sort(), ['Energy.Active.Import.Register', 'Voltage']);
    // J01.FR.22: one or the other; this station sends the TransactionEvent only.
    const started = callRecords<TransactionEventRequest>(csms, 'TransactionEvent').find((m) => m.payload.eventType === 'Started')!;
    assert.equal(callRecords(csms, 'MeterValues').filter((m) => m.seq > started.seq).length, 0);
    await agent.station.presentIdToken(1, CARD);
    await waitForTx(csms, (t) => t.eventType === 'Ended');
    assertContiguous(txEvents(csms, txId));
    assertNoCallErrors(csms);
  });
  it('J01/B01.FR.06 aligned values configured before the boot follow the CSMS clock from the first one on (currentTime 1 h 0.7 s ahead)', async () => {
    const offsetMs = 3600_000 + 700;
    const { csms } = await startRig({
      config: (doc) => {
        doc['meterValues'] = { ...doc['meterValues'], alignedIntervalS: 2 };
      },
      program: (csms) => csms.answer('BootNotification', () => ({ status: 'Accepted', interval: 300, currentTime: new Date(Date.now() + offsetMs).toISOString() })),
    });
    await csms.waitFor(ID, 'MeterValues', undefined, 3000);
    for (const m of callRecords<MeterValuesRequest>(csms, 'MeterValues')) {
      const t = Date.parse(m.payload.meterValue[0]!.timestamp);
      assert.equal(t % 2000, 0, `${m.payload.meterValue[0]!.timestamp} on a boundary`);
      const late = m.at.getTime() + offsetMs - t;
      assert.ok(late >= -50 && late < 500, `${m.payload.meterValue[0]!.timestamp}: sent ${late} ms after it on the CSMS clock`);
    }
    assertNoCallErrors(csms);
  });
});
