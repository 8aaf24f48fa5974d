import assert from 'node:assert/strict';
import type {
  MeterValuesRequest,
  StartTransactionRequest,
  StartTransactionResponse,
  StatusNotificationRequest,
  StopTransactionRequest,
} from 'ocpp-messages/v1.6/index.js';
import type { Agent } from '../../../src/app/agent.js';
import type { DevCsms, DevCsmsOptions, MessageRecord } from '../../../tools/dev-csms/dev-csms.js';
import type { SimulatedWorld } from '../../../src/hal/simulated-world.js';
import type { IdToken } from '../../../src/station/types.js';
import {
  callRecords,
  calls,
  configFile,
  ID,
  plugIn,
  startAgent,
  startCsms,
  until,
  type ConfigChanges,
  type Rig,
} from '../harness.js';

/**
 * The OCPP 1.6J integration rig: the shared rig (../harness.ts: the real agent in-process against
 * a DevCsms on 127.0.0.1:0, schema validation both ways, cleanup, captured logs) with the station
 * switched to 1.6, getters for what 1.6 sends, and the checks of a whole 1.6 transaction. Only
 * what is 1.6's lives here.
 */

// The raw-frame helpers are the same for both versions: only the wire codes the tests pass differ.
export {
  afterEachTest,
  apiStatus,
  assertCallError,
  assertNoCallErrors,
  callRecords,
  calls,
  capturingLogger,
  cleanup,
  evseOne,
  evseWhen,
  heartbeatGaps,
  ID,
  inSeconds,
  logLines,
  plugIn,
  rawCall,
  relayClosed,
  restartWithin,
  SERIAL,
  sleep,
  startAgent,
  startCsms,
  stopAgent,
  stopCsms,
  unplug,
  until,
  withSecondEvse,
  type ConfigChanges,
  type Rig,
} from '../harness.js';

/** The tag the tests' drivers present; 1.6 idTags are plain strings (the core sees them as ISO14443). */
export const TAG = 'CARD-0001';
export const tag = (idTag: string): IdToken => ({ idToken: idTag, type: 'ISO14443' });

/**
 * configFile() in OCPP 1.6: the transaction start and stop points are the adapter's (1.6 has no
 * TxStartPoint / TxStopPoint), so the config must not set them. `changes` goes last.
 */
export function configFile16(url: string, changes: ConfigChanges = () => undefined): string {
  return configFile(url, (doc) => {
    doc['ocpp'] = { ...doc['ocpp'], version: '1.6' };
    delete doc['charging'].txStartPoints;
    delete doc['charging'].txStopPoints;
    changes(doc);
  });
}

/** A CSMS and a 1.6 agent connected to it; resolves once the boot is answered (Accepted by default). */
export async function startRig16(
  options: { csms?: Partial<DevCsmsOptions>; config?: ConfigChanges; program?: (csms: DevCsms) => void; waitForAcceptance?: boolean; world?: SimulatedWorld } = {},
): Promise<Rig> {
  const csms = await startCsms(options.csms);
  options.program?.(csms);
  const file = configFile16(csms.url, options.config);
  const { agent, events } = await startAgent(file, { world: options.world });
  if (options.waitForAcceptance ?? true) await waitForAccepted16(csms, agent);
  return { csms, agent, events, file };
}

/** 4.2: Accepted, and a StatusNotification for connector 0 and for every connector sent. */
export async function waitForAccepted16(csms: DevCsms, agent: Agent, timeoutMs = 5000): Promise<void> {
  await csms.waitFor(ID, 'BootNotification', undefined, timeoutMs);
  await until(() => agent.adapter.bootState$.value === 'Accepted', timeoutMs, 'boot Accepted');
  const connectors = agent.config.evses.reduce((n, e) => n + e.connectors.length, 0);
  await until(() => new Set(statuses16(csms).map((s) => s.connectorId)).size >= connectors + 1, timeoutMs, 'a StatusNotification for connector 0 and each connector');
}

// ---- what the CSMS recorded ----

/** StatusNotifications, oldest first; of one connector when given. */
export function statuses16(csms: DevCsms, connectorId?: number): StatusNotificationRequest[] {
  return calls<StatusNotificationRequest>(csms, 'StatusNotification').filter((s) => connectorId === undefined || s.connectorId === connectorId);
}

/** The statuses reported for one connector, in order. */
export function statusSequence(csms: DevCsms, connectorId = 1): string[] {
  return statuses16(csms, connectorId).map((s) => s.status);
}

/** The status last reported for a connector. */
export function lastStatus(csms: DevCsms, connectorId = 1): StatusNotificationRequest | undefined {
  return statuses16(csms, connectorId).at(-1);
}

/** Waits until the status last reported for the connector is `status`. */
export async function waitForStatus(csms: DevCsms, connectorId: number, status: string, timeoutMs = 5000): Promise<StatusNotificationRequest> {
  await until(() => lastStatus(csms, connectorId)?.status === status, timeoutMs, `connector ${connectorId} reported ${status} (so far: ${statusSequence(csms, connectorId).join(', ')})`);
  return lastStatus(csms, connectorId)!;
}

export function startTransactions(csms: DevCsms): StartTransactionRequest[] {
  return calls<StartTransactionRequest>(csms, 'StartTransaction');
}

export function stopTransactions(csms: DevCsms): StopTransactionRequest[] {
  return calls<StopTransactionRequest>(csms, 'StopTransaction');
}

export function meterValues16(csms: DevCsms, transactionId?: number): MeterValuesRequest[] {
  return calls<MeterValuesRequest>(csms, 'MeterValues').filter((m) => transactionId === undefined || m.transactionId === transactionId);
}

/** The CSMS' answer to one of the station's CALLs, once it is recorded. */
export function answerTo<R = Record<string, unknown>>(csms: DevCsms, call: MessageRecord): R | undefined {
  const answer = (csms.station(ID)?.messages ?? []).find((m) => m.direction === 'toStation' && m.kind === 'callResult' && m.messageId === call.messageId);
  return answer?.payload as R | undefined;
}

/** The transactionIds the CSMS gave, in the order of the StartTransactions. */
export function csmsTransactionIds(csms: DevCsms): number[] {
  return callRecords<StartTransactionRequest>(csms, 'StartTransaction').flatMap((m) => {
    const answer = answerTo<StartTransactionResponse>(csms, m);
    return answer ? [answer.transactionId] : [];
  });
}

/** The first StopTransaction that matches, already recorded or still to come. */
export async function waitForStop(csms: DevCsms, timeoutMs = 5000, match: (s: StopTransactionRequest) => boolean = () => true): Promise<StopTransactionRequest> {
  return (await csms.waitFor<StopTransactionRequest>(ID, 'StopTransaction', match, timeoutMs)).payload;
}

/** Values of one measurand (default the energy register, in Wh) with the given context. */
export function sampled(values: MeterValuesRequest['meterValue'] | undefined, context: string, measurand = 'Energy.Active.Import.Register'): number[] {
  return (values ?? [])
    .flatMap((mv) => mv.sampledValue)
    .filter((s) => (s.context ?? 'Sample.Periodic') === context && (s.measurand ?? 'Energy.Active.Import.Register') === measurand)
    .map((s) => Number(s.value) * (s.unit === 'kWh' || s.unit === 'kW' ? 1000 : 1));
}

/** The measurands of a MeterValue list, each once. */
export function measurandsOf(values: MeterValuesRequest['meterValue'] | undefined): string[] {
  return [...new Set((values ?? []).flatMap((mv) => mv.sampledValue.map((s) => s.measurand ?? 'Energy.Active.Import.Register')))].sort();
}

// ---- driving the station ----

/**
 * Plug in, present TAG, wait for StartTransaction and the CSMS' answer to it; returns the
 * transactionId the CSMS gave and the local id.
 */
export async function startCharging16(rig: Rig, idTag = TAG, evseId = 1): Promise<{ transactionId: number; localId: string; start: StartTransactionRequest }> {
  const before = startTransactions(rig.csms).length;
  await plugIn(rig.agent, evseId);
  const result = await rig.agent.station.presentIdToken(evseId, tag(idTag));
  assert.equal(result.outcome, 'authorized', `the tag ${idTag} was authorized: ${JSON.stringify(result)}`);
  await until(() => csmsTransactionIds(rig.csms).length > before, 5000, 'StartTransaction answered');
  const started = rig.events.filter((e) => e.type === 'TransactionStarted' && e.evseId === evseId).at(-1);
  assert.ok(started && started.type === 'TransactionStarted', 'a transaction started');
  const localId = started.transaction.id;
  return { transactionId: csmsTransactionIds(rig.csms).at(-1)!, localId, start: startTransactions(rig.csms).at(-1)! };
}

/** A 1.6 key change from the CSMS, asserted Accepted. */
export async function setKey(csms: DevCsms, key: string, value: string): Promise<void> {
  assert.deepEqual(await csms.changeConfiguration(ID, key, value), { status: 'Accepted' }, `ChangeConfiguration ${key}=${value}`);
}

// ---- a whole transaction, as durability checks it ----

const TX_ACTIONS = new Set(['StartTransaction', 'MeterValues', 'StopTransaction']);

/** The station's transaction-related CALLs, in the order the CSMS received them. */
export function txCalls(csms: DevCsms): Array<MessageRecord<unknown>> {
  return callRecords(csms).filter((m) => TX_ACTIONS.has(m.action!));
}

/** Each StartTransaction the CSMS heard, with the transactionId it answered (undefined: not answered). */
export function startsAnswered(csms: DevCsms): Array<{ request: StartTransactionRequest; transactionId: number | undefined }> {
  const messages = csms.station(ID)?.messages ?? [];
  return callRecords<StartTransactionRequest>(csms, 'StartTransaction').map((call) => {
    const result = messages.find((m) => m.direction === 'toStation' && m.kind === 'callResult' && m.messageId === call.messageId);
    return { request: call.payload, transactionId: (result?.payload as StartTransactionResponse | undefined)?.transactionId };
  });
}

/** The energy register of a 1.6 sampled value list, of one context. */
export function register(values: MeterValuesRequest['meterValue'] | undefined, context: string): number[] {
  return (values ?? [])
    .flatMap((mv) => mv.sampledValue)
    .filter((s) => s.context === context && (s.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register')
    .map((s) => Number(s.value) * (s.unit === 'kWh' ? 1000 : 1));
}

/**
 * One whole transaction as the CSMS received it: one StartTransaction, MeterValues, one
 * StopTransaction, in that order, every MeterValues and the StopTransaction carrying the id the
 * Central System answered (never the placeholder 0), nothing twice, energy never backwards.
 */
export function assertWholeTransaction(csms: DevCsms, options: { meterValues?: boolean } = {}): { transactionId: number; start: StartTransactionRequest; stop: StopTransactionRequest; meterValues: MeterValuesRequest[] } {
  const records = txCalls(csms);
  assert.deepEqual(
    [...new Set(records.map((r) => r.action))].sort(),
    ['StartTransaction', ...(options.meterValues ? ['MeterValues'] : []), 'StopTransaction'].sort(),
    `actions: ${records.map((r) => r.action).join(', ')}`,
  );
  assert.equal(records[0]!.action, 'StartTransaction', 'StartTransaction first');
  assert.equal(records.at(-1)!.action, 'StopTransaction', 'StopTransaction last');
  assert.equal(records.filter((r) => r.action === 'StartTransaction').length, 1, 'one StartTransaction');
  assert.equal(records.filter((r) => r.action === 'StopTransaction').length, 1, 'one StopTransaction');
  const payloads = records.map((r) => JSON.stringify(r.payload));
  assert.equal(new Set(payloads).size, payloads.length, 'nothing sent twice');
  const [answered] = startsAnswered(csms);
  const transactionId = answered!.transactionId!;
  assert.ok(Number.isInteger(transactionId) && transactionId > 0, `the CSMS answered StartTransaction with an id (${transactionId})`);
  const start = records[0]!.payload as StartTransactionRequest;
  const stop = records.at(-1)!.payload as StopTransactionRequest;
  const meterValues = records.filter((r) => r.action === 'MeterValues').map((r) => r.payload as MeterValuesRequest);
  for (const m of [...meterValues, stop]) assert.equal(m.transactionId, transactionId, `the CSMS' transactionId, not a placeholder: ${JSON.stringify(m)}`);
  let last = start.meterStart;
  for (const mv of meterValues) {
    assert.equal(mv.connectorId, start.connectorId);
    for (const v of register(mv.meterValue, 'Sample.Periodic')) {
      assert.ok(v >= last - 1 && v <= stop.meterStop + 1, `periodic ${v} within ${last}..${stop.meterStop}`);
      last = v;
    }
  }
  assert.ok(stop.meterStop >= start.meterStart, `meterStart ${start.meterStart} <= meterStop ${stop.meterStop}`);
  // The timestamps are when things happened, not when they were sent (3.7: historical messages).
  const times = [start.timestamp, ...meterValues.flatMap((m) => m.meterValue.map((v) => v.timestamp)), stop.timestamp].map((t) => Date.parse(t));
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'timestamps in order');
  return { transactionId, start, stop, meterValues };
}
