/**
 * bench/profile-boundary: how late the pilot's offer follows a charging profile's period boundary
 * (issue 13: "the offered current changes within 100 ms of the boundary"), through the whole agent
 * on config/simulator.json with a control pilot on EVSE 1 (simulated GPIO, the charging core, OCPP
 * 2.0.1 to an in-process CSMS on loopback, the smart charging service on the system clock).
 *
 * A session charges at 32 A (free authorization, the simulated vehicle in C). Then bursts: a
 * TxDefaultProfile (Absolute, startSchedule now + 2 s, 24 one-second periods alternating 16 / 10 A,
 * duration 24 s) goes to agent.chargingControl.smartCharging.set(1, ...), the service behind
 * SetChargingProfile (K01; without the CSMS' clock offset, so the boundary is on the agent's clock).
 * 25 boundaries change the offer per burst: 32 -> 16, 23 alternations, 10 -> 32 at its end. The
 * next burst replaces the profile (same id, K01.FR.05).
 *
 * Per boundary, from its instant (startSchedule + startPeriod) to the board's offer written with
 * the new value (SimulatedPilotBoard.changes$), in four parts:
 *   timer  the boundary -> the service's one Clock timer fires (the fire that changed the limit);
 *   core   -> the pilot driver told the new offer (service, ChargingLimits, core);
 *   turn   -> its write reaches the port: at once since the core tells the offer before its events
 *          and RegisterPilot sends a write with none on its way in the same turn (before that,
 *          the journal's fdatasync of the ChargingRateChanged TransactionEvent came first; the
 *          part of such an fdatasync is still printed);
 *   port   -> the board's register written (the simulated port, or the Modbus bus and the pty).
 * With --pilot modbus (or both) the real modbus-rtu driver talks to the EVSE-WB board behind a
 * ModbusSlave on a socat pty pair at 9600 8N1; a pty passes bytes at once (no wire time).
 *
 * What dominates, all far under 100 ms. Simulated pilot: the timer (a Node timer runs when the
 * event loop comes round, under a millisecond late at p50; its tail is the loop's delay, printed:
 * garbage collection, the agent's other work, the machine's load). Modbus: the port. The write
 * queues on the bus behind a pilot poll in flight (every 50 ms) and the bus's interRequestDelayMs
 * (20 ms) after it; on a real 9600 baud line add the poll's wire time (about 22 ms) and the
 * write's own (FC6, 8 + 8 bytes: about 17 ms).
 *
 *   npm run bench:profile-boundary [-- --rounds 60 --pilot simulated|modbus|both]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Agent } from '../src/app/agent.js';
import { loadConfig } from '../src/config/load-config.js';
import { ModbusPilotPort, RegisterPilot } from '../src/hal/drivers/modbus/modbus-pilot.js';
import { ModbusSlave } from '../src/hal/drivers/simulated/modbus-slave.js';
import { SimulatedGpio } from '../src/hal/drivers/simulated/simulated-gpio.js';
import { SimulatedPilotBoard, SimulatedPilotPort } from '../src/hal/drivers/simulated/simulated-pilot.js';
import { loadPilotProfile } from '../src/hal/pilot/profile.js';
import { benchSimulatorDoc } from './bench-config.js';
import { silentLogger } from '../src/process/logger.js';
import { AppendJournal } from '../src/store/append-journal.js';
import type { ChargingProfile } from '../src/services/smart-charging/charging-profile.js';
import { systemClock, type Clock, type TimerHandle } from '../src/station/clock.js';
import { DevCsms } from '../tools/dev-csms/dev-csms.js';
import { openPtyPair, type PtyPair } from '../test/helpers/socat.js';

const TARGET_MS = 100;
/** Within every PeriodsPerSchedule the agent allows (1.6 ChargingScheduleMaxPeriods is 24). */
const PERIODS = 24;
const HIGH_A = 16;
const LOW_A = 10;
/** The EVSE's maxCurrentA and the simulated cable's rating: the offer with no profile limit. */
const UNLIMITED_A = 32;
const PERIOD_S = 1;
const LEAD_MS = 2000;
const PROFILE_ID = 4711;
const BAUD_RATE = 9600;
const BOARD_UNIT = 2;

type PilotKind = 'simulated' | 'modbus';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Epoch milliseconds with sub-millisecond resolution: performance.now() anchored on the instant
 * Date.now() ticks, so that it lines up with the agent's clock (Date) to well under a millisecond.
 * Re-anchored before each burst, so that the two clocks cannot drift apart by much in between.
 */
class EpochTimer {
  private dateAnchor = 0;
  private perfAnchor = 0;

  anchor(): void {
    const start = Date.now();
    let now = start;
    while (now === start) now = Date.now();
    this.dateAnchor = now;
    this.perfAnchor = performance.now();
  }

  nowMs(): number {
    return this.dateAnchor + (performance.now() - this.perfAnchor);
  }
}

/** The system clock, telling which timer callback is running now (so a write can be traced to the fire that caused it). */
class InstrumentedClock implements Clock {
  /** The epoch ms at which the running timer callback fired; undefined outside timer callbacks. */
  firing: number | undefined;

  constructor(private readonly epoch: EpochTimer) {}

  readonly nowMs = (): number => systemClock.nowMs();
  readonly now = (): Date => systemClock.now();
  readonly setTimeout = (fire: () => void, ms: number): TimerHandle => systemClock.setTimeout(() => this.run(fire), ms);
  readonly setInterval = (fire: () => void, ms: number): TimerHandle => systemClock.setInterval(() => this.run(fire), ms);

  private run(fire: () => void): void {
    this.firing = this.epoch.nowMs();
    try {
      fire();
    } finally {
      this.firing = undefined;
    }
  }
}

/** The driver told a new offer: when, in which timer fire, and when its write reached the port. */
type Told = { valueA: number; at: number; firedAt: number | undefined; portAt?: number; journalMs: number };

type Sample = Record<'totalMs' | 'timerMs' | 'coreMs' | 'turnMs' | 'journalMs' | 'portMs', number>;

/** A burst's profile: PERIODS periods alternating HIGH_A / LOW_A, from `start`, lasting PERIODS seconds. */
function burstProfile(start: Date): ChargingProfile {
  const periods = Array.from({ length: PERIODS }, (_, i) => ({ startPeriodS: i * PERIOD_S, limit: i % 2 === 0 ? HIGH_A : LOW_A }));
  return {
    id: PROFILE_ID,
    stackLevel: 0,
    purpose: 'TxDefaultProfile',
    kind: 'Absolute',
    schedules: [{ startSchedule: start, durationS: PERIODS * PERIOD_S, rateUnit: 'A', periods }],
  };
}

/** Each boundary of a burst where the offer changes: its instant (epoch ms) and the offer after it. */
function burstBoundaries(start: Date): Array<{ atMs: number; valueA: number }> {
  const t0 = start.getTime();
  const inner = Array.from({ length: PERIODS }, (_, i) => ({ atMs: t0 + i * PERIOD_S * 1000, valueA: i % 2 === 0 ? HIGH_A : LOW_A }));
  return [...inner, { atMs: t0 + PERIODS * PERIOD_S * 1000, valueA: UNLIMITED_A }];
}

async function waitFor(condition: () => boolean, what: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(5);
  }
}

/** The parts of config/simulator.json this bench changes. */
interface SimulatorDoc {
  [key: string]: unknown;
  ocpp: object;
  charging: object;
  evses: Array<{ pilot?: object; connectors: Array<{ plugDetect?: object; relayFeedback: { debounceMs?: number } }> }>;
}

interface PilotResult {
  samples: Sample[];
  /** The event loop's delay over the bursts (a timer cannot fire earlier than the loop comes round), ms. */
  loopDelay: { p99: number; max: number };
}

/** The whole agent with EVSE 1's pilot on `kind`; `bursts` profiles in turn; the samples of every boundary. */
async function benchPilot(kind: PilotKind, bursts: number): Promise<PilotResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evse-profile-boundary-'));
  const csms = new DevCsms({ port: 0, log: silentLogger });
  await csms.start();
  let pty: PtyPair | undefined;
  let slave: ModbusSlave | undefined;
  let modbusBoard: SimulatedPilotBoard | undefined;

  const doc = benchSimulatorDoc<SimulatorDoc>(csms.url, dir);
  doc['charging'] = { ...doc.charging, authorization: 'free', freeIdToken: { idToken: 'BENCH', type: 'Central' } };
  const evse = doc.evses[0]!;
  if (kind === 'simulated') {
    evse.pilot = { driver: 'simulated', pollIntervalMs: 50 };
  } else {
    pty = await openPtyPair();
    modbusBoard = new SimulatedPilotBoard(loadPilotProfile('evse-wb'), BOARD_UNIT);
    slave = new ModbusSlave([modbusBoard]);
    await slave.openSerial(pty.a, BAUD_RATE);
    evse.pilot = { driver: 'modbus-rtu', profile: 'evse-wb', port: pty.b, baudRate: BAUD_RATE, unitId: BOARD_UNIT, pollIntervalMs: 50 };
  }
  // The pilot says whether a vehicle is in: no plug-detect line.
  for (const c of evse.connectors) {
    delete c.plugDetect;
    c.relayFeedback.debounceMs = 0;
  }
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));

  const epoch = new EpochTimer();
  epoch.anchor();
  const clock = new InstrumentedClock(epoch);
  const agent = await Agent.create({ config: loadConfig(file).config, log: silentLogger, clock, hardware: { kind: 'config', gpio: new SimulatedGpio() } });
  const smartCharging = agent.chargingControl?.smartCharging;
  if (!smartCharging) throw new Error('the agent has no smart charging service');
  const board = modbusBoard ?? agent.hardware.simulation.pilotBoard(1);
  const relay = agent.hardware.evses[0]!.connectors[0]!.relay;
  const until = (condition: () => boolean, what: string, timeoutMs?: number): Promise<void> =>
    waitFor(condition, () => `${what} (${kind}: ${JSON.stringify(agent.station.snapshot())})`, timeoutMs);

  // The instruments: when the driver is told a new offer (and in which timer fire), and when the board has it.
  let told: Told | undefined;
  const setOffered = RegisterPilot.prototype.setOfferedCurrent;
  RegisterPilot.prototype.setOfferedCurrent = function (this: RegisterPilot, amps: number) {
    if (amps !== told?.valueA) told = { valueA: amps, at: epoch.nowMs(), firedAt: clock.firing, journalMs: 0 };
    setOffered.call(this, amps);
  };
  const portClass = kind === 'simulated' ? SimulatedPilotPort : ModbusPilotPort;
  const portWrite = portClass.prototype.writeRegister;
  portClass.prototype.writeRegister = function (this: SimulatedPilotPort & ModbusPilotPort, ...args: Parameters<typeof portWrite>) {
    if (told && told.portAt === undefined) told.portAt = epoch.nowMs();
    return portWrite.apply(this, args);
  };
  // ... and the journal's appends (each one fdatasync'd) between the driver told and its write.
  const append = AppendJournal.prototype.append;
  AppendJournal.prototype.append = function (this: AppendJournal<unknown>, ...records: unknown[]) {
    const began = performance.now();
    try {
      append.apply(this, records);
    } finally {
      if (told && told.portAt === undefined) told.journalMs += performance.now() - began;
    }
  };
  const changes: Array<{ valueA: number; boardAt: number; cause: Told | undefined }> = [];
  let lastOffer = board.offeredCurrentA;
  const sub = board.changes$.subscribe(() => {
    const valueA = board.offeredCurrentA;
    if (valueA === lastOffer) return;
    lastOffer = valueA;
    const cause = told?.valueA === valueA ? told : undefined;
    changes.push({ valueA, boardAt: epoch.nowMs(), cause });
  });

  const samples: Sample[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  try {
    await csms.waitForConnection(agent.config.station.identity, 5000);
    await until(() => agent.adapter.bootState$.value === 'Accepted', 'boot Accepted');
    board.updateVehicle((v) => v.plugIn());
    await until(() => relay.active && agent.station.transactions().length === 1 && board.offeredCurrentA === UNLIMITED_A, 'charging at 32 A');

    loop.enable();
    for (let burst = 0; burst < bursts; burst++) {
      epoch.anchor();
      const start = new Date(Date.now() + LEAD_MS);
      changes.length = 0;
      const result = smartCharging.set(1, burstProfile(start));
      if (result.status !== 'Accepted') throw new Error(`profile rejected: ${result.reason}: ${result.detail}`);
      const boundaries = burstBoundaries(start);
      await until(() => changes.length >= boundaries.length, `burst ${burst}: ${boundaries.length} offer changes`, LEAD_MS + PERIODS * PERIOD_S * 1000 + 5000);
      await sleep(200);
      const seen = changes.map((c) => c.valueA);
      const expected = boundaries.map((b) => b.valueA);
      if (seen.join() !== expected.join()) throw new Error(`burst ${burst}: offers ${seen.join(' ')}, expected ${expected.join(' ')}`);
      boundaries.forEach((b, i) => {
        const c = changes[i]!;
        const { firedAt, at, portAt, journalMs = 0 } = c.cause ?? {};
        if (firedAt === undefined || at === undefined || portAt === undefined) throw new Error(`burst ${burst}, boundary ${i}: the offer was not traced to a timer fire and a port write`);
        samples.push({ totalMs: c.boardAt - b.atMs, timerMs: firedAt - b.atMs, coreMs: at - firedAt, turnMs: portAt - at, journalMs, portMs: c.boardAt - portAt });
      });
    }
  } finally {
    loop.disable();
    RegisterPilot.prototype.setOfferedCurrent = setOffered;
    portClass.prototype.writeRegister = portWrite;
    AppendJournal.prototype.append = append;
    sub.unsubscribe();
    await agent.stop();
    await csms.stop();
    await slave?.close();
    await pty?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { samples, loopDelay: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 } };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (v: number): string => `${v.toFixed(2)} ms`;

function report(name: string, { samples, loopDelay }: PilotResult): void {
  const stats = (pick: (s: Sample) => number): { p50: number; p99: number; max: number } => {
    const s = samples.map(pick).sort((a, b) => a - b);
    return { p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1)! };
  };
  const total = stats((s) => s.totalMs);
  const over = samples.filter((s) => s.totalMs > TARGET_MS).length;
  const verdict = total.p99 <= TARGET_MS ? `p99 within ${TARGET_MS} ms (${over} of ${samples.length} over)` : `p99 OVER ${TARGET_MS} ms (${over} of ${samples.length} over)`;
  console.log(`${name.padEnd(22)} n=${samples.length}  p50 ${ms(total.p50)}  p99 ${ms(total.p99)}  max ${ms(total.max)}  -> ${verdict}`);
  const parts: Array<[string, (s: Sample) => number]> = [
    ['timer (boundary -> fire)', (s) => s.timerMs],
    ['core (fire -> driver told)', (s) => s.coreMs],
    ['turn (told -> port write)', (s) => s.turnMs],
    ['  of which journal fdatasync', (s) => s.journalMs],
    ['port (port write -> board)', (s) => s.portMs],
  ];
  const sum = (pick: (s: Sample) => number): number => samples.reduce((acc, s) => acc + pick(s), 0);
  const whole = sum((s) => s.totalMs);
  for (const [label, pick] of parts) {
    const p = stats(pick);
    const share = (sum(pick) / whole) * 100;
    console.log(`${''.padEnd(22)} ${label.padEnd(31)} p50 ${ms(p.p50)}  p99 ${ms(p.p99)}  max ${ms(p.max)}  (${share.toFixed(0)} % of the total time)`);
  }
  const [dominant] = parts.filter(([label]) => !label.startsWith(' ')).sort(([, a], [, b]) => sum(b) - sum(a));
  const slowest = samples.reduce((a, b) => (b.totalMs > a.totalMs ? b : a));
  const slowestPart = parts.filter(([label]) => !label.startsWith(' ')).sort(([, a], [, b]) => b(slowest) - a(slowest))[0]!;
  console.log(`${''.padEnd(22)} dominates: ${dominant![0].split(' ')[0]} overall; in the slowest boundary (${ms(slowest.totalMs)}) ${slowestPart[0].split(' ')[0]} (${ms(slowestPart[1](slowest))})`);
  console.log(`${''.padEnd(22)} event loop delay over the bursts (1 ms sampling): p99 ${ms(loopDelay.p99)}  max ${ms(loopDelay.max)}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, pilot: { type: 'string' } } });
  const rounds = Number(values.rounds ?? 60);
  const pilot = values.pilot ?? 'both';
  if (!(rounds > 0) || !['simulated', 'modbus', 'both'].includes(pilot)) throw new Error('usage: --rounds N (> 0, boundaries per pilot) --pilot simulated|modbus|both');
  const perBurst = PERIODS + 1;
  const bursts = Math.ceil(rounds / perBurst);
  const kinds: PilotKind[] = pilot === 'both' ? ['simulated', 'modbus'] : [pilot as PilotKind];
  console.log(`bench/profile-boundary: a TxDefaultProfile's period boundary -> the pilot board's offer written, against ${TARGET_MS} ms (issue 13)`);
  console.log(`${bursts} burst(s) of ${perBurst} boundaries per pilot: ${PERIODS} periods of ${PERIOD_S} s alternating ${HIGH_A} / ${LOW_A} A (within PeriodsPerSchedule), ${UNLIMITED_A} A between bursts`);
  console.log(`the whole agent on config/simulator.json (simulated GPIO, free authorization, OCPP 2.0.1 to an in-process CSMS on loopback), a session charging`);
  console.log(`Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})\n`);
  for (const kind of kinds) {
    report(kind === 'simulated' ? 'simulated pilot' : 'modbus-rtu on a pty', await benchPilot(kind, bursts));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
