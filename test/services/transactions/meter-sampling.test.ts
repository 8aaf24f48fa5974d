import assert from 'node:assert/strict';
import { CsmsClock } from '../../../src/services/registration/csms-clock.js';
import { MeterSampling, type SampledTransaction } from '../../../src/services/transactions/meter-sampling.js';
import { FakeClock } from '../../../src/station/clock.js';
import type { MeterReading } from '../../../src/station/meter-reading.js';

/** The metering service: periodic samplers per transaction and clock-aligned schedules (2.0.1 J01/J02, 1.6 9.1.5/9.1.20), on a FakeClock. */

describe('metering: meter sampling', () => {
  const at = (iso: string): string => iso.slice(11, 19);

  function rig(start: number, intervals: { fromNow?: number; fromTx?: number; aligned?: number }) {
    const local = new FakeClock(start);
    const ticks: string[] = [];
    const reading = (): MeterReading => ({ timestamp: local.now(), energyImportWh: 0 }) as MeterReading;
    const sampling = new MeterSampling({
      clock: new CsmsClock(local),
      latestReading: (evseId) => (evseId === 1 ? reading() : undefined),
      periodic: [
        { intervalS: () => intervals.fromNow ?? 0, from: 'sampling-start', onSample: (id, r) => ticks.push(`${id} now ${at(r.timestamp.toISOString())}`) },
        { intervalS: () => intervals.fromTx ?? 0, from: 'transaction-start', onSample: (id, r) => ticks.push(`${id} tx ${at(r.timestamp.toISOString())}`) },
      ],
      aligned: [{ intervalS: () => intervals.aligned ?? 0, onBoundary: (b) => ticks.push(`aligned ${at(b.toISOString())}`) }],
    });
    return { local, ticks, sampling };
  }

  it('J02 / 1.6 9.1.20: every interval from when sampling started; none without a reading; none once stopped', () => {
    const r = rig(Date.UTC(2026, 0, 1, 10, 0, 3), { fromNow: 10 });
    const tx: SampledTransaction = { evseId: 1, snapshot: { startedAt: new Date(Date.UTC(2026, 0, 1, 10, 0, 0)) } };
    r.sampling.start('tx-1', tx);
    r.sampling.start('tx-2', { evseId: 2, snapshot: tx.snapshot }); // no meter reading on EVSE 2
    r.local.advance(25_000);
    assert.deepEqual(r.ticks, ['tx-1 now 10:00:13', 'tx-1 now 10:00:23']);
    r.sampling.stop('tx-1');
    r.local.advance(60_000);
    assert.equal(r.ticks.length, 2);
    r.sampling.stopAll();
    assert.equal(r.local.pending, 0);
  });

  it('E06.FR.11 TxEndedInterval: counted from the transaction start, so a restart of sampling keeps the rhythm', () => {
    const r = rig(Date.UTC(2026, 0, 1, 10, 0, 7), { fromTx: 10 });
    const tx: SampledTransaction = { evseId: 1, snapshot: { startedAt: new Date(Date.UTC(2026, 0, 1, 10, 0, 0)) } };
    r.sampling.start('tx-1', tx);
    r.local.advance(15_000);
    r.sampling.start('tx-1', tx); // as after a restart, at 10:00:22
    r.local.advance(10_000);
    assert.deepEqual(r.ticks, ['tx-1 tx 10:00:10', 'tx-1 tx 10:00:20', 'tx-1 tx 10:00:30']);
    r.sampling.stopAll();
  });

  it('J01 / 1.6 9.1.5: aligned boundaries from midnight, at the interval read when scheduled', () => {
    const intervals = { aligned: 900 };
    const r = rig(Date.UTC(2026, 0, 1, 10, 7, 0), intervals);
    r.sampling.schedule();
    r.local.advance(16 * 60_000);
    assert.deepEqual(r.ticks, ['aligned 10:15:00']);
    intervals.aligned = 0;
    r.sampling.schedule();
    r.local.advance(3_600_000);
    assert.deepEqual(r.ticks, ['aligned 10:15:00'], 'interval 0: none');
    r.sampling.stopAll();
    assert.equal(r.local.pending, 0);
  });
});
