import assert from 'node:assert/strict';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import { BehaviorSubject } from 'rxjs';
import { DeviceModel, type VariableDefinition } from '../../src/ocpp/v201/device-model/device-model.js';
import { TransactionMessages201 } from '../../src/ocpp/v201/transaction-messages.js';
import { silentLogger } from '../../src/process/logger.js';
import { CsmsClock } from '../../src/services/registration/csms-clock.js';
import type { Registration } from '../../src/services/registration/registration.js';
import { FakeClock } from '../../src/station/clock.js';
import type { TransactionEvent, TransactionSnapshot } from '../../src/station/events.js';
import type { MeterReading } from '../../src/station/meter-reading.js';
import type { Station } from '../../src/station/station.js';
import { TransactionJournal } from '../../src/store/transaction-journal.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The transactions and metering services in 2.0.1's words, on a FakeClock and a scripted CSMS:
 * seqNo and the samples kept for Ended across a restart (E01.FR.07, E06.FR.11), clock-aligned
 * values in and out of transactions (J01.FR.19/22).
 */

const MEASURANDS = ['Energy.Active.Import.Register', 'Power.Active.Import'];

function model(values: { txEndedS?: number; alignedS?: number; sendDuringIdle?: boolean }): DeviceModel {
  const integer = (component: string, name: string, value: number, instance?: string): VariableDefinition => ({
    component: { name: component },
    variable: instance ? { name, instance } : { name },
    mutability: 'ReadWrite',
    characteristics: { dataType: 'integer', minLimit: 0 },
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
      integer('OCPPCommCtrlr', 'MessageAttempts', 3, 'TransactionEvent'),
      integer('OCPPCommCtrlr', 'MessageAttemptInterval', 10, 'TransactionEvent'),
      integer('SampledDataCtrlr', 'TxUpdatedInterval', 0),
      integer('SampledDataCtrlr', 'TxEndedInterval', values.txEndedS ?? 0),
      integer('AlignedDataCtrlr', 'Interval', values.alignedS ?? 0),
      integer('AlignedDataCtrlr', 'TxEndedInterval', 0),
      list('SampledDataCtrlr', 'TxStartedMeasurands', 'Energy.Active.Import.Register'),
      list('SampledDataCtrlr', 'TxUpdatedMeasurands', 'Energy.Active.Import.Register'),
      list('SampledDataCtrlr', 'TxEndedMeasurands', 'Energy.Active.Import.Register'),
      list('AlignedDataCtrlr', 'Measurands', 'Energy.Active.Import.Register'),
      list('AlignedDataCtrlr', 'TxEndedMeasurands', 'Energy.Active.Import.Register'),
      { component: { name: 'AlignedDataCtrlr' }, variable: { name: 'SendDuringIdle' }, mutability: 'ReadWrite', characteristics: { dataType: 'boolean' }, default: String(values.sendDuringIdle ?? false) },
    ],
  });
}

const snapshot: TransactionSnapshot = {
  id: 'tx-201',
  evseId: 1,
  connectorId: 1,
  startedAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 0)),
  meterStartWh: 1000,
  chargingState: 'Charging',
  energyWh: 0,
};

function rig(dir: string, dm: DeviceModel, options: { ready?: boolean; running?: boolean; start?: number } = {}) {
  const local = new FakeClock(options.start ?? Date.UTC(2026, 0, 1, 12, 0, 0));
  const ready$ = new BehaviorSubject(options.ready ?? true);
  const sent: Array<{ action: string; payload: Record<string, unknown> }> = [];
  const record = async (action: string, payload: object): Promise<object> => {
    sent.push({ action, payload: payload as Record<string, unknown> });
    return {};
  };
  const registration = { ready$, online: true, sendNow: record, send: record } as unknown as Registration;
  const evse = { id: 1, transaction: options.running ? snapshot : undefined };
  const station = { evses: [evse], transactions: () => (evse.transaction ? [evse.transaction] : []), tokenRejected: () => undefined } as unknown as Station;
  let energyWh = 1000;
  const reading = (): MeterReading => ({ timestamp: local.now(), energyImportWh: (energyWh += 10) }) as MeterReading;
  const journal = TransactionJournal.open(dir);
  const messages = new TransactionMessages201({ clock: new CsmsClock(local), log: silentLogger, station, deviceModel: dm, registration, latestReading: () => reading(), journal });
  return { local, ready$, sent, messages, journal, reading, evse };
}

const event = (type: 'TransactionStarted' | 'TransactionEnded', reading: MeterReading, at: Date): TransactionEvent =>
  type === 'TransactionStarted'
    ? { type, evseId: 1, transaction: snapshot, trigger: 'Authorized', timestamp: at, reading }
    : { type, evseId: 1, transaction: { ...snapshot, stoppedReason: 'Local' }, trigger: 'StopAuthorized', timestamp: at, stoppedReason: 'Local', reading };

describe('2.0.1 transaction messages', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('evse-tx201');
  });

  it('E01.FR.07 / E06.FR.11: after a restart the seqNo goes on, and the samples kept for Ended before it are in the Ended message', async () => {
    const first = rig(dir, model({ txEndedS: 10 }), { ready: false });
    first.messages.onTransactionEvent(event('TransactionStarted', first.reading(), first.local.now()));
    await first.local.advanceAsync(25_000); // samples at :10 and :20
    first.messages.stop();
    first.journal.close();

    const second = rig(dir, model({ txEndedS: 10 }), { ready: false, start: Date.UTC(2026, 0, 1, 12, 0, 26) });
    second.messages.start();
    await second.local.advanceAsync(5_000); // the rhythm goes on from the start: a sample at :30
    second.messages.onTransactionEvent(event('TransactionEnded', second.reading(), second.local.now()));
    second.ready$.next(true);
    await second.messages.transactions.queue.idle();
    const messages = second.sent.map((m) => m.payload as unknown as TransactionEventRequest);
    assert.deepEqual(messages.map((m) => `${m.eventType} ${m.seqNo}`), ['Started 0', 'Ended 1']);
    const ended = messages[1]!;
    assert.deepEqual(
      ended.meterValue!.map((v) => `${v.sampledValue[0]!.context} ${v.timestamp.slice(11, 19)}`),
      ['Transaction.Begin 12:00:00', 'Sample.Periodic 12:00:10', 'Sample.Periodic 12:00:20', 'Sample.Periodic 12:00:30', 'Transaction.End 12:00:31'],
    );
    second.messages.stop();
    assert.equal(second.local.pending, 0, 'no timer left');
    second.journal.close();
  });

  it('J01.FR.22: an aligned value during a transaction is an Updated TransactionEvent (MeterValueClock); J01.FR.19 SendDuringIdle keeps it out; without a transaction it is a MeterValues', async () => {
    for (const sendDuringIdle of [false, true]) {
      const r = rig(makeTempDir('evse-tx201'), model({ alignedS: 60, sendDuringIdle }), { running: true, start: Date.UTC(2026, 0, 1, 12, 0, 30) });
      r.messages.onTransactionEvent(event('TransactionStarted', r.reading(), r.local.now()));
      r.messages.start();
      await r.local.advanceAsync(31_000);
      await r.messages.transactions.queue.idle();
      r.evse.transaction = undefined;
      await r.local.advanceAsync(60_000);
      const said = r.sent.map((m) => (m.action === 'TransactionEvent' ? `${m.action} ${String(m.payload['triggerReason'])}` : `${m.action} ${(m.payload['meterValue'] as Array<{ timestamp: string }>)[0]!.timestamp.slice(11, 19)}`));
      const expected = sendDuringIdle ? ['TransactionEvent Authorized', 'MeterValues 12:02:00'] : ['TransactionEvent Authorized', 'TransactionEvent MeterValueClock', 'MeterValues 12:02:00'];
      assert.deepEqual(said, expected, `SendDuringIdle ${sendDuringIdle}`);
      r.messages.stop();
      r.journal.close();
    }
  });
});
