import assert from 'node:assert/strict';
import type { AuthorizeRequest } from 'ocpp-messages/v1.6/index.js';
import {
  afterEachTest,
  assertNoCallErrors,
  callRecords,
  calls,
  measurandsOf,
  meterValues16,
  relayClosed,
  sampled,
  setKey,
  sleep,
  startCharging16,
  startRig16,
  statusSequence,
  stopTransactions,
  tag,
  TAG,
  unplug,
  until,
  waitForStatus,
  waitForStop,
} from './rig.js';

/**
 * OCPP 1.6 only transactions (the shared ones: ../scenarios/transactions.test.ts): 4.1 Authorize, 4.8 StartTransaction, 4.7 MeterValues (9.1.20
 * MeterValueSampleInterval, 9.1.17 MeterValuesSampledData, 9.1.5 ClockAlignedDataInterval), 4.10
 * StopTransaction (reasons 7.36, transactionData per StopTxnSampledData / StopTxnAlignedData) and
 * what an Invalid / Blocked idTagInfo does (9.1.32 StopTransactionOnInvalidId, 9.1.15
 * MaxEnergyOnInvalidId).
 */

describe('OCPP 1.6 integration: transactions (4.1, 4.7, 4.8, 4.10)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('4.1/4.8/4.7/4.10 Authorize, StartTransaction (connectorId, idTag, meterStart from the meter, timestamp), periodic MeterValues with the transactionId and MeterValuesSampledData, StopTransaction Local with idTag, meterStop and StopTxnSampledData', async () => {
    const rig = await startRig16({
      config: (doc) => {
        doc['meterValues'] = {
          ...doc['meterValues'],
          txUpdatedIntervalS: 1,
          txUpdatedMeasurands: ['Energy.Active.Import.Register', 'Power.Active.Import'],
          txEndedMeasurands: ['Energy.Active.Import.Register'],
        };
        doc['meter'] = { ...doc['meter'], simulation: { ...doc['meter'].simulation, startEnergyWh: 123456.7 } };
      },
    });
    const { csms, agent } = rig;
    const before = Date.now();
    const { transactionId, localId, start } = await startCharging16(rig);
    assert.deepEqual(calls<AuthorizeRequest>(csms, 'Authorize'), [{ idTag: TAG }]);
    const authorize = callRecords(csms, 'Authorize')[0]!;
    assert.ok(authorize.seq < callRecords(csms, 'StartTransaction')[0]!.seq, 'Authorize before StartTransaction');
    const local = agent.station.evse(1)!.transaction!;
    assert.equal(local.id, localId);
    assert.deepEqual(Object.keys(start).sort(), ['connectorId', 'idTag', 'meterStart', 'timestamp']);
    assert.equal(start.connectorId, 1);
    assert.equal(start.idTag, TAG);
    assert.equal(start.meterStart, Math.round(local.meterStartWh), 'meterStart is the meter register at the start, in Wh');
    assert.ok(start.meterStart >= 123457 && start.meterStart < 124000, `meterStart ${start.meterStart}: the register, not 0`);
    const startedAt = Date.parse(start.timestamp);
    const after = Date.now();
    assert.ok(startedAt >= before - 50 && startedAt <= after + 50, `timestamp ${start.timestamp} is the start time (between ${new Date(before).toISOString()} and ${new Date(after).toISOString()})`);

    await until(() => meterValues16(csms).length >= 2, 4000, 'two MeterValues');
    const periodic = meterValues16(csms);
    for (const mv of periodic) {
      assert.equal(mv.transactionId, transactionId, 'the Central System’s transactionId');
      assert.equal(mv.connectorId, 1);
      assert.deepEqual(measurandsOf(mv.meterValue), ['Energy.Active.Import.Register', 'Power.Active.Import']);
      assert.ok(mv.meterValue.every((v) => v.sampledValue.every((s) => s.context === 'Sample.Periodic')));
    }
    const registers = periodic.flatMap((mv) => sampled(mv.meterValue, 'Sample.Periodic'));
    assert.ok(registers.every((r) => r >= start.meterStart - 1), 'register values, not rebased');

    const stopped = await agent.station.presentIdToken(1, tag(TAG));
    assert.equal(stopped.outcome, 'stopped');
    const stop = await waitForStop(csms);
    assert.equal(stop.transactionId, transactionId);
    assert.equal(stop.reason, 'Local');
    assert.equal(stop.idTag, TAG);
    assert.ok(Number.isInteger(stop.meterStop) && stop.meterStop >= start.meterStart);
    assert.ok(stop.meterStop >= Math.max(...registers) - 1, 'meterStop not below the last sample');
    const begin = sampled(stop.transactionData, 'Transaction.Begin');
    const end = sampled(stop.transactionData, 'Transaction.End');
    assert.equal(begin.length, 1);
    assert.equal(end.length, 1);
    assert.equal(Math.round(begin[0]!), start.meterStart);
    assert.equal(Math.round(end[0]!), stop.meterStop);
    assert.deepEqual(measurandsOf(stop.transactionData), ['Energy.Active.Import.Register'], 'StopTxnSampledData measurands only');
    // 9.1.28: every MeterValueSampleInterval from the start, between Transaction.Begin and .End.
    assert.ok(sampled(stop.transactionData, 'Sample.Periodic').length >= 1, 'periodic samples in transactionData');
    assert.equal(calls(csms, 'Authorize').length, 1, 'the tag that started the transaction stops it without another Authorize');
    await unplug(agent);
    assertNoCallErrors(csms);
  });

  it('9.1.32/9.1.15 StartTransaction answered Blocked with StopTransactionOnInvalidId false (MaxEnergyOnInvalidId 0): the transaction goes on, the energy is suspended (SuspendedEVSE); the tag still stops it', async () => {
    const rig = await startRig16({
      program: (c) => c.answer('StartTransaction', { transactionId: 78, idTagInfo: { status: 'Blocked' } }),
    });
    const { csms, agent } = rig;
    await setKey(csms, 'StopTransactionOnInvalidId', 'false');
    await startCharging16(rig);
    await waitForStatus(csms, 1, 'SuspendedEVSE');
    assert.equal(relayClosed(agent), false, 'no more energy');
    await sleep(300);
    assert.equal(stopTransactions(csms).length, 0, 'the transaction goes on');
    assert.equal(agent.station.transactions().length, 1);
    const stopped = await agent.station.presentIdToken(1, tag(TAG));
    assert.equal(stopped.outcome, 'stopped');
    const stop = await waitForStop(csms);
    assert.equal(stop.transactionId, 78);
    assert.equal(stop.reason, 'Local');
    assertNoCallErrors(csms);
  });

  it('9.1.15 StartTransaction answered Invalid with StopTransactionOnInvalidId false and MaxEnergyOnInvalidId above 0: charging goes on', async () => {
    const rig = await startRig16({
      program: (c) => c.answer('StartTransaction', { transactionId: 79, idTagInfo: { status: 'Invalid' } }),
    });
    const { csms, agent } = rig;
    await setKey(csms, 'StopTransactionOnInvalidId', 'false');
    await setKey(csms, 'MaxEnergyOnInvalidId', '100000');
    await startCharging16(rig);
    await sleep(400);
    assert.equal(relayClosed(agent), true, 'energy flows up to MaxEnergyOnInvalidId');
    assert.equal(stopTransactions(csms).length, 0);
    assert.equal(statusSequence(csms, 1).at(-1), 'Charging');
    assertNoCallErrors(csms);
  });

  it('9.1.5/9.1.13 clock-aligned MeterValues (ClockAlignedDataInterval 1 s, MeterValuesAlignedData): on the second boundaries, context Sample.Clock, without a transactionId when idle and with it during a transaction; 9.1.29 StopTxnAlignedData in the StopTransaction', async () => {
    const rig = await startRig16();
    const { csms, agent } = rig;
    await setKey(csms, 'MeterValuesAlignedData', 'Energy.Active.Import.Register,Voltage');
    await setKey(csms, 'StopTxnAlignedData', 'Energy.Active.Import.Register');
    await setKey(csms, 'ClockAlignedDataInterval', '1');
    await until(() => meterValues16(csms).length >= 2, 3500, 'two aligned MeterValues');
    for (const mv of meterValues16(csms)) {
      assert.equal(mv.connectorId, 1);
      assert.equal(mv.transactionId, undefined, 'no transaction: no transactionId');
      assert.equal(mv.meterValue.length, 1);
      const at = Date.parse(mv.meterValue[0]!.timestamp);
      assert.equal(at % 1000, 0, `on a boundary: ${mv.meterValue[0]!.timestamp}`);
      assert.ok(mv.meterValue[0]!.sampledValue.every((s) => s.context === 'Sample.Clock'));
      assert.deepEqual(measurandsOf(mv.meterValue), ['Energy.Active.Import.Register', 'Voltage']);
    }
    const { transactionId } = await startCharging16(rig);
    await until(() => meterValues16(csms, transactionId).length >= 1, 2500, 'aligned MeterValues of the transaction');
    assert.ok(meterValues16(csms, transactionId).every((mv) => mv.meterValue.every((v) => v.sampledValue.every((s) => s.context === 'Sample.Clock'))));
    await agent.station.presentIdToken(1, tag(TAG));
    const stop = await waitForStop(csms);
    const clock = sampled(stop.transactionData, 'Sample.Clock');
    assert.ok(clock.length >= 1, `StopTxnAlignedData values in transactionData: ${JSON.stringify(stop.transactionData)}`);
    assert.deepEqual(measurandsOf(stop.transactionData?.filter((v) => v.sampledValue.some((x) => x.context === 'Sample.Clock'))), ['Energy.Active.Import.Register']);
    assertNoCallErrors(csms);
  });
});

