import assert from 'node:assert/strict';
import { BehaviorSubject } from 'rxjs';
import { ConnectorNumbering } from '../../src/ocpp/v16/connector-numbering.js';
import { ConfigurationStore } from '../../src/ocpp/v16/configuration/configuration-store.js';
import { TransactionMessages16 } from '../../src/ocpp/v16/transaction-messages.js';
import { silentLogger } from '../../src/process/logger.js';
import { CsmsClock } from '../../src/services/registration/csms-clock.js';
import type { Registration } from '../../src/services/registration/registration.js';
import { FakeClock } from '../../src/station/clock.js';
import type { TransactionEvent, TransactionSnapshot } from '../../src/station/events.js';
import type { MeterReading } from '../../src/station/meter-reading.js';
import type { StateStore } from '../../src/station/ports.js';
import type { Station } from '../../src/station/station.js';
import { TransactionJournal } from '../../src/store/transaction-journal.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The transactions and metering services in 1.6's words, on a FakeClock and a scripted Central
 * System: StartTransaction / MeterValues / StopTransaction in order, the Central System's integer
 * transaction id put into what follows, errata 3.18's -1, and what survives a restart.
 */

class MemoryStore implements StateStore {
  readonly values = new Map<string, unknown>();
  read<T>(name: string): T | undefined {
    return this.values.get(name) as T | undefined;
  }
  write(name: string, value: unknown): void {
    this.values.set(name, JSON.parse(JSON.stringify(value)));
  }
}

interface Sent {
  action: string;
  payload: Record<string, unknown>;
}

function rig(dir: string, store: MemoryStore, options: { sampleS?: number; startAnswer?: () => unknown; ready?: boolean } = {}) {
  const local = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const clock = new CsmsClock(local);
  const ready$ = new BehaviorSubject(options.ready ?? true);
  const sent: Sent[] = [];
  const registration = {
    ready$,
    online: true,
    async sendNow(action: string, payload: object) {
      sent.push({ action, payload: payload as Record<string, unknown> });
      if (action === 'StartTransaction') return options.startAnswer ? options.startAnswer() : { transactionId: 77, idTagInfo: { status: 'Accepted' } };
      return action === 'StopTransaction' ? {} : {};
    },
    async send(action: string, payload: object) {
      sent.push({ action, payload: payload as Record<string, unknown> });
      return {};
    },
  } as unknown as Registration;
  const station = { evse: () => ({ connectors: [{ connectorId: 1 }] }), tokenRejected: () => undefined } as unknown as Station;
  const configuration = new ConfigurationStore({
    definitions: [
      { key: 'MeterValueSampleInterval', type: 'integer', readonly: false, default: String(options.sampleS ?? 0) },
      { key: 'ClockAlignedDataInterval', type: 'integer', readonly: false, default: '0' },
      { key: 'TransactionMessageAttempts', type: 'integer', readonly: false, default: '3' },
      { key: 'TransactionMessageRetryInterval', type: 'integer', readonly: false, default: '10' },
      { key: 'MeterValuesSampledData', type: 'CSL', readonly: false, default: 'Energy.Active.Import.Register' },
      { key: 'StopTxnSampledData', type: 'CSL', readonly: false, default: 'Energy.Active.Import.Register' },
    ],
  });
  const journal = TransactionJournal.open(dir);
  let energyWh = 1000;
  const reading = (): MeterReading => ({ timestamp: local.now(), energyImportWh: (energyWh += 10) }) as MeterReading;
  const messages = new TransactionMessages16({
    clock,
    log: silentLogger,
    station,
    configuration,
    numbering: new ConnectorNumbering([{ id: 1, connectors: [{ id: 1 }] }]),
    registration,
    store,
    latestReading: () => reading(),
    journal,
    localAuthorizer: undefined,
    resetType: () => undefined,
    onStopDelivered: () => undefined,
  });
  return { local, ready$, sent, messages, journal, reading };
}

const snapshot: TransactionSnapshot = {
  id: 'tx-a',
  evseId: 1,
  connectorId: 1,
  startedAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 0)),
  meterStartWh: 1000,
  idToken: { idToken: 'CARD-1', type: 'ISO14443' },
  chargingState: 'Charging',
  energyWh: 0,
};

const started = (reading: MeterReading): TransactionEvent => ({ type: 'TransactionStarted', evseId: 1, transaction: snapshot, trigger: 'Authorized', timestamp: snapshot.startedAt, reading });
const ended = (reading: MeterReading): TransactionEvent => ({
  type: 'TransactionEnded',
  evseId: 1,
  transaction: { ...snapshot, meterStopWh: 1500, stoppedReason: 'Local' },
  trigger: 'StopAuthorized',
  timestamp: new Date(Date.UTC(2026, 0, 1, 12, 1, 0)),
  stoppedReason: 'Local',
  reading,
});

describe('1.6 transaction messages', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('evse-tx16');
  });

  it('9.1.20: MeterValues every MeterValueSampleInterval carry the transactionId the Central System gave; StopTransaction has it and the StopTxnSampledData values', async () => {
    const r = rig(dir, new MemoryStore(), { sampleS: 10 });
    r.messages.start();
    r.messages.onTransactionEvent(started(r.reading()));
    await r.local.advanceAsync(25_000);
    assert.equal(r.messages.onTransactionEvent(ended(r.reading())), 1, 'ended on connector 1');
    await r.local.advanceAsync(0);
    await r.messages.transactions.queue.idle();
    assert.deepEqual(r.sent.map((m) => m.action), ['StartTransaction', 'MeterValues', 'MeterValues', 'StopTransaction']);
    for (const m of r.sent.slice(1)) assert.equal(m.payload['transactionId'], 77);
    const stop = r.sent[3]!.payload as { reason: string; idTag: string; transactionData: Array<{ sampledValue: Array<{ context: string }> }> };
    assert.equal(stop.reason, 'Local');
    assert.equal(stop.idTag, 'CARD-1');
    assert.deepEqual(stop.transactionData.map((v) => v.sampledValue[0]!.context), ['Transaction.Begin', 'Sample.Periodic', 'Sample.Periodic', 'Transaction.End']);
    assert.equal(r.messages.csmsTransactionId('tx-a'), undefined, 'forgotten once the stop is answered');
    r.messages.stop();
    assert.equal(r.local.pending, 0, 'no timer left');
    r.journal.close();
  });

  it('errata 3.18: a transaction whose StartTransaction was never answered still reports its stop, with transactionId -1', async () => {
    const r = rig(dir, new MemoryStore(), {
      startAnswer: () => {
        throw new Error('our own message failed validation');
      },
    });
    r.messages.onTransactionEvent(started(r.reading()));
    r.messages.onTransactionEvent(ended(r.reading()));
    await r.messages.transactions.queue.idle();
    assert.deepEqual(r.sent.map((m) => `${m.action} ${m.payload['transactionId'] ?? ''}`), ['StartTransaction ', 'StopTransaction -1']);
    r.messages.stop();
    r.journal.close();
  });

  it('across a restart: the id mapping is kept, an answered StartTransaction is not sent twice, and the connector waits for its StopTransaction (4.9 Finishing)', async () => {
    const store = new MemoryStore();
    const first = rig(dir, store, { ready: false });
    first.messages.onTransactionEvent(started(first.reading()));
    // The StartTransaction is answered, and the agent stops before the journal hears of it.
    const message = first.messages.transactions.queue.pending[0]!;
    store.write('ocpp16-transaction-ids', { 'tx-a': 77 });
    first.messages.onTransactionEvent(ended(first.reading()));
    assert.equal(first.messages.stopUndeliveredOn(1), true);
    first.messages.stop();
    first.journal.close();

    const second = rig(dir, store, { ready: false });
    assert.equal(second.messages.localTransactionId(77), 'tx-a');
    assert.equal(second.messages.stopUndeliveredOn(1), true, 'still waiting for the stop');
    assert.deepEqual(second.messages.transactions.queue.pending.map((m) => m.action), ['StopTransaction']);
    assert.ok(!second.messages.transactions.queue.pending.some((m) => m.id === message.id));
    second.ready$.next(true);
    await second.messages.transactions.queue.idle();
    assert.deepEqual(second.sent.map((m) => `${m.action} ${m.payload['transactionId']}`), ['StopTransaction 77']);
    assert.equal(second.messages.stopUndeliveredOn(1), false);
    second.messages.stop();
    second.journal.close();
  });
});
