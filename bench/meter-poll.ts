/**
 * bench/meter-poll: per shipped meter profile, the Modbus requests a poll takes, the time a poll
 * takes against meter-sim, and the time those requests would take on a real RS485 line at 9600
 * baud, side by side with reading one value per request (what coalescing saves).
 *
 *   npm run bench:meter-poll [-- --polls 200 --link pty|tcp]
 */
import { parseArgs } from 'node:util';
import { ModbusBus, ModbusRegisterReader, type ModbusLink } from '../src/hal/drivers/modbus/modbus-bus.js';
import { MeterPhysics } from '../src/hal/drivers/simulated/meter-physics.js';
import { ModbusSlave } from '../src/hal/drivers/simulated/modbus-slave.js';
import { SimulatedMeterDevice } from '../src/hal/drivers/simulated/simulated-meter-device.js';
import { loadMeterProfile, REGISTER_WORDS, shippedProfileNames, type MeterProfile } from '../src/hal/meter/profile.js';
import { planReads, type ReadRequest } from '../src/hal/meter/read-plan.js';
import { RegisterMeter } from '../src/hal/meter/register-meter.js';
import { openPtyPair, socatAvailable, type PtyPair } from '../test/helpers/socat.js';

const BAUD = 9600;
/** Modbus RTU frames a character as 11 bits: start, 8 data, parity or a second stop bit, stop. */
const BITS_PER_CHAR = 11;
const CHAR_MS = (BITS_PER_CHAR / BAUD) * 1000;
/** The silence that ends a frame: 3.5 character times. */
const SILENCE_CHARS = 3.5;

/** Wire time of one read transaction: request (8 bytes) and answer (5 + 2n), each followed by the silence. */
function wireMs(count: number): number {
  const request = 8;
  const answer = 5 + 2 * count;
  return (request + SILENCE_CHARS + answer + SILENCE_CHARS) * CHAR_MS;
}

function planWireMs(plan: readonly ReadRequest[]): number {
  return plan.reduce((s, r) => s + wireMs(r.count), 0);
}

/** One request per value: what a poll costs without coalescing. */
function naivePlan(profile: MeterProfile): Array<{ count: number }> {
  return Object.values(profile.values).map((v) => ({ count: REGISTER_WORDS[v.type] }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { polls: { type: 'string' }, link: { type: 'string' } } });
  const polls = Number(values.polls ?? 200);
  const linkKind = values.link ?? (socatAvailable() ? 'pty' : 'tcp');
  console.log(`bench/meter-poll: ${polls} polls per profile against meter-sim over ${linkKind === 'pty' ? 'a socat pty pair (RTU)' : 'loopback Modbus TCP'}`);
  console.log(`wire time: ${BAUD} baud, ${BITS_PER_CHAR} bits a character (${CHAR_MS.toFixed(3)} ms), ${SILENCE_CHARS} characters of silence after each frame\n`);
  const header = ['profile', 'values', 'requests/poll', 'registers/poll', 'measured ms/poll p50', 'p95', 'wire ms @9600', 'one-request-per-value: requests', 'wire ms'];
  const rows: string[][] = [];
  for (const name of shippedProfileNames()) {
    const profile = loadMeterProfile(name);
    const physics = new MeterPhysics({ phases: profile.phases, startEnergyWh: 1000 });
    physics.setRelayClosed(true);
    const slave = new ModbusSlave([new SimulatedMeterDevice(profile, physics, 1)]);
    let pty: PtyPair | undefined;
    let link: ModbusLink;
    if (linkKind === 'pty') {
      pty = await openPtyPair();
      await slave.openSerial(pty.a, BAUD);
      link = { kind: 'rtu', path: pty.b, baudRate: BAUD, parity: 'none', stopBits: 1 };
    } else {
      link = { kind: 'tcp', host: '127.0.0.1', port: await slave.listenTcp('127.0.0.1', 0, 'mbap'), framing: 'mbap' };
    }
    const bus = new ModbusBus(link, { timeoutMs: 1000, interRequestDelayMs: 0 });
    const meter = new RegisterMeter({ name, profile, reader: new ModbusRegisterReader(bus, 1), retries: 0, failAfterPolls: 3 });
    await meter.poll(); // connect and warm up
    const times: number[] = [];
    for (let i = 0; i < polls; i++) {
      const t0 = performance.now();
      const r = await meter.poll();
      times.push(performance.now() - t0);
      if (!r) throw new Error(`${name}: poll failed: ${meter.health.lastFault?.message}`);
    }
    times.sort((a, b) => a - b);
    const plan = planReads(profile);
    const naive = naivePlan(profile);
    rows.push([
      name,
      String(Object.keys(profile.values).length),
      String(plan.length),
      String(plan.reduce((s, r) => s + r.count, 0)),
      percentile(times, 50).toFixed(2),
      percentile(times, 95).toFixed(2),
      planWireMs(plan).toFixed(1),
      String(naive.length),
      naive.reduce((s, r) => s + wireMs(r.count), 0).toFixed(1),
    ]);
    await meter.close();
    await bus.close();
    await slave.close();
    await pty?.close();
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  console.log('\nmeasured: software time of a poll against meter-sim (no baud-rate limit on a pty or loopback);');
  console.log('wire: what the same requests occupy a real 9600-baud line, before the meter\'s own response delay.');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
