import assert from 'node:assert/strict';
import type { Subscription } from 'rxjs';
import { Agent, type BootReason, type RestartReason } from '../../src/app/agent.js';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { DevCsms, type DevCsmsOptions, type MessageRecord } from '../../tools/dev-csms/dev-csms.js';
import type { EvseStatusView, StationStatusView } from '../../src/app/station-status.js';
import type { SimulatedWorld } from '../../src/hal/simulated-world.js';
import type { Logger } from '../../src/process/logger.js';
import type { StationEvent } from '../../src/station/events.js';
import { SecurityLog } from '../../src/store/security-log.js';
import { JOURNAL_FILE } from '../../src/store/transaction-journal.js';
import { simulatorConfigCopy, type ConfigDoc } from '../helpers/cli.js';
import { unexplainedCallErrors, watchCallErrors } from './call-error-audit.js';

/**
 * The integration rig of both OCPP versions: the real agent (config, simulated meter and GPIO, charging core,
 * adapter, client), in-process, against a DevCsms on 127.0.0.1:0 with schema validation on both
 * ways. Everything started here is stopped by `cleanup()`, agents before CSMSs. Every line the
 * agents and CSMSs log (debug included) is kept; SHOW_LOGS=1 prints them for a failed test.
 */

export const ID = 'EVSE-SIM-001';
export const SERIAL = 'SIM-SERIAL-0001';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A logger that keeps every line, debug included. */
export function capturingLogger(lines: string[], scope = ''): Logger {
  const emit = (level: string) => (m: string) => {
    lines.push(`${new Date().toISOString().slice(11, 23)} ${level.padEnd(7)} ${scope}${m}`);
    if (lines.length > 4000) lines.splice(0, lines.length - 4000);
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    notice: emit('notice'),
    warning: emit('warning'),
    error: emit('error'),
    child: (s) => capturingLogger(lines, `${scope}${s}: `),
  };
}

const started: { agents: Agent[]; csmss: DevCsms[]; subscriptions: Subscription[] } = { agents: [], csmss: [], subscriptions: [] };
/** What the agents and CSMSs of the running test logged. */
export const logLines: string[] = [];

export async function startCsms(options: Partial<DevCsmsOptions> = {}): Promise<DevCsms> {
  const csms = new DevCsms({ port: 0, log: capturingLogger(logLines, 'csms: '), ...options });
  watchCallErrors(csms);
  await csms.start();
  started.csmss.push(csms);
  return csms;
}

/** Stops a CSMS (an outage); cleanup() will not stop it again. */
export async function stopCsms(csms: DevCsms): Promise<void> {
  started.csmss = started.csmss.filter((c) => c !== csms);
  await csms.stop();
}

export type ConfigChanges = (doc: ConfigDoc) => void;

/**
 * config/simulator.json pointed at `url`, with settings that keep tests fast: the meter polled
 * every 100 ms, reconnecting after 1 s, a serial number, no periodic or aligned values unless
 * a test asks for them. `changes` goes last.
 */
export function configFile(url: string, changes: ConfigChanges = () => undefined): string {
  return simulatorConfigCopy((doc) => {
    doc['station'] = { ...doc['station'], serialNumber: SERIAL };
    doc['ocpp'] = { ...doc['ocpp'], url, reconnect: { waitMinimumS: 1, randomRangeS: 0, repeatTimes: 0 }, messageTimeoutS: 5 };
    doc['meter'] = { ...doc['meter'], pollIntervalMs: 100 };
    doc['charging'] = { ...doc['charging'], evIdleAfterS: 1 };
    doc['meterValues'] = { ...doc['meterValues'], txUpdatedIntervalS: 0, alignedIntervalS: 0 };
    changes(doc);
  });
}

/** A second EVSE (one connector, its own simulated meter) on free GPIO lines. */
export const withSecondEvse: ConfigChanges = (doc) => {
  doc['evses'].push({
    id: 2,
    maxCurrentA: 16,
    phases: 3,
    meter: { unitId: 2 },
    connectors: [{ id: 1, type: 'sType2', relay: { line: 18 }, plugDetect: { line: 20, activeLow: true, debounceMs: 50 } }],
  });
};

export interface Rig {
  csms: DevCsms;
  agent: Agent;
  /** Every event of the charging core, in order. */
  events: StationEvent[];
  file: string;
}

/** Starts the agent of `file` (it connects to whatever CSMS its URL names). */
export async function startAgent(
  file: string,
  options: { bootReason?: BootReason; kernelBootId?: () => string | undefined; world?: SimulatedWorld } = {},
): Promise<{ agent: Agent; events: StationEvent[] }> {
  const { config } = loadConfig(file);
  const events: StationEvent[] = [];
  const agent = await Agent.start(config, {
    log: capturingLogger(logLines, 'agent: '),
    bootReason: options.bootReason,
    kernelBootId: options.kernelBootId,
    world: options.world,
  });
  started.agents.push(agent);
  started.subscriptions.push(agent.station.events$.subscribe((e) => events.push(e)));
  return { agent, events };
}

/**
 * Stops an agent as a power cut or a crash would: relays open, running transactions left for the
 * next start (PowerLoss, or resumed); cleanup() will not stop it again. `clean`: as SIGTERM does
 * (transactions ended with Reboot, their messages delivered first).
 */
export async function stopAgent(agent: Agent, how: 'power-cut' | 'clean' = 'power-cut'): Promise<void> {
  started.agents = started.agents.filter((a) => a !== agent);
  await agent.stop({ endTransactions: how === 'clean' });
}

/** A CSMS, and the agent connected to it; resolves once the boot is answered (Accepted by default). */
export async function startRig(
  options: { csms?: Partial<DevCsmsOptions>; config?: ConfigChanges; program?: (csms: DevCsms) => void; waitForAcceptance?: boolean; world?: SimulatedWorld } = {},
): Promise<Rig> {
  const csms = await startCsms(options.csms);
  options.program?.(csms);
  const file = configFile(csms.url, options.config);
  const { agent, events } = await startAgent(file, { world: options.world });
  if (options.waitForAcceptance ?? true) await waitForAccepted(csms, agent);
  return { csms, agent, events, file };
}

/** Waits until the agent is Accepted and has reported its connectors' statuses (B01.FR.05). */
export async function waitForAccepted(csms: DevCsms, agent: Agent, timeoutMs = 5000): Promise<void> {
  await csms.waitFor(ID, 'BootNotification', undefined, timeoutMs);
  await until(() => agent.adapter.bootState$.value === 'Accepted', timeoutMs, 'boot Accepted');
  const connectors = agent.config.evses.reduce((n, e) => n + e.connectors.length, 0);
  await until(() => calls(csms, 'StatusNotification').length >= connectors, timeoutMs, 'a StatusNotification per connector');
}

/** The storage folder of an agent's config file. */
export const storageOf = (file: string): string => loadConfig(file).config.storage.dir;

/**
 * Damages the stopped agent's transaction journal (garbage from a bad sector, then a torn last
 * record), brings the CSMS back on `port` and the agent up again, and checks that the damage is
 * reported (GET /api/status, an error in the log). Returns them for what the test checks next:
 * that what was intact is delivered.
 */
export async function restartOnDamagedJournal(rig: Rig, port: number): Promise<{ csms: DevCsms; agent: Agent }> {
  appendFileSync(path.join(storageOf(rig.file), JOURNAL_FILE), '\u0000\u0000\u0000garbage from a bad sector\n0000beef {"t":"m","m":{"id":"x"');
  const csms = await startCsms({ port });
  const { agent } = await startAgent(rig.file);
  await waitForAccepted(csms, agent);
  assert.deepEqual(
    agent.status().storage.journalDamage.map((d) => d.reason),
    ['not a journal record', 'torn record (31 bytes without an end)'],
  );
  assert.ok(logLines.some((l) => /error +agent: transaction journal damaged: 2 record\(s\) skipped/.test(l)));
  return { csms, agent };
}

export async function cleanup(): Promise<void> {
  for (const s of started.subscriptions.splice(0)) s.unsubscribe();
  for (const a of started.agents.splice(0)) await a.stop({ endTransactions: false }).catch(() => undefined);
  for (const c of started.csmss.splice(0)) await c.stop().catch(() => undefined);
}

/**
 * For afterEach: cleans up; with SHOW_LOGS=1 prints the logs of a failed test. A test that passed
 * fails here if a CALLERROR went either way that the test did not provoke (call-error-audit.ts).
 */
export async function afterEachTest(this: Mocha.Context): Promise<void> {
  await cleanup();
  const unexplained = unexplainedCallErrors();
  if (this.currentTest?.state === 'failed' && process.env['SHOW_LOGS']) {
    process.stderr.write(`---- logs of "${this.currentTest.title}" ----\n${logLines.join('\n')}\n----\n`);
  }
  logLines.length = 0;
  if (this.currentTest?.state === 'passed' && unexplained.length > 0) {
    throw new Error(`"${this.currentTest.title}": CALLERROR on a path that should have none:\n  ${unexplained.join('\n  ')}`);
  }
}

/** Polls `condition` every 20 ms; rejects after timeoutMs. */
export async function until(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

// ---- what the CSMS recorded ----

/** The station's CALLs of one action, as records, oldest first. */
export function callRecords<P = Record<string, unknown>>(csms: DevCsms, action?: string, id = ID): Array<MessageRecord<P>> {
  return (csms.station(id)?.messages ?? []).filter(
    (m): m is MessageRecord<P> => m.direction === 'fromStation' && m.kind === 'call' && (action === undefined || m.action === action),
  );
}

/**
 * Answer first, then act: where the station's CALLRESULT to the CSMS' latest `command` and the
 * first CALL of `caused` it sent after that command are in the order the CSMS saw frames.
 */
export function answerAndEffect(csms: DevCsms, command: string, caused: string, id = ID): { answer: number; effect: number } {
  const frames = csms.station(id)!.messages;
  const commandAt = frames.findLastIndex((m) => m.direction === 'toStation' && m.kind === 'call' && m.action === command);
  assert.ok(commandAt >= 0, `the CSMS sent ${command}`);
  const after = frames.slice(commandAt);
  const answer = after.find((m) => m.direction === 'fromStation' && m.kind === 'callResult' && m.action === command);
  const effect = after.find((m) => m.direction === 'fromStation' && m.kind === 'call' && m.action === caused);
  assert.ok(answer, `the station answered ${command}`);
  assert.ok(effect, `the station sent ${caused} after ${command}`);
  return { answer: answer.seq, effect: effect.seq };
}

/** The payloads of the station's CALLs of one action, oldest first. */
export function calls<P = Record<string, unknown>>(csms: DevCsms, action: string, id = ID): P[] {
  return callRecords<P>(csms, action, id).map((m) => m.payload);
}

/** Milliseconds between consecutive Heartbeats. */
export function heartbeatGaps(csms: DevCsms, id = ID): number[] {
  const at = callRecords(csms, 'Heartbeat', id).map((m) => m.at.getTime());
  return at.slice(1).map((t, i) => t - at[i]!);
}

/** Asserts the CSMS never answered the station with a CALLERROR, nor the station the CSMS. */
export function assertNoCallErrors(csms: DevCsms, id = ID): void {
  const errors = csms.station(id)?.callErrors ?? [];
  assert.deepEqual(
    errors.map((e) => `${e.direction} ${e.action ?? '?'}: ${e.error?.code} ${e.error?.description}`),
    [],
    'no CALLERROR either way',
  );
}

/** Sends a raw frame, past the DevCsms' own checks, and resolves with the station's answer to it (matched by message id). */
export async function rawCall(csms: DevCsms, text: string, messageId: string, timeoutMs = 2000, id = ID): Promise<MessageRecord> {
  const from = csms.station(id)!.messages.length;
  await csms.sendRaw(id, text);
  let answer: MessageRecord | undefined;
  await until(
    () => (answer = csms.station(id)!.messages.slice(from).find((m) => m.direction === 'fromStation' && m.kind !== 'call' && m.messageId === messageId)) !== undefined,
    timeoutMs,
    `the answer to ${messageId}`,
  );
  return answer!;
}

/** Asserts a CALLERROR with this (wire) code, a description and the empty details object. */
export function assertCallError(answer: MessageRecord, code: string): void {
  assert.equal(answer.kind, 'callError', `expected CALLERROR ${code}, got ${JSON.stringify(answer.payload)}`);
  assert.equal(answer.error?.code, code, answer.error?.description);
  assert.equal(typeof answer.error?.description, 'string');
  assert.deepEqual(answer.error?.details, {});
}

export const CARD = { idToken: 'CARD-0001', type: 'ISO14443' as const };

/** The relay of EVSE 1's connector 1. */
export function relayClosed(agent: Agent, evseId = 1): boolean {
  return agent.hardware.evses.find((e) => e.evseId === evseId)!.connectors[0]!.relay.active;
}

/** Plugs a vehicle into EVSE n and waits for the core to see it (plug-detect debounce). */
export async function plugIn(agent: Agent, evseId = 1): Promise<void> {
  agent.hardware.simulation.setPlugged(evseId, 1, true);
  await until(() => agent.station.snapshot().find((e) => e.evseId === evseId)!.connectors[0]!.plugged, 2000, `EVSE ${evseId} plugged`);
}

export async function unplug(agent: Agent, evseId = 1): Promise<void> {
  agent.hardware.simulation.setPlugged(evseId, 1, false);
  await until(() => !agent.station.snapshot().find((e) => e.evseId === evseId)!.connectors[0]!.plugged, 2000, `EVSE ${evseId} unplugged`);
}

/** GET /api/status of the rig's agent, read over HTTP as a user would; asserts a 200. */
export async function apiStatus(rig: Rig): Promise<StationStatusView> {
  const res = await fetch(`http://127.0.0.1:${rig.agent.apiPort}/api/status`);
  assert.equal(res.status, 200);
  return (await res.json()) as StationStatusView;
}

/** EVSE 1 in GET /api/status. */
export async function evseOne(rig: Rig): Promise<EvseStatusView> {
  return (await apiStatus(rig)).evses[0]!;
}

/** Polls GET /api/status until EVSE 1 satisfies `ok`; resolves with that view. */
export async function evseWhen(rig: Rig, ok: (e: EvseStatusView) => boolean, what: string, timeoutMs = 5000): Promise<EvseStatusView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = await evseOne(rig);
    if (ok(e)) return e;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last EVSE 1 status: ${JSON.stringify(e)}`);
    await sleep(50);
  }
}

/** Whether the agent asked for a restart within ms, and for which reason. */
export async function restartWithin(agent: Agent, ms: number): Promise<RestartReason | undefined> {
  return Promise.race([agent.restartRequested, sleep(ms).then(() => undefined)]);
}

/** The security log (A04) on the agent's storage, as it is on disk now. */
export const securityLogOf = (agent: Agent) => new SecurityLog(agent.config.storage.dir).entries();

/** An ISO time s seconds from now (a reservation's expiry). */
export const inSeconds = (s: number): string => new Date(Date.now() + s * 1000).toISOString();
