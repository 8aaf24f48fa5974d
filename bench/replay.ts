/**
 * bench/replay: queues transaction messages while offline (one transaction's TransactionEvents,
 * journaled the way the agent journals them), reconnects to the development CSMS on loopback, and
 * reports the messages per second delivered against the round-trip-time limit of one call in
 * flight: 1 / the median round trip of a TransactionEvent (the message replayed; a Heartbeat is lighter
 * and would flatter the limit, so it is printed for reference only). Every piece is the real one: TransactionJournal (appends and
 * removals synced by group commit), TransactionMessageQueue, OcppClient over a WebSocket, and DevCsms validating every
 * message against the OCPP 2.0.1 schemas.
 *
 *   npm run bench:replay [-- --messages 10000 --rtt-calls 500 --dir /var/lib/evse-agent --emulate-rtt-ms 20 --fsync-ms 5 --runs 5]
 *
 * --dir is where the temporary journal directory is made (default: os.tmpdir()); on a station,
 * point it at the file system storage.dir is on, since that is what the fsyncs cost.
 * --emulate-rtt-ms puts a relay between the station and the CSMS that holds the CSMS's frames that
 * long (bench/delay-proxy), as a link with that round trip would. --fsync-ms makes every fdatasync
 * that much slower (src/store/disk-sync.ts), as an SD card would.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import { DevCsms, type MessageRecord } from '../tools/dev-csms/dev-csms.js';
import type { MeterReading } from '../src/station/meter-reading.js';
import { TransactionMessageQueue, type QueueStore, type QueuedMessage } from '../src/services/transactions/transaction-queue.js';
import { OcppClient } from '../src/ocpp/ocpp-client.js';
import { meterValue } from '../src/ocpp/v201/actions/meter-values.js';
import { meterValueUpdate, transactionEventRequest, type TransactionMessageState } from '../src/ocpp/v201/actions/transaction-event.js';
import { silentLogger } from '../src/process/logger.js';
import { startDelayProxy, type DelayProxy } from './delay-proxy.js';
import { repeatRuns } from './repeat-runs.js';
import type { TransactionSnapshot } from '../src/station/events.js';
import { diskSyncs } from '../src/store/disk-sync.js';
import { JOURNAL_FILE, TransactionJournal, type MessageKind, type RemovalReason, type StoredMessage, type StoredTransaction } from '../src/store/transaction-journal.js';

const IDENTITY = 'BENCH-REPLAY';
/** SampledDataCtrlr.TxUpdatedInterval of the simulated offline period. */
const TX_UPDATED_INTERVAL_S = 10;
const PHASE_VOLTAGE_V = 230;
/** The agent's default storage.maxQueuedMessages: 10,000 stays under it, so nothing is thinned. */
const MAX_QUEUED_MESSAGES = 20_000;
/** Phase 2 fails when no message is answered for this long. */
const STALL_MS = 30_000;

const TX_STARTED_MEASURANDS = ['Energy.Active.Import.Register'];
const TX_UPDATED_MEASURANDS = ['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import'];
const TX_ENDED_MEASURANDS = ['Energy.Active.Import.Register'];

interface BuiltMessage {
  payload: TransactionEventRequest;
  kind: MessageKind;
  /** The transaction's state after the message, as the adapter journals it with the message. */
  transaction: StoredTransaction;
}

/** A three-phase meter reading at sample i: ~11 kW, energy rising by what the power delivered. */
function meterReadings(startMs: number, startWh: number): (i: number) => MeterReading {
  let energyWh = startWh;
  let last = 0;
  return (i) => {
    const phase = (k: number): number => 3680 + 60 * Math.sin(i / 40 + (2 * Math.PI * k) / 3);
    const [p1, p2, p3] = [phase(0), phase(1), phase(2)];
    const total = p1 + p2 + p3;
    energyWh += (total * TX_UPDATED_INTERVAL_S * (i - last)) / 3600;
    last = i;
    return {
      timestamp: new Date(startMs + i * TX_UPDATED_INTERVAL_S * 1000),
      energyImportWh: energyWh,
      powerW: total,
      powerL1W: p1,
      powerL2W: p2,
      powerL3W: p3,
      currentL1A: p1 / PHASE_VOLTAGE_V,
      currentL2A: p2 / PHASE_VOLTAGE_V,
      currentL3A: p3 / PHASE_VOLTAGE_V,
    };
  };
}

/**
 * The TransactionEvents of one transaction as the agent queues them while offline, built by the
 * adapter's own message builders: Started (seqNo 0), Updated MeterValuePeriodic ones every
 * TxUpdatedInterval, and Ended (seqNo count - 1), all with offline: true.
 */
function offlineTransaction(id: string, count: number, idToken: string): BuiltMessage[] {
  if (count < 2) throw new Error('a transaction is at least a Started and an Ended message');
  const startMs = Date.now() - count * TX_UPDATED_INTERVAL_S * 1000;
  const reading = meterReadings(startMs, 1_250_000);
  const state: TransactionMessageState = { seqNo: 0, endedSamples: [] };
  const iso = (d: Date): string => d.toISOString();
  const measurands = { txStarted: TX_STARTED_MEASURANDS, txEnded: TX_ENDED_MEASURANDS };
  const first = reading(0);
  const snapshot: TransactionSnapshot = {
    id,
    evseId: 1,
    connectorId: 1,
    startedAt: first.timestamp,
    meterStartWh: first.energyImportWh,
    idToken: { idToken, type: 'ISO14443' },
    chargingState: 'Charging',
    energyWh: 0,
  };
  const journaled = (s: TransactionSnapshot): StoredTransaction => ({
    id,
    snapshot: { ...s } as unknown as Record<string, unknown>,
    adapter: { seqNo: state.seqNo },
  });
  const out: BuiltMessage[] = [];
  const started = transactionEventRequest(
    {
      type: 'TransactionStarted',
      evseId: 1,
      connectorId: 1,
      transaction: snapshot,
      trigger: 'Authorized',
      timestamp: first.timestamp,
      chargingState: 'Charging',
      idToken: { idToken, type: 'ISO14443' },
      reading: first,
    },
    state,
    { offline: true, timestamp: iso, measurands },
  );
  out.push({ payload: started, kind: 'start', transaction: journaled(snapshot) });
  for (let i = 1; i < count - 1; i++) {
    const r = reading(i);
    const value = meterValue(r, TX_UPDATED_MEASURANDS, 'Sample.Periodic', iso(r.timestamp));
    if (!value) throw new Error('no sampled values built');
    const payload = meterValueUpdate(id, 'MeterValuePeriodic', value, state, { offline: true, timestamp: iso(r.timestamp) });
    // The adapter journals the core's latest snapshot with every message.
    out.push({ payload, kind: 'meter', transaction: journaled({ ...snapshot, energyWh: r.energyImportWh - snapshot.meterStartWh }) });
  }
  const last = reading(count - 1);
  const ended: TransactionSnapshot = {
    ...snapshot,
    chargingState: 'Idle',
    energyWh: last.energyImportWh - snapshot.meterStartWh,
    endedAt: last.timestamp,
    meterStopWh: last.energyImportWh,
    stoppedReason: 'EVDisconnected',
  };
  const endedRequest = transactionEventRequest(
    { type: 'TransactionEnded', stoppedReason: 'EVDisconnected', evseId: 1, transaction: ended, trigger: 'EVCommunicationLost', timestamp: last.timestamp, chargingState: 'Idle', reading: last },
    state,
    { offline: true, timestamp: iso, measurands },
  );
  out.push({ payload: endedRequest, kind: 'end', transaction: journaled(ended) });
  return out;
}

/** The journal as the queue's store, passing every call through unchanged, timing appends and removals (their writes; the syncs run beside). */
class TimedJournal implements QueueStore {
  readonly addMs: number[] = [];
  readonly removeMs: number[] = [];

  constructor(private readonly journal: TransactionJournal) {}

  add(message: StoredMessage, transaction?: StoredTransaction, transactionEnds?: boolean): void {
    const t0 = performance.now();
    this.journal.add(message, transaction, transactionEnds);
    this.addMs.push(performance.now() - t0);
  }

  remove(id: string, why: RemovalReason): boolean {
    const t0 = performance.now();
    const removed = this.journal.remove(id, why);
    this.removeMs.push(performance.now() - t0);
    return removed;
  }

  synced(urgent?: boolean): Promise<void> {
    return this.journal.synced(urgent);
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const sortedCopy = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const rate = (count: number, ms: number): string => Math.round((count * 1000) / ms).toLocaleString('en-US');
const ms = (v: number, digits = 2): string => `${v.toFixed(digits)} ms`;

/** Round trips of calls made one at a time on the client's connection, in ms. */
async function roundTrips(n: number, call: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call(i);
    times.push(performance.now() - t0);
  }
  return times;
}

/** TransactionEvent CALLs of one transaction that the CSMS received, in order. */
function seqNosOf(messages: readonly MessageRecord[], transactionId: string): number[] {
  return messages
    .filter((m) => m.direction === 'fromStation' && m.kind === 'call' && m.action === 'TransactionEvent')
    .map((m) => m.payload as TransactionEventRequest)
    .filter((p) => p.transactionInfo.transactionId === transactionId)
    .map((p) => p.seqNo);
}

function checkSeqNos(what: string, seqNos: readonly number[], count: number): void {
  if (seqNos.length !== count) throw new Error(`${what}: ${seqNos.length} TransactionEvents of the transaction, expected ${count}`);
  const wrong = seqNos.findIndex((s, i) => s !== i);
  if (wrong >= 0) throw new Error(`${what}: message ${wrong} has seqNo ${seqNos[wrong]}, expected ${wrong} (out of order or repeated)`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { messages: { type: 'string' }, 'rtt-calls': { type: 'string' }, dir: { type: 'string' }, 'emulate-rtt-ms': { type: 'string' }, 'fsync-ms': { type: 'string' }, runs: { type: 'string' } } });
  if (values['fsync-ms']) process.env['EVSE_EMULATED_FSYNC_MS'] = values['fsync-ms'];
  const fsyncMs = Number(values['fsync-ms'] ?? 0);
  const count = Number(values.messages ?? 10_000);
  const rttCalls = Number(values['rtt-calls'] ?? 500);
  if (!Number.isInteger(count) || count < 2) throw new Error(`--messages must be an integer of at least 2, got ${values.messages}`);
  if (!Number.isInteger(rttCalls) || rttCalls < 1) throw new Error(`--rtt-calls must be a positive integer, got ${values['rtt-calls']}`);
  const emulatedRttMs = Number(values['emulate-rtt-ms'] ?? 0);
  if (!(emulatedRttMs >= 0)) throw new Error(`--emulate-rtt-ms must be a number of ms, got ${values['emulate-rtt-ms']}`);

  const dir = mkdtempSync(path.join(values.dir ?? os.tmpdir(), 'evse-bench-replay-'));
  const csms = new DevCsms({
    port: 0,
    log: silentLogger,
    versions: ['2.0.1'],
    // Every frame both ways must stay recorded for the checks: the replay, the round trips, slack.
    maxMessagesPerStation: 2 * (count + 3 * rttCalls) + 1000,
  });
  let client: OcppClient | undefined;
  let queue: TransactionMessageQueue | undefined;
  let journal: TransactionJournal | undefined;
  let proxy: DelayProxy | undefined;
  try {
    await csms.start();
    let url = csms.url;
    if (emulatedRttMs > 0) {
      proxy = await startDelayProxy(Number(new URL(csms.url).port), emulatedRttMs);
      const proxied = new URL(csms.url);
      proxied.port = String(proxy.port);
      url = proxied.href;
    }
    const failures: string[] = [];
    csms.messages$.subscribe((m) => {
      if (m.kind === 'callError') failures.push(`CALLERROR ${m.direction} for ${m.action ?? '?'}: ${m.error?.code ?? '?'} ${m.error?.description ?? ''}`);
      if (m.kind === 'unreadable') failures.push(`unreadable frame ${m.direction}`);
    });

    const transactionId = '5a1e0c5e-0000-4000-8000-00000000b001';
    const messages = offlineTransaction(transactionId, count, '04A1B2C3D4E5F6');
    const payloadBytes = mean(messages.map((m) => Buffer.byteLength(JSON.stringify(m.payload))));

    journal = TransactionJournal.open(dir);
    const store = new TimedJournal(journal);
    client = new OcppClient({
      url,
      identity: IDENTITY,
      version: '2.0.1',
      securityProfile: 0,
      backoff: () => ({ waitMinimumS: 1, randomRangeS: 0, repeatTimes: 0 }),
      pingIntervalS: () => 0,
      callTimeoutMs: () => 30_000,
      log: silentLogger,
    });
    // Subscribed before the queue, so this sees the connection before the queue starts sending.
    let connectedAt: number | undefined;
    let disconnects = 0;
    client.connected$.subscribe((connected) => {
      if (connected) connectedAt ??= performance.now();
      else if (connectedAt !== undefined) disconnects++;
    });
    let answered = 0;
    queue = new TransactionMessageQueue({
      send: (action, payload) => client!.call(action, payload),
      store,
      initial: journal.pending,
      maxMessages: () => MAX_QUEUED_MESSAGES,
      ready$: client.connected$,
      // One attempt: a message the CSMS did not process is discarded, and counted as a failure.
      attempts: () => 1,
      retryIntervalS: () => 1,
      onAnswer: () => answered++,
      onDiscarded: (m: QueuedMessage, err: Error) => failures.push(`seqNo ${(m.payload as TransactionEventRequest).seqNo} discarded: ${err.message}`),
      log: silentLogger,
    });

    console.log(`bench/replay: ${count} TransactionEvent messages of one transaction, queued offline, then replayed to the development CSMS on loopback${emulatedRttMs > 0 ? `, its answers held ${emulatedRttMs} ms (emulated round trip)` : ''}${fsyncMs > 0 ? `, every fdatasync ${fsyncMs} ms slower (emulated SD card)` : ''}`);
    console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), journal in ${dir}\n`);

    // Phase 1: offline. Every enqueue is written at once; group commit syncs them (timed to the last sync).
    const t1 = performance.now();
    const syncsBeforeEnqueue = diskSyncs.started;
    for (const m of messages) queue.enqueue('TransactionEvent', m.payload, transactionId, m.kind, m.transaction);
    await journal.synced();
    const enqueueMs = performance.now() - t1;
    const enqueueSyncs = diskSyncs.started - syncsBeforeEnqueue;
    if (queue.length !== count || journal.pending.length !== count) throw new Error(`queued ${queue.length}, journaled ${journal.pending.length}, expected ${count}`);
    if (!queue.storeHealthy) throw new Error('the journal could not be written');
    const journalBytes = statSync(path.join(dir, JOURNAL_FILE)).size;
    if (journalBytes !== journal.bytes) throw new Error(`journal size on disk ${journalBytes} bytes, the journal says ${journal.bytes}`);
    const addSorted = sortedCopy(store.addMs);

    // Phase 2: connect; the queue sends one message at a time and removes each once answered.
    const syncsBeforeDelivery = diskSyncs.started;
    const drained = queue.idle();
    let stalled: NodeJS.Timeout | undefined;
    const stall = new Promise<never>((_, reject) => {
      let seen = -1;
      stalled = setInterval(() => {
        if (answered === seen) reject(new Error(`replay stalled: ${answered} of ${count} answered, nothing for ${STALL_MS / 1000} s; ${failures.join('; ')}`));
        seen = answered;
      }, STALL_MS);
    });
    client.start();
    try {
      await Promise.race([drained, stall]);
    } finally {
      clearInterval(stalled);
    }
    const deliveryMs = performance.now() - connectedAt!;
    const deliverySyncs = diskSyncs.started - syncsBeforeDelivery;
    if (disconnects > 0) throw new Error(`the connection was lost ${disconnects} time(s) during the replay`);
    if (queue.length !== 0 || journal.pending.length !== 0) throw new Error(`after the replay ${queue.length} queued, ${journal.pending.length} journaled`);
    if (answered !== count) throw new Error(`${answered} of ${count} messages answered; ${failures.join('; ')}`);
    const removeSorted = sortedCopy(store.removeMs);

    // Round trips on the same connection, one call at a time, no journal.
    const heartbeat = sortedCopy(await roundTrips(rttCalls, () => client!.call('Heartbeat', {})));
    const rttTransactionId = '5a1e0c5e-0000-4000-8000-00000000b002';
    const rttMessages = offlineTransaction(rttTransactionId, rttCalls + 2, '04A1B2C3D4E5F7');
    await client.call('TransactionEvent', rttMessages[0]!.payload); // its Started, not timed
    const txEvent = sortedCopy(await roundTrips(rttCalls, (i) => client!.call('TransactionEvent', rttMessages[i + 1]!.payload)));
    await client.call('TransactionEvent', rttMessages[rttCalls + 1]!.payload); // its Ended, not timed

    // What the CSMS recorded.
    const station = csms.station(IDENTITY);
    if (!station) throw new Error('the CSMS never saw the station');
    if (station.callErrors.length > 0) failures.push(`the CSMS recorded ${station.callErrors.length} CALLERROR(s)`);
    if (failures.length > 0) throw new Error(`failures:\n  ${failures.join('\n  ')}`);
    checkSeqNos('CSMS messages', seqNosOf(station.messages, transactionId), count);
    checkSeqNos('CSMS state view', station.state().transactions[transactionId]?.seqNos ?? [], count);
    checkSeqNos('CSMS messages (round-trip transaction)', seqNosOf(station.messages, rttTransactionId), rttCalls + 2);
    const results = station.messages.filter((m) => m.direction === 'toStation' && m.kind === 'callResult' && m.action === 'TransactionEvent').length;
    if (results !== count + rttCalls + 2) throw new Error(`the CSMS answered ${results} TransactionEvents, expected ${count + rttCalls + 2}`);

    // Figures.
    const hb50 = percentile(heartbeat, 50);
    const te50 = percentile(txEvent, 50);
    const perMessageMs = deliveryMs / count;
    const removalMean = mean(store.removeMs);
    const rest = perMessageMs - te50 - removalMean;
    const rows: Array<[string, string]> = [
      ['messages', `${count} (Started, ${count - 2} Updated MeterValuePeriodic, Ended; ${Math.round(payloadBytes)} bytes of JSON each on average)`],
      ['enqueue, offline', `${rate(count, enqueueMs)} msg/s (${(enqueueMs / 1000).toFixed(2)} s to the last sync; writes per message p50 ${ms(percentile(addSorted, 50))}, p95 ${ms(percentile(addSorted, 95))}; ${enqueueSyncs} fdatasync(s))`],
      ['journal', `${journalBytes.toLocaleString('en-US')} bytes: ${Math.round(journalBytes / count)} bytes/message (message and transaction state records, CRC-framed)`],
      ['delivery, online', `${rate(count, deliveryMs)} msg/s (${(deliveryMs / 1000).toFixed(2)} s from connection to empty queue, ${ms(perMessageMs)}/message)`],
      ['  journal removal', `writes p50 ${ms(percentile(removeSorted, 50))}, p95 ${ms(percentile(removeSorted, 95))}; ${deliverySyncs} fdatasyncs while delivering (${(count / Math.max(1, deliverySyncs)).toFixed(1)} removals each; compactions included)`],
      ['RTT Heartbeat', `p50 ${ms(hb50, 3)}, p95 ${ms(percentile(heartbeat, 95), 3)} (${rttCalls} calls, one at a time)`],
      ['RTT TransactionEvent', `p50 ${ms(te50, 3)}, p95 ${ms(percentile(txEvent, 95), 3)} (${rttCalls} calls, one at a time, no journal)`],
      ['limit (1/TransactionEvent RTT p50)', `${rate(1, te50)} msg/s (by the lighter Heartbeat it would be ${rate(1, hb50)} msg/s)`],
      ['delivered / limit', `${rate(count, deliveryMs)} msg/s against ${rate(1, te50)} msg/s = ${((100 * te50) / perMessageMs).toFixed(1)}% of the TransactionEvent limit (${((100 * hb50) / perMessageMs).toFixed(1)}% of the Heartbeat one)`],
      [
        'per delivered message',
        `${ms(perMessageMs)} = TransactionEvent RTT ${ms(te50)} + journal removal write ${ms(removalMean)} (mean) + queue and rest ${ms(rest)}`,
      ],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
    console.log(`\nchecked: the CSMS validated and recorded all ${count} with seqNo 0..${count - 1} in order, answered each, no CALLERROR; queue and journal empty.`);
    console.log('\nThe queue keeps one transaction message in flight and waits for its answer, so no link can deliver more than');
    console.log('1/RTT messages a second (the limit). Replay falls short of it by what each message costs besides its round trip.');
    console.log('Group commit: a removal is written at once and synced with the others of the next 10 ms (COMMIT_DELAY_MS), off the event loop;');
    console.log('a message is sent only once its own record is synced, and an answered one may be resent after a power cut, never lost.');
  } finally {
    queue?.stop();
    await client?.stop();
    await proxy?.close();
    await csms.stop();
    journal?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const runsAt = process.argv.indexOf('--runs');
const runs = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 1;
(runs > 1 ? Promise.resolve().then(() => repeatRuns(runs, /= ([\d.]+)% of the TransactionEvent limit/, '% of the TransactionEvent limit')) : main()).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
