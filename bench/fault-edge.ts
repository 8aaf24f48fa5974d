/**
 * bench/fault-edge: from the emergency-stop input's edge as the GPIO driver receives it to the relay
 * line written open, through the whole agent while it is busy the way it is when charging: the
 * meter polled by its own timer (--poll-ms), the transaction journal writing (each session journals
 * its TransactionEvents, updates every second), OCPP 2.0.1 to an in-process CSMS on loopback.
 * The edge comes from a timer at a random moment in the session, like an interrupt, so it lands
 * on whatever the event loop is doing (bench/fault-latency starts it right after an await, on an idle
 * loop). The input's debounce (--debounce-ms) is part of the figure and printed separately:
 * what is beyond it is the agent's own delay. The kernel's edge delivery (epoll) is not in it.
 *
 *   npm run bench:fault-edge [-- --rounds 200 --debounce-ms 10 --poll-ms 100 --fsync-ms 100]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Agent } from '../src/app/agent.js';
import { loadConfig } from '../src/config/load-config.js';
import { DevCsms } from '../tools/dev-csms/dev-csms.js';
import { SimulatedGpio } from '../src/hal/drivers/simulated/simulated-gpio.js';
import { inactiveLevel } from '../src/hal/gpio/gpio.js';
import { benchSimulatorDoc } from './bench-config.js';
import { silentLogger } from '../src/process/logger.js';

/** IEC 61851-1: switch off within 100 ms. */
const IEC_61851_SWITCH_OFF_MS = 100;
/** The longest random wait between the relay closing and the edge. */
const MAX_EDGE_DELAY_MS = 1500;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function waitFor(condition: () => boolean, what: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

interface SimulatorDoc {
  [key: string]: unknown;
  ocpp: object;
  meter: object;
  charging: object;
  meterValues: object;
  inputs: { emergencyStop: { debounceMs?: number } };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, 'debounce-ms': { type: 'string' }, 'poll-ms': { type: 'string' }, 'fsync-ms': { type: 'string' } } });
  // A slow card: every fdatasync takes this much longer (src/store/disk-sync.ts).
  if (values['fsync-ms']) process.env['EVSE_EMULATED_FSYNC_MS'] = values['fsync-ms'];
  const rounds = Number(values.rounds ?? 200);
  const debounceMs = Number(values['debounce-ms'] ?? 10);
  const pollMs = Number(values['poll-ms'] ?? 100);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evse-fault-edge-'));
  const csms = new DevCsms({ port: 0, log: silentLogger });
  await csms.start();

  const doc = benchSimulatorDoc<SimulatorDoc>(csms.url, dir);
  doc['meter'] = { ...doc.meter, pollIntervalMs: pollMs };
  doc['meterValues'] = { ...doc.meterValues, txUpdatedIntervalS: 1 };
  doc['charging'] = { ...doc.charging, authorization: 'free', freeIdToken: { idToken: 'BENCH', type: 'Central' } };
  doc.inputs.emergencyStop.debounceMs = debounceMs;
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));

  const gpio = new SimulatedGpio();
  const agent = await Agent.start(loadConfig(file).config, { log: silentLogger, gpio });
  let round = 0;
  const until = (condition: () => boolean, what: string): Promise<void> => waitFor(condition, () => `${what} (round ${round}: ${JSON.stringify(agent.station.snapshot())})`);
  await csms.waitForConnection(agent.config.station.identity, 5000);
  await until(() => agent.adapter.bootState$.value === 'Accepted', 'boot Accepted');
  const sim = agent.hardware.simulation;
  const relay = agent.hardware.evses[0]!.connectors[0]!.relay;
  const relayLine = agent.config.evses[0]!.connectors[0]!.relay;
  const openLevel = inactiveLevel(relayLine);

  let openedAt: bigint | undefined;
  const sub = gpio.writes$.subscribe((w) => {
    if (w.address.line === relayLine.line && w.level === openLevel) openedAt ??= process.hrtime.bigint();
  });
  const journalEvents = (): number =>
    csms.station(agent.config.station.identity)?.messages.filter((m) => m.direction === 'fromStation' && m.kind === 'call' && m.action === 'TransactionEvent').length ?? 0;

  console.log(`bench/fault-edge: ${rounds} rounds, emergency-stop debounce ${debounceMs} ms, meter polled every ${pollMs} ms, TransactionEvent updates every 1 s (journaled)`);
  console.log(`Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})\n`);
  const eventsBefore = journalEvents();
  const started = Date.now();
  const totalMs: number[] = [];
  for (round = 0; round < rounds; round++) {
    sim.setPlugged(1, 1, true);
    await until(() => relay.active, 'relay closed after plug-in');
    openedAt = undefined;
    // The edge as an interrupt would bring it: from a timer, at a random moment of the session.
    const edgeAt = await new Promise<bigint>((resolve) =>
      setTimeout(() => {
        const at = process.hrtime.bigint();
        sim.setInput('emergencyStop', true);
        resolve(at);
      }, Math.random() * MAX_EDGE_DELAY_MS),
    );
    await until(() => openedAt !== undefined, 'relay open after the emergency stop');
    totalMs.push(Number(openedAt! - edgeAt) / 1e6);
    sim.setInput('emergencyStop', false);
    sim.setPlugged(1, 1, false);
    await until(() => agent.station.transactions().length === 0 && !agent.station.snapshot()[0]!.connectors[0]!.plugged, 'session over');
  }
  const seconds = (Date.now() - started) / 1000;
  const sorted = [...totalMs].sort((a, b) => a - b);
  const beyond = sorted.map((ms) => ms - debounceMs);
  const fmt = (ms: number): string => `${ms.toFixed(2)} ms`;
  const p99 = percentile(sorted, 99);
  console.log(`edge -> relay open (debounce included)  p50 ${fmt(percentile(sorted, 50))}  p99 ${fmt(p99)}  max ${fmt(sorted.at(-1)!)}`);
  console.log(`  of which debounce (configured)        ${fmt(debounceMs)}`);
  console.log(`  beyond the debounce                   p50 ${fmt(percentile(beyond, 50))}  p99 ${fmt(percentile(beyond, 99))}  max ${fmt(beyond.at(-1)!)}`);
  console.log(`\n${rounds} rounds in ${seconds.toFixed(1)} s; ${journalEvents() - eventsBefore} TransactionEvents sent and journaled meanwhile; IEC 61851-1: ${IEC_61851_SWITCH_OFF_MS} ms to switch off: ${sorted.at(-1)! <= IEC_61851_SWITCH_OFF_MS ? 'max within' : 'max OVER'}`);

  sub.unsubscribe();
  await agent.stop();
  await csms.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
