import assert from 'node:assert/strict';
import type { MeterValueType } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import type { MeterReading } from '../../src/station/meter-reading.js';
import { CsmsClock } from '../../src/services/registration/csms-clock.js';
import { FakeClock } from '../../src/station/clock.js';
import { DeviceModel, type VariableDefinition } from '../../src/ocpp/v201/device-model/device-model.js';
import { keepEndedSample, MAX_ENDED_SAMPLES, reviveEndedSamples, TransactionSamplers, type SampledTransaction } from '../../src/ocpp/v201/transaction-samplers.js';

/** E06.FR.11 / J: the samples a transaction collects for its Ended message, on a FakeClock. */

const MEASURANDS = ['Energy.Active.Import.Register', 'Power.Active.Import'];

function model(values: { updatedS?: number; sampledEndedS?: number; alignedEndedS?: number }): DeviceModel {
  const integer = (component: string, name: string, value: number): VariableDefinition => ({
    component: { name: component },
    variable: { name },
    mutability: 'ReadWrite',
    characteristics: { dataType: 'integer', unit: 's', minLimit: 0 },
    default: String(value),
  });
  const list = (component: string, name: string, value: string): VariableDefinition => ({
    component: { name: component },
    variable: { name },
    mutability: 'ReadWrite',
    characteristics: { dataType: 'MemberList', valuesList: MEASURANDS },
    default: value,
  });
  return new DeviceModel({
    definitions: [
      integer('SampledDataCtrlr', 'TxUpdatedInterval', values.updatedS ?? 0),
      integer('SampledDataCtrlr', 'TxEndedInterval', values.sampledEndedS ?? 0),
      integer('AlignedDataCtrlr', 'TxEndedInterval', values.alignedEndedS ?? 0),
      list('SampledDataCtrlr', 'TxUpdatedMeasurands', 'Energy.Active.Import.Register'),
      list('SampledDataCtrlr', 'TxEndedMeasurands', 'Energy.Active.Import.Register'),
      list('AlignedDataCtrlr', 'TxEndedMeasurands', 'Power.Active.Import'),
    ],
  });
}

const sample = (i: number): MeterValueType => ({ timestamp: `t${i}`, sampledValue: [{ value: i }] });

describe('transaction samplers (SampledDataCtrlr / AlignedDataCtrlr TxEndedInterval)', () => {
  let timers: FakeClock;
  let samplers: TransactionSamplers | undefined;
  afterEach(() => {
    samplers?.stopAll();
    samplers = undefined;
  });

  /** Samplers over one running transaction on EVSE 1, started at `startedAt`, whose meter counts 1 Wh per second. */
  function rig(dm: DeviceModel, startedAt: Date): { updated: MeterValueType[]; ended: MeterValueType[]; running: Map<string, SampledTransaction> } {
    const updated: MeterValueType[] = [];
    const ended: MeterValueType[] = [];
    const running = new Map<string, SampledTransaction>([['tx-1', { evseId: 1, snapshot: { startedAt } }]]);
    const reading = (): MeterReading => ({ timestamp: timers.now(), energyImportWh: Math.floor((timers.nowMs() - startedAt.getTime()) / 1000), powerW: 7000 }) as MeterReading;
    samplers = new TransactionSamplers({
      clock: new CsmsClock(timers),
      deviceModel: () => dm,
      latestReading: (evseId) => (evseId === 1 ? reading() : undefined),
      running: () => running,
      onUpdated: (_id, value) => updated.push(value),
      onEndedSample: (_id, value) => ended.push(value),
    });
    return { updated, ended, running };
  }

  it('AlignedDataCtrlr.TxEndedInterval: AlignedDataCtrlr.TxEndedMeasurands on each clock boundary from midnight, context Sample.Clock, timestamped on the boundary', () => {
    timers = new FakeClock(Date.UTC(2026, 0, 1, 10, 0, 50));
    const r = rig(model({ alignedEndedS: 60 }), timers.now());
    samplers!.schedule();
    timers.advance(125_000);
    assert.deepEqual(r.ended.map((v) => v.timestamp), ['2026-01-01T10:01:00.000Z', '2026-01-01T10:02:00.000Z']);
    for (const v of r.ended) {
      assert.deepEqual(v.sampledValue.map((s) => [s.measurand, s.context]), [['Power.Active.Import', 'Sample.Clock']]);
    }
    assert.deepEqual(r.updated, [], 'nothing to send now');
    r.running.clear(); // the transaction ended
    timers.advance(120_000);
    assert.equal(r.ended.length, 2, 'no transaction, no sample');
  });

  it('SampledDataCtrlr.TxEndedInterval: TxEndedMeasurands every interval counted from the transaction start, context Sample.Periodic; after a restart the rhythm goes on', () => {
    timers = new FakeClock(Date.UTC(2026, 0, 1, 10, 0, 7));
    const startedAt = new Date(Date.UTC(2026, 0, 1, 10, 0, 0));
    const r = rig(model({ sampledEndedS: 10 }), startedAt);
    samplers!.start('tx-1', r.running.get('tx-1')!);
    timers.advance(25_000);
    assert.deepEqual(r.ended.map((v) => v.timestamp), ['2026-01-01T10:00:10.000Z', '2026-01-01T10:00:20.000Z', '2026-01-01T10:00:30.000Z']);
    assert.deepEqual(r.ended[0]!.sampledValue.map((s) => [s.measurand, s.context, s.value]), [['Energy.Active.Import.Register', 'Sample.Periodic', 10]]);
    samplers!.stop('tx-1');
    timers.advance(4_000);
    samplers!.start('tx-1', r.running.get('tx-1')!); // as after a restart, at 10:00:36
    timers.advance(10_000);
    assert.deepEqual(r.ended.map((v) => v.timestamp).slice(3), ['2026-01-01T10:00:40.000Z']);
  });

  it('SampledDataCtrlr.TxUpdatedInterval: a sample to send at each interval', () => {
    timers = new FakeClock(Date.UTC(2026, 0, 1, 10, 0, 0));
    const r = rig(model({ updatedS: 5 }), timers.now());
    samplers!.start('tx-1', r.running.get('tx-1')!);
    timers.advance(16_000);
    assert.equal(r.updated.length, 3);
    assert.deepEqual(r.ended, []);
  });

  it('E06.FR.12/13: at most MAX_ENDED_SAMPLES kept; intermediate samples go first, never the first or the latest', () => {
    timers = new FakeClock();
    let kept: MeterValueType[] = [];
    for (let i = 0; i < 1000; i++) {
      kept = keepEndedSample(kept, sample(i));
      assert.ok(kept.length <= MAX_ENDED_SAMPLES, `${kept.length} samples kept`);
      assert.equal(kept[0]!.timestamp, 't0');
      assert.equal(kept.at(-1)!.timestamp, `t${i}`);
    }
    const order = kept.map((v) => Number(v.timestamp.slice(1)));
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'in the order taken');
    assert.ok(kept.length > MAX_ENDED_SAMPLES / 4, 'thinned, not emptied');
  });

  it('samples read back from the journal: only well-formed ones', () => {
    timers = new FakeClock();
    assert.deepEqual(reviveEndedSamples(undefined), []);
    assert.deepEqual(reviveEndedSamples('x'), []);
    assert.deepEqual(reviveEndedSamples([sample(1), { timestamp: 't2' }, null, { timestamp: 3, sampledValue: [{ value: 1 }] }, { timestamp: 't4', sampledValue: [] }]), [sample(1)]);
  });
});
