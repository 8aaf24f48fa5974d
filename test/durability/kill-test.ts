import assert from 'node:assert/strict';
import type { MeterValuesRequest, StartTransactionRequest, StartTransactionResponse, StopTransactionRequest } from 'ocpp-messages/v1.6/index.js';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import type { OcppVersion } from '../../src/config/station-config.js';
import { answers, DevCsms, type AnswerFn, type MessageRecord } from '../../tools/dev-csms/dev-csms.js';
import { CliProcess, simulatorConfigCopy } from '../helpers/cli.js';

/**
 * The kill test: the agent as a real process, its meter a separate meter-sim process (a real meter
 * keeps counting while the agent is down), against a CSMS in the test. Many sessions; kill -9 at
 * random moments (as a session starts, while metering, as it stops, while replaying); restart on
 * the same storage. Then every transaction the CSMS heard of must be complete, in OCPP 2.0.1 and in
 * OCPP 1.6.
 *
 * 2.0.1: every seqNo from Started to Ended, in order, and its energy the meter's own registers.
 * 1.6: every StartTransaction has exactly one StopTransaction with the transactionId the CSMS
 * answered, MeterValues only for ids the CSMS gave (never the placeholder), meterStart and
 * meterStop the meter's register at their timestamps, sessions never overlapping.
 *
 * Delivery is at least once: a message the CSMS answered in the instant before the kill is sent
 * again after the restart, identical (2.0.1: same transactionId and seqNo, which is what seqNo lets
 * a CSMS recognise, E 1.3.2; 1.6 has no seqNo, so the CSMS here recognises an identical
 * StartTransaction.req and answers it with the id it gave it). The test counts those and fails on
 * anything else twice.
 *
 * KILL_TEST_CYCLES (default 10 per version), KILL_TEST_SEED, KILL_TEST_VERSIONS (e.g. "1.6").
 * The tests themselves are kill-v201.test.ts and kill-v16.test.ts.
 */

const ID = 'EVSE-SIM-001';
const CYCLES = Number(process.env['KILL_TEST_CYCLES'] ?? 10);
const SEED = Number(process.env['KILL_TEST_SEED'] ?? Date.now() % 100000);
const VERSIONS = (process.env['KILL_TEST_VERSIONS'] ?? '2.0.1,1.6').split(',').map((v) => v.trim()) as OcppVersion[];

/** A small seeded generator, so a failing run can be repeated (KILL_TEST_SEED). */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The transaction-related actions of each version. */
const TX_ACTIONS: Record<OcppVersion, string[]> = { '2.0.1': ['TransactionEvent'], '1.6': ['StartTransaction', 'MeterValues', 'StopTransaction'] };

/** The meter's energy register over time, from meter-sim's own `status` (it never stops counting: relay closed, constant load). */
interface MeterLine {
  t0: number;
  e0: number;
  /** Wh per ms. */
  rate: number;
}

async function meterRegister(meter: CliProcess): Promise<{ at: number; wh: number }> {
  const from = meter.out.length;
  meter.child.stdin.write('status\n');
  const line = (await meter.waitFor(/^\[\{.*\}\]$/m, 5000, from))[0];
  return { at: Date.now(), wh: (JSON.parse(line) as Array<{ energyImportWh: number }>)[0]!.energyImportWh };
}

interface Run {
  csms: DevCsms;
  kills: string[];
  meter: MeterLine;
}

/** The cycles of sessions and kills, against one CSMS and one meter; returns what the CSMS recorded. */
async function killCycles(version: OcppVersion): Promise<Run> {
  const rand = random(SEED);
  const csms = new DevCsms({ port: 0 });
  await csms.start();
  // 1.6 has no seqNo: a CSMS recognises a StartTransaction sent again by its content.
  const startTransaction = recognisingResends();
  const program = (): void => {
    if (version === '1.6') csms.answer('StartTransaction', startTransaction);
  };
  program();
  const meter = new CliProcess(['meter-sim', '--profile', 'eastron-sdm630', '--tcp', '127.0.0.1:0', '--relay', 'closed', '--load', '16,16,16', '--start-energy-wh', '5000']);
  const meterPort = Number((await meter.waitFor(/tcp:\/\/127\.0\.0\.1:(\d+)/))[1]);
  const first = await meterRegister(meter);
  const config = simulatorConfigCopy((d) => {
    d['ocpp'] = { ...d['ocpp'], version, url: csms.url, reconnect: { waitMinimumS: 1, randomRangeS: 0, repeatTimes: 0 }, messageTimeoutS: 3 };
    d['meter'] = { driver: 'modbus-tcp', host: '127.0.0.1', tcpPort: meterPort, profile: 'eastron-sdm630', pollIntervalMs: 200, timeoutMs: 300, retries: 1 };
    d['charging'] = { ...d['charging'], evIdleAfterS: 600 };
    if (version === '1.6') {
      delete d['charging'].txStartPoints;
      delete d['charging'].txStopPoints;
    }
    d['meterValues'] = { ...d['meterValues'], txUpdatedIntervalS: 1, alignedIntervalS: 0 };
    d['log'] = { level: 'info' };
  });
  const kills: string[] = [];
  let agent: CliProcess | undefined;
  let api = '';

  const startAgent = async (): Promise<void> => {
    agent = new CliProcess(['run', '--config', config]);
    api = await agent.booted();
  };
  const post = async (path: string, body?: object): Promise<void> => {
    await fetch(`${api}${path}`, { method: 'POST', ...(body ? { body: JSON.stringify(body) } : {}) }).catch(() => undefined);
  };
  const kill = async (where: string): Promise<void> => {
    kills.push(where);
    agent!.child.kill('SIGKILL');
    await agent!.exited;
  };
  const status = async (): Promise<{ storage: { queuedTransactionMessages: number }; evses: Array<{ transaction: unknown }> }> =>
    (await (await fetch(`${api}/api/status`)).json()) as never;

  try {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await startAgent();
      const card = { idToken: `CARD-${cycle}`, type: 'ISO14443' };
      const scenario = ['start', 'metering', 'stop', 'replay', 'graceful'][Math.floor(rand() * 5)]!;
      if (scenario === 'replay') {
        // The CSMS stops answering: messages pile up, the agent dies, and dies again while replaying.
        for (const action of TX_ACTIONS[version]) csms.answer(action, answers.never());
        await post('/api/sim/evses/1/connectors/1/plug');
        await sleep(100);
        await post('/api/sim/evses/1/token', card);
        await sleep(1500 + rand() * 1500);
        await kill('with messages waiting');
        csms.reset();
        program();
        await startAgent();
        await sleep(rand() * 400);
        await kill('while replaying');
        continue;
      }
      await post('/api/sim/evses/1/connectors/1/plug');
      await sleep(100);
      await post('/api/sim/evses/1/token', card);
      if (scenario === 'start') {
        await sleep(rand() * 300);
        await kill('as the session started');
        continue;
      }
      await sleep(800 + rand() * 1700);
      if (scenario === 'metering') {
        await kill('while metering');
        continue;
      }
      await post('/api/sim/evses/1/token', card); // the same card stops
      if (scenario === 'stop') {
        await sleep(rand() * 150);
        await kill('as the session stopped');
        continue;
      }
      await post('/api/sim/evses/1/connectors/1/unplug');
      await sleep(500);
      agent!.child.kill('SIGTERM');
      assert.equal(await agent!.exited, 0, agent!.out.slice(-2000));
    }
    // A last start: whatever was left is recovered and delivered.
    await startAgent();
    const deadline = Date.now() + 30000;
    for (;;) {
      const s = await status();
      if (s.storage.queuedTransactionMessages === 0 && s.evses.every((e) => e.transaction === null)) break;
      if (Date.now() > deadline) throw new Error(`queue never emptied: ${JSON.stringify(s.storage)}\n${agent!.out.slice(-3000)}`);
      await sleep(100);
    }
    agent!.child.kill('SIGTERM');
    await agent!.exited;
    const last = await meterRegister(meter);
    return { csms, kills, meter: { t0: first.at, e0: first.wh, rate: (last.wh - first.wh) / (last.at - first.at) } };
  } finally {
    if (agent && agent.child.exitCode === null) agent.child.kill('SIGKILL');
    meter.child.kill('SIGTERM');
    // Gone before the run's root hook looks for processes a test left running.
    await meter.exited;
    await csms.stop();
  }
}

/** Answers an identical StartTransaction.req with the id it got the first time; new ones with the next id. */
function recognisingResends(): AnswerFn {
  const given = new Map<string, number>();
  return (payload) => {
    const key = JSON.stringify(payload);
    if (!given.has(key)) given.set(key, given.size + 1);
    return { transactionId: given.get(key)!, idTagInfo: { status: 'Accepted' } };
  };
}

function summary(version: OcppVersion, run: Run, transactions: number, received: number, resends: number, extra = ''): void {
  process.stdout.write(
    `      kill test ${version}: ${CYCLES} cycles (seed ${SEED}), ${run.kills.length} kills (${run.kills.join('; ')}), ${transactions} transactions, ` +
      `${received} transaction messages received, ${resends} identical resends after a kill${extra}\n`,
  );
}

// ---- 2.0.1 ----

function check201(run: Run): void {
  const { csms, kills } = run;
  const records = (csms.station(ID)?.messages ?? []).filter((m) => m.direction === 'fromStation' && m.kind === 'call' && m.action === 'TransactionEvent');
  const byTx = new Map<string, Array<TransactionEventRequest>>();
  for (const r of records) {
    const e = r.payload as TransactionEventRequest;
    const list = byTx.get(e.transactionInfo.transactionId) ?? [];
    list.push(e);
    byTx.set(e.transactionInfo.transactionId, list);
  }
  assert.ok(byTx.size >= Math.floor(CYCLES / 2), `transactions: ${byTx.size} for ${CYCLES} cycles (${kills.join(', ')})`);
  let resends = 0;
  const spans: Array<{ begin: number; end: number; id: string }> = [];
  for (const [id, list] of byTx) {
    const first = new Map<number, TransactionEventRequest>();
    const order: number[] = [];
    for (const e of list) {
      const seen = first.get(e.seqNo);
      if (seen) {
        // Sent again after a kill: it must be the very same message.
        assert.deepEqual(e, seen, `transaction ${id}: seqNo ${e.seqNo} arrived twice with different content`);
        resends++;
        continue;
      }
      first.set(e.seqNo, e);
      order.push(e.seqNo);
    }
    const seqNos = [...first.keys()].sort((a, b) => a - b);
    assert.deepEqual(seqNos, seqNos.map((_, i) => i), `transaction ${id}: seqNo contiguous from 0 (got ${seqNos.join(',')})`);
    assert.deepEqual(order, seqNos, `transaction ${id}: in order`);
    const events = seqNos.map((n) => first.get(n)!);
    assert.equal(events[0]!.eventType, 'Started', `transaction ${id} starts with Started`);
    assert.equal(events.at(-1)!.eventType, 'Ended', `transaction ${id} ends with Ended (${events.map((e) => e.eventType).join(',')})`);
    assert.ok(events.slice(1, -1).every((e) => e.eventType === 'Updated'), `transaction ${id}: one Started, one Ended`);
    const register = (e: TransactionEventRequest, context: string): number | undefined =>
      (e.meterValue ?? []).flatMap((mv) => mv.sampledValue).find((s) => s.context === context && s.measurand === 'Energy.Active.Import.Register')?.value;
    const begin = register(events[0]!, 'Transaction.Begin');
    const end = register(events.at(-1)!, 'Transaction.End');
    assert.ok(begin !== undefined && end !== undefined, `transaction ${id} has meter start and stop`);
    assert.ok(end >= begin, `transaction ${id}: energy ${begin} -> ${end}`);
    let last = begin;
    for (const e of events.slice(1, -1)) {
      const v = register(e, 'Sample.Periodic');
      if (v === undefined) continue;
      assert.ok(v >= last && v <= end, `transaction ${id}: periodic ${v} outside ${last}..${end}`);
      last = v;
    }
    assert.ok(['Local', 'EVDisconnected', 'PowerLoss'].includes(events.at(-1)!.transactionInfo.stoppedReason ?? 'Local'), `transaction ${id} stopped for ${events.at(-1)!.transactionInfo.stoppedReason}`);
    spans.push({ begin, end, id });
  }
  // One EVSE, one transaction at a time, one meter that never stops counting: no energy in two
  // transactions, and every transaction's energy is the meter's own delta between its registers.
  spans.sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < spans.length; i++) {
    assert.ok(spans[i]!.begin >= spans[i - 1]!.end, `transactions ${spans[i - 1]!.id} and ${spans[i]!.id} overlap: ${spans[i - 1]!.end} > ${spans[i]!.begin}`);
  }
  const callErrors = csms.station(ID)?.callErrors ?? [];
  assert.deepEqual(callErrors, [], 'the CSMS never had to reject a message');
  summary('2.0.1', run, byTx.size, records.length, resends);
}

// ---- 1.6 ----

interface Tx16 {
  id: number;
  start: StartTransactionRequest;
  meterValues: MeterValuesRequest[];
  stop?: StopTransactionRequest;
}

function check16(run: Run): void {
  const { csms, kills, meter } = run;
  const messages = csms.station(ID)?.messages ?? [];
  const actionOfCall = new Map<string, MessageRecord>();
  const received = messages.filter((m) => m.direction === 'fromStation' && m.kind === 'call' && TX_ACTIONS['1.6'].includes(m.action!));
  for (const m of received) actionOfCall.set(m.messageId!, m);
  /** What each distinct message was: the first copy counts, an identical one after it is a resend. */
  const seen = new Set<string>();
  let resends = 0;
  const byId = new Map<number, Tx16>();
  const startsByContent = new Map<string, number | undefined>();
  const startsByMoment = new Map<string, string>();
  for (const m of messages) {
    if (m.direction === 'toStation' && m.kind === 'callResult' && m.action === 'StartTransaction') {
      const call = actionOfCall.get(m.messageId!);
      assert.ok(call, `the answer ${m.messageId} belongs to a StartTransaction`);
      const start = call.payload as StartTransactionRequest;
      const id = (m.payload as StartTransactionResponse).transactionId;
      const key = JSON.stringify(start);
      const before = startsByContent.get(key);
      assert.ok(before === undefined || before === id, `one StartTransaction, two ids: ${before} and ${id}`);
      startsByContent.set(key, id);
      if (!byId.has(id)) byId.set(id, { id, start, meterValues: [] });
      continue;
    }
    if (m.direction !== 'fromStation' || m.kind !== 'call' || !TX_ACTIONS['1.6'].includes(m.action!)) continue;
    const key = `${m.action} ${JSON.stringify(m.payload)}`;
    if (seen.has(key)) {
      resends++;
      continue;
    }
    seen.add(key);
    switch (m.action) {
      case 'StartTransaction': {
        const start = m.payload as StartTransactionRequest;
        // The same moment on the same connector is the same transaction: only an identical resend may repeat it.
        const moment = `${start.connectorId} ${start.timestamp}`;
        assert.ok(!startsByMoment.has(moment), `two different StartTransactions for ${moment}: ${startsByMoment.get(moment)} and ${JSON.stringify(start)}`);
        startsByMoment.set(moment, JSON.stringify(start));
        if (!startsByContent.has(JSON.stringify(start))) startsByContent.set(JSON.stringify(start), undefined);
        break;
      }
      case 'MeterValues': {
        const mv = m.payload as MeterValuesRequest;
        assert.ok(mv.transactionId !== undefined, `MeterValues outside a transaction: ${JSON.stringify(mv)}`);
        const tx = byId.get(mv.transactionId);
        assert.ok(tx, `MeterValues for transactionId ${mv.transactionId}, which the CSMS never gave (before it): ${JSON.stringify(mv)}`);
        assert.ok(!tx.stop, `MeterValues for transaction ${mv.transactionId} after its StopTransaction`);
        assert.equal(mv.connectorId, tx.start.connectorId);
        tx.meterValues.push(mv);
        break;
      }
      case 'StopTransaction': {
        const stop = m.payload as StopTransactionRequest;
        const tx = byId.get(stop.transactionId);
        assert.ok(tx, `StopTransaction for transactionId ${stop.transactionId}, which the CSMS never gave (before it): ${JSON.stringify(stop)}`);
        assert.ok(!tx.stop, `transaction ${stop.transactionId} stopped twice, differently: ${JSON.stringify(tx.stop)} and ${JSON.stringify(stop)}`);
        tx.stop = stop;
        break;
      }
    }
  }
  for (const [start, id] of startsByContent) assert.ok(id !== undefined, `a StartTransaction never answered: ${start}`);
  const transactions = [...byId.values()];
  assert.ok(transactions.length >= Math.floor(CYCLES / 2), `transactions: ${transactions.length} for ${CYCLES} cycles (${kills.join(', ')})`);

  // The meter's register at a moment; readings are at most a poll old, plus whole-Wh rounding.
  const registerAt = (timestamp: string): number => meter.e0 + meter.rate * (Date.parse(timestamp) - meter.t0);
  const bound = meter.rate * 1000 + 1.5;
  let worst = 0;
  const near = (what: string, wh: number, timestamp: string): void => {
    const expected = registerAt(timestamp);
    worst = Math.max(worst, Math.abs(wh - expected));
    assert.ok(Math.abs(wh - expected) <= bound, `${what} ${wh} Wh, the meter's register at ${timestamp} was ${expected.toFixed(1)} Wh (bound ${bound.toFixed(1)})`);
  };
  for (const tx of transactions) {
    const { id, start, stop } = tx;
    assert.ok(stop, `transaction ${id} (${JSON.stringify(start)}) has no StopTransaction`);
    assert.ok(['Local', 'EVDisconnected', 'PowerLoss'].includes(stop.reason ?? 'Local'), `transaction ${id} stopped for ${stop.reason}`);
    assert.ok(stop.meterStop >= start.meterStart, `transaction ${id}: energy ${start.meterStart} -> ${stop.meterStop}`);
    near(`transaction ${id} meterStart`, start.meterStart, start.timestamp);
    near(`transaction ${id} meterStop`, stop.meterStop, stop.timestamp);
    let last = start.meterStart;
    for (const mv of tx.meterValues) {
      for (const v of mv.meterValue.flatMap((x) => x.sampledValue)) {
        if ((v.measurand ?? 'Energy.Active.Import.Register') !== 'Energy.Active.Import.Register') continue;
        const wh = Number(v.value) * (v.unit === 'kWh' ? 1000 : 1);
        assert.ok(wh >= last - 0.5 && wh <= stop.meterStop + 0.5, `transaction ${id}: periodic ${wh} outside ${last}..${stop.meterStop}`);
        last = wh;
      }
    }
  }
  // One EVSE, one transaction at a time, one meter that never stops counting: meterStart and
  // meterStop rise from session to session, and no energy is in two transactions.
  transactions.sort((a, b) => Date.parse(a.start.timestamp) - Date.parse(b.start.timestamp));
  for (let i = 1; i < transactions.length; i++) {
    const [a, b] = [transactions[i - 1]!, transactions[i]!];
    assert.ok(b.start.meterStart >= a.stop!.meterStop, `transactions ${a.id} and ${b.id} overlap: ${a.stop!.meterStop} > ${b.start.meterStart}`);
    assert.ok(Date.parse(b.start.timestamp) >= Date.parse(a.stop!.timestamp), `transaction ${b.id} started before ${a.id} stopped`);
  }
  const callErrors = csms.station(ID)?.callErrors ?? [];
  assert.deepEqual(callErrors, [], 'the CSMS never had to reject a message');
  summary('1.6', run, transactions.length, received.length, resends, `, meter readings within ${worst.toFixed(1)} Wh of the meter's register`);
}

/**
 * The kill test of one version, if KILL_TEST_VERSIONS names it: one file per version
 * (kill-v201.test.ts, kill-v16.test.ts), so that a parallel run runs the two at once.
 */
export function describeKillTest(version: OcppVersion): void {
  if (!VERSIONS.includes(version)) return;
  describe(`durability: kill -9 at random moments (OCPP ${version})`, function () {
    this.timeout(600_000);

    const title =
      version === '2.0.1'
        ? `loses no transaction message and counts no energy twice (${CYCLES} cycles, seed ${SEED})`
        : `1.6 3.7, 4.8, errata 3.18: every StartTransaction has one StopTransaction with the CSMS' transactionId, meter readings the meter's, nothing lost or counted twice (${CYCLES} cycles, seed ${SEED})`;
    it(title, async () => {
      const run = await killCycles(version);
      try {
        if (version === '2.0.1') check201(run);
        else check16(run);
      } catch (err) {
        // What the CSMS heard, to see what went wrong (repeat the run with KILL_TEST_SEED).
        const lines = (run.csms.station(ID)?.messages ?? [])
          .filter((m) => TX_ACTIONS[version].includes(m.action ?? '') || m.action === 'BootNotification')
          .map((m) => `${m.at.toISOString().slice(11, 23)} ${m.direction === 'fromStation' ? '<-' : '->'} ${m.kind} ${m.action} ${JSON.stringify(m.payload).slice(0, 300)}`);
        throw new Error(`${(err as Error).message}\nkills: ${run.kills.join('; ')}\n${lines.join('\n')}`, { cause: err });
      }
    });
  });
}
