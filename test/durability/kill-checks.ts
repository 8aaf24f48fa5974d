import assert from 'node:assert/strict';
import type { MeterValuesRequest, StartTransactionRequest, StartTransactionResponse, StopTransactionRequest } from 'ocpp-messages/v1.6/index.js';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import type { OcppVersion } from '../../src/config/station-config.js';
import type { DevCsms, MessageRecord } from '../../tools/dev-csms/dev-csms.js';

/**
 * What the kill test (kill-test.ts) checks once its cycles are done, from what the CSMS recorded
 * and the meter's own register: every transaction complete, nothing lost, nothing counted twice.
 */

/** The station's identity in config/simulator.json. */
export const ID = 'EVSE-SIM-001';

/** The transaction-related actions of each version. */
export const TX_ACTIONS: Record<OcppVersion, string[]> = { '2.0.1': ['TransactionEvent'], '1.6': ['StartTransaction', 'MeterValues', 'StopTransaction'] };

/** The meter's energy register over time, from meter-sim's own `status` (it never stops counting: relay closed, constant load). */
export interface MeterLine {
  t0: number;
  e0: number;
  /** Wh per ms. */
  rate: number;
}

/** What a run of cycles leaves to check: what the CSMS recorded, the kills, the meter's register. */
export interface Run {
  csms: DevCsms;
  kills: string[];
  meter: MeterLine;
  cycles: number;
  seed: number;
}

function summary(version: OcppVersion, run: Run, transactions: number, received: number, resends: number, extra = ''): void {
  process.stdout.write(
    `      kill test ${version}: ${run.cycles} cycles (seed ${run.seed}), ${run.kills.length} kills (${run.kills.join('; ')}), ${transactions} transactions, ` +
      `${received} transaction messages received, ${resends} identical resends after a kill${extra}\n`,
  );
}

// ---- 2.0.1 ----

/** OCPP 2.0.1: every seqNo from Started to Ended, in order, each resend identical, energy the meter's own. */
export function check201(run: Run): void {
  const { csms, kills } = run;
  const records = (csms.station(ID)?.messages ?? []).filter((m) => m.direction === 'fromStation' && m.kind === 'call' && m.action === 'TransactionEvent');
  const byTx = new Map<string, Array<TransactionEventRequest>>();
  for (const r of records) {
    const e = r.payload as TransactionEventRequest;
    const list = byTx.get(e.transactionInfo.transactionId) ?? [];
    list.push(e);
    byTx.set(e.transactionInfo.transactionId, list);
  }
  assert.ok(byTx.size >= Math.floor(run.cycles / 2), `transactions: ${byTx.size} for ${run.cycles} cycles (${kills.join(', ')})`);
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

/** OCPP 1.6: one StopTransaction per StartTransaction with the CSMS' id, meter readings the register's, no overlap. */
export function check16(run: Run): void {
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
  assert.ok(transactions.length >= Math.floor(run.cycles / 2), `transactions: ${transactions.length} for ${run.cycles} cycles (${kills.join(', ')})`);

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
