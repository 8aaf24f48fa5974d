/**
 * bench/pilot-latency: how late the contactor opens after the vehicle leaves state C (IEC 61851-1:
 * within 100 ms of the vehicle leaving C, or of a fault), through the whole agent: config,
 * simulated GPIO, charging core, OCPP 2.0.1 to an in-process CSMS on loopback, and the real
 * modbus-rtu pilot driver (RegisterPilot) reading a simulated EVSE-WB board over a serial line.
 *
 * The line: socat pty pairs at 9600 8N1. A pty passes bytes at once whatever its baud rate, so by
 * default the bench puts a paced RS485 line between the agent's pty and the slave's: half duplex,
 * each byte 10 bit times (1.04 ms at 9600), one frame at a time on the wire (`--wire pty` leaves
 * it out). On the slave's side a ModbusSlave serves the board (unit 2) and a simulated SDM630
 * meter (unit 1) that the agent polls at 1 Hz on the same line, with the installed defaults
 * (timeoutMs 500, interRequestDelayMs 20 after every request).
 *
 * Rounds, per pollIntervalMs: the vehicle plugged in and charging (C, relay closed); after a
 * random wait it stops asking (wantsEnergy false: B at the next read of the state register) or
 * faults (state E); measured from that moment to the relay line written open; then it asks again
 * (or clears the fault) and charging resumes.
 *
 * What dominates is the line. A poll is one block read of the board's registers 1000-1003 (state,
 * offer, cable rating: 8 + 13 bytes, about 22 ms at 9600) plus the 20 ms kept silent after it, and
 * the pilot's requests go before the meter's waiting ones on the line. Two waits add up: (1) until
 * the board's state register is next read: up to the poll interval, longer when one of the meter's
 * two reads (18 and 24 registers, up to about 85 ms with its silence) is in flight then, once a
 * second; (2) from that read to the relay: the answer's bytes (about 14 ms) and well under a
 * millisecond of the charging core and the GPIO write. The bench prints both parts. On a shared
 * 9600 baud line, (1) alone can pass 100 ms when a meter read is in flight: for the IEC 61851-1
 * bound in every case, wire the board's own relay output in series with the contactor coil (the
 * board opens by itself when the vehicle leaves C) or give the board a line of its own (README).
 *
 *   npm run bench:pilot-latency [-- --rounds 15 --intervals 100,50,20 --wire paced|pty]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SerialPort } from 'serialport';
import { Agent } from '../src/app/agent.js';
import { loadConfig } from '../src/config/load-config.js';
import { MeterPhysics } from '../src/hal/drivers/simulated/meter-physics.js';
import { ModbusSlave } from '../src/hal/drivers/simulated/modbus-slave.js';
import { SimulatedGpio } from '../src/hal/drivers/simulated/simulated-gpio.js';
import { SimulatedMeterDevice } from '../src/hal/drivers/simulated/simulated-meter-device.js';
import { SimulatedPilotBoard } from '../src/hal/drivers/simulated/simulated-pilot.js';
import type { SimulatedVehicle } from '../src/hal/drivers/simulated/simulated-vehicle.js';
import { inactiveLevel } from '../src/hal/gpio/gpio.js';
import { loadMeterProfile } from '../src/hal/meter/profile.js';
import { loadPilotProfile } from '../src/hal/pilot/profile.js';
import { packageRoot } from '../src/paths.js';
import { silentLogger } from '../src/process/logger.js';
import { DevCsms } from '../tools/dev-csms/dev-csms.js';
import { openPtyPair, type PtyPair } from '../test/helpers/socat.js';

const IEC_61851_SWITCH_OFF_MS = 100;
const BAUD_RATE = 9600;
/** 8N1: a start bit, 8 data bits, a stop bit. */
const BYTE_MS = 10_000 / BAUD_RATE;
const METER_UNIT = 1;
const BOARD_UNIT = 2;
/** The stop comes this long (at most) after charging began: any phase of the pilot's and the meter's polls. */
const RANDOM_WAIT_MS = 700;

type RoundKind = 'stop' | 'fault';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (v: number): string => `${v.toFixed(1)} ms`;

function summary(name: string, samples: Sample[]): string {
  const s = samples.map((x) => x.totalMs).sort((a, b) => a - b);
  const max = s.at(-1)!;
  const over = s.filter((ms) => ms > IEC_61851_SWITCH_OFF_MS).length;
  const verdict = max <= IEC_61851_SWITCH_OFF_MS ? `max within ${IEC_61851_SWITCH_OFF_MS} ms` : `max OVER ${IEC_61851_SWITCH_OFF_MS} ms (${over} of ${s.length} rounds over)`;
  return `${name.padEnd(30)} n=${s.length}  p50 ${ms(percentile(s, 50))}  p99 ${ms(percentile(s, 99))}  max ${ms(max)}  -> ${verdict}`;
}

/** The two parts of the figure: waiting for the state read, and from that read to the relay. */
function split(samples: Sample[]): string {
  const part = (pick: (x: Sample) => number): string => {
    const s = samples.map(pick).sort((a, b) => a - b);
    return `p50 ${ms(percentile(s, 50))} max ${ms(s.at(-1)!)}`;
  };
  return `${''.padEnd(30)} of which: until the board's state is read ${part((x) => x.toReadMs)}; read -> open ${part((x) => x.readToOpenMs)}`;
}

/** Resolves once `condition` holds (checked every millisecond; the instrument stamps its own time). */
async function waitFor(condition: () => boolean, what: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(1);
  }
}

function openSerial(device: string): Promise<SerialPort> {
  const port = new SerialPort({ path: device, baudRate: BAUD_RATE, autoOpen: false });
  return new Promise((resolve, reject) => port.open((err) => (err ? reject(err) : resolve(port))));
}

/**
 * An RS485 line at BAUD_RATE between two ptys: what one end writes reaches the other after its
 * bytes' time on the wire, and the wire carries one thing at a time (half duplex). Counts the
 * time the wire was busy.
 */
class PacedLine {
  busyMs = 0;
  private freeAt = 0;
  private readonly ports: SerialPort[] = [];

  async open(masterSide: string, slaveSide: string): Promise<void> {
    const master = await openSerial(masterSide);
    const slave = await openSerial(slaveSide);
    this.ports.push(master, slave);
    master.on('data', (chunk: Buffer) => this.carry(chunk, slave));
    slave.on('data', (chunk: Buffer) => this.carry(chunk, master));
  }

  private carry(chunk: Buffer, to: SerialPort): void {
    const start = Math.max(performance.now(), this.freeAt);
    this.freeAt = start + chunk.length * BYTE_MS;
    this.busyMs += chunk.length * BYTE_MS;
    // Delivered once its last byte is in: both Modbus ends take whole frames anyway.
    setTimeout(() => to.write(chunk), this.freeAt - performance.now());
  }

  async close(): Promise<void> {
    await Promise.all(this.ports.map((p) => new Promise<void>((r) => (p.isOpen ? p.close(() => r()) : r()))));
  }
}

/** One round's figures: vehicle change -> board's state read -> relay line written open. */
interface Sample {
  totalMs: number;
  toReadMs: number;
  readToOpenMs: number;
}

interface IntervalResult {
  samples: Record<RoundKind, Sample[]>;
  lineBusyPercent: number | undefined;
  seconds: number;
}

/** One agent at this poll interval, the board and meter at the far end of the line; `rounds` of each kind. */
async function benchInterval(pollIntervalMs: number, rounds: number, paced: boolean): Promise<IntervalResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evse-pilot-latency-'));
  const ptys: PtyPair[] = [await openPtyPair()];
  const board = new SimulatedPilotBoard(loadPilotProfile('evse-wb'), BOARD_UNIT);
  const physics = new MeterPhysics({ phases: 3, evCurrentA: [16, 16, 16] });
  const slave = new ModbusSlave([board, new SimulatedMeterDevice(loadMeterProfile('eastron-sdm630'), physics, METER_UNIT)]);
  await slave.openSerial(ptys[0]!.a, BAUD_RATE);
  let line: PacedLine | undefined;
  let agentPort = ptys[0]!.b;
  if (paced) {
    ptys.push(await openPtyPair());
    line = new PacedLine();
    await line.open(ptys[1]!.a, ptys[0]!.b);
    agentPort = ptys[1]!.b;
  }
  const csms = new DevCsms({ port: 0, log: silentLogger });
  await csms.start();

  const doc = JSON.parse(readFileSync(path.join(packageRoot, 'config', 'simulator-pilot.json'), 'utf8')) as Record<string, unknown> & {
    evses: Array<{ pilot: object; connectors: Array<{ relayFeedback: { debounceMs?: number } }> }>;
    charging: object;
    ocpp: object;
  };
  doc['$schema'] = path.join(packageRoot, 'config', 'config.schema.json');
  doc['ocpp'] = { ...doc.ocpp, url: csms.url };
  doc['api'] = { listen: '127.0.0.1:0' };
  doc['storage'] = { dir: path.join(dir, 'var') };
  doc['log'] = { level: 'error' };
  delete doc['readers'];
  // raspberry-pi-evse-wb.json's line: the meter at 1 Hz and the board on one port, installed timing.
  doc['meter'] = { driver: 'modbus-rtu', profile: 'eastron-sdm630', port: agentPort, baudRate: BAUD_RATE, unitId: METER_UNIT, pollIntervalMs: 1000 };
  doc.evses[0]!.pilot = { driver: 'modbus-rtu', profile: 'evse-wb', port: agentPort, baudRate: BAUD_RATE, unitId: BOARD_UNIT, pollIntervalMs };
  doc.evses[0]!.connectors[0]!.relayFeedback.debounceMs = 0;
  doc['charging'] = { ...doc.charging, authorization: 'free', freeIdToken: { idToken: 'BENCH', type: 'Central' } };
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));

  const gpio = new SimulatedGpio();
  const agent = await Agent.start(loadConfig(file).config, { log: silentLogger, gpio });
  const relay = agent.hardware.evses[0]!.connectors[0]!.relay;
  const relayLine = agent.config.evses[0]!.connectors[0]!.relay;
  const openLevel = inactiveLevel(relayLine);
  let round = 0;
  const until = (condition: () => boolean, what: string): Promise<void> =>
    waitFor(condition, () => `${what} (interval ${pollIntervalMs} ms, round ${round}: ${JSON.stringify(agent.station.snapshot())})`);

  // The instrument: when the relay line is written open. The meter's current follows the coil.
  let openedAt: bigint | undefined;
  const sub = gpio.writes$.subscribe((w) => {
    if (w.address.line !== relayLine.line) return;
    const open = w.level === openLevel;
    physics.setRelayClosed(!open);
    if (open) openedAt ??= process.hrtime.bigint();
  });
  // ... and when the board answers a state read that no longer says C (the slave computes it then).
  let stateReadAt: bigint | undefined;
  const stateRegister = board.profile.registers.vehicleState.register;
  const readBoard = board.readRegisters.bind(board);
  board.readRegisters = (fn, start, count) => {
    const words = readBoard(fn, start, count);
    const coversState = start <= stateRegister && stateRegister < start + count;
    if (coversState && board.vehicleState !== 'C') stateReadAt ??= process.hrtime.bigint();
    return words;
  };
  const vehicle = (change: (v: SimulatedVehicle) => void): void => board.updateVehicle(change);

  await csms.waitForConnection(agent.config.station.identity, 5000);
  await until(() => agent.adapter.bootState$.value === 'Accepted', 'boot Accepted');
  vehicle((v) => v.plugIn());
  await until(() => relay.active, 'relay closed after plug-in');

  const samples: Record<RoundKind, Sample[]> = { stop: [], fault: [] };
  const started = Date.now();
  const busyBefore = line?.busyMs ?? 0;
  for (const kind of ['stop', 'fault'] as const) {
    for (round = 0; round < rounds; round++) {
      await sleep(Math.random() * RANDOM_WAIT_MS);
      openedAt = undefined;
      stateReadAt = undefined;
      const leftAt = process.hrtime.bigint();
      if (kind === 'stop') vehicle((v) => (v.wantsEnergy = false));
      else vehicle((v) => (v.fault = 'state-e'));
      await until(() => openedAt !== undefined, `relay open after the vehicle's ${kind}`);
      const between = (from: bigint, to: bigint): number => Number(to - from) / 1e6;
      samples[kind].push({ totalMs: between(leftAt, openedAt!), toReadMs: between(leftAt, stateReadAt!), readToOpenMs: between(stateReadAt!, openedAt!) });
      if (kind === 'stop') vehicle((v) => (v.wantsEnergy = true));
      else vehicle((v) => (v.fault = 'none'));
      await until(() => relay.active, `charging resumed after the ${kind}`);
    }
  }
  const seconds = (Date.now() - started) / 1000;
  const lineBusyPercent = line ? ((line.busyMs - busyBefore) / (seconds * 1000)) * 100 : undefined;

  sub.unsubscribe();
  await agent.stop();
  await csms.stop();
  await line?.close();
  await slave.close();
  for (const p of ptys) await p.close();
  rmSync(dir, { recursive: true, force: true });
  return { samples, lineBusyPercent, seconds };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, intervals: { type: 'string' }, wire: { type: 'string' } } });
  const rounds = Number(values.rounds ?? 15);
  const intervals = (values.intervals ?? '100,50').split(',').map(Number);
  const wire = values.wire ?? 'paced';
  if (!(rounds > 0) || intervals.some((i) => !(i > 0)) || (wire !== 'paced' && wire !== 'pty')) {
    throw new Error('usage: --rounds N (> 0) --intervals MS[,MS...] --wire paced|pty');
  }
  const paced = wire === 'paced';
  const blockRead = (8 + 13) * BYTE_MS;
  console.log(`bench/pilot-latency: vehicle leaves C (or faults, E) -> relay line written open, ${rounds} rounds of each per poll interval`);
  console.log(`the whole agent (simulated GPIO, OCPP 2.0.1 to an in-process CSMS on loopback), its modbus-rtu pilot (EVSE-WB, unit ${BOARD_UNIT})`);
  console.log(`and SDM630 meter (unit ${METER_UNIT}, polled at 1 Hz) on one ${BAUD_RATE} 8N1 line: ${paced ? `socat ptys with a paced RS485 line between (${BYTE_MS.toFixed(2)} ms a byte, half duplex)` : 'one socat pty pair, unpaced (no wire time)'}`);
  console.log(`Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
  console.log(`What dominates: the line. A pilot poll is one block read of the board's state, offer and cable rating`);
  console.log(`(${paced ? `${blockRead.toFixed(1)} ms on the wire, 8 + 13 bytes` : 'no wire time (unpaced)'}) + 20 ms interRequestDelayMs; the pilot's requests go before the meter's`);
  console.log(`waiting ones, but one of the meter's 2 reads (18 and 24 registers) may be in flight, once a second.`);
  console.log(`The agent's own part (state read -> relay written) is under 1 ms beyond the answer's bytes.\n`);

  for (const pollIntervalMs of intervals) {
    const r = await benchInterval(pollIntervalMs, rounds, paced);
    const busy = r.lineBusyPercent === undefined ? '' : `, line busy ${r.lineBusyPercent.toFixed(0)} % of the time`;
    console.log(`pollIntervalMs ${pollIntervalMs} (${r.seconds.toFixed(1)} s${busy})`);
    console.log(`  ${summary('C -> B (stops asking) -> open', r.samples.stop)}`);
    console.log(`  ${split(r.samples.stop)}`);
    console.log(`  ${summary('C -> E (fault) -> open', r.samples.fault)}`);
    console.log(`  ${split(r.samples.fault)}`);
  }
  console.log(`\n(IEC 61851-1: ${IEC_61851_SWITCH_OFF_MS} ms to open after the vehicle leaves C or faults.)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
