/**
 * bench/rss-slope: does the agent's memory grow over a long charging session? One station
 * (config/simulator.json, simulated hardware, 1 Hz meter poll, free charging) made with
 * Agent.create on the built code (dist/), against a development CSMS in this process on loopback,
 * charges on a FakeClock: every simulated second is one meter poll, every TxUpdatedInterval
 * (--tx-interval-s) and every aligned interval (60 s) a TransactionEvent journaled and sent for real.
 * First --warmup-h simulated hours fill what is bounded by count, not time (the diagnostics frame
 * ring keeps the last 500 frames each way: at two TransactionEvents a minute it is full after
 * about 4 h; until then the heap grows about 0.4 MiB/h); then --hours are measured. Every
 * simulated 5 minutes, after a full garbage collection (node --expose-gc), the RSS and the JS heap
 * in use are sampled; the samples of the measured hours and their least-squares slopes (MiB per
 * simulated hour) are printed with a verdict against issue 18's "no growth" (the warm-up's slope too).
 * The fast clock compresses time: what grows per event (a poll, a message) shows; what would grow
 * with wall time alone (none expected: nothing runs between the events) does not.
 *
 *   npm run bench:rss-slope [-- --hours 1 --warmup-h 5 --tx-interval-s 60]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { builtModules, repoRoot } from './built-modules.js';


const SAMPLE_EVERY_S = 300;
/** Growth below these is "none": a few pages of allocator noise (RSS) and retained strings (heap) per hour. */
const NO_GROWTH_HEAP_MIB_PER_H = 0.5;
const NO_GROWTH_RSS_MIB_PER_H = 2;

const { values } = parseArgs({
  options: { hours: { type: 'string', default: '1' }, 'warmup-h': { type: 'string', default: '5' }, 'tx-interval-s': { type: 'string', default: '60' } },
});
const hours = Number(values.hours);
const warmupH = Number(values['warmup-h']);
const txIntervalS = Number(values['tx-interval-s']);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const gc = (globalThis as { gc?: () => void }).gc;

interface TransactionEventPayload {
  meterValue?: Array<{ sampledValue: Array<{ value: number; measurand?: string }> }>;
}

interface Sample {
  simMin: number;
  rssMiB: number;
  heapMiB: number;
  externalMiB: number;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

async function run(): Promise<void> {
  const { Agent, loadConfig, silentLogger, FakeClock, SimulatedWorld, DevCsms } = await builtModules();
  // The CSMS keeps only the last messages: its own record must not be what grows.
  const csms = new DevCsms({ port: 0, maxMessagesPerStation: 50 });
  await csms.start();
  const base = loadConfig(path.join(repoRoot, 'config', 'simulator.json')).config;
  const config = {
    ...base,
    station: { ...base.station, identity: 'BENCH-RSS-SLOPE' },
    ocpp: { ...base.ocpp, url: csms.url },
    api: { ...base.api, host: '127.0.0.1', port: 0 },
    evses: base.evses.map((e) => ({ ...e, meter: { ...e.meter, pollIntervalMs: 1000 } })),
    charging: { ...base.charging, authorization: 'free' as const, freeIdToken: { idToken: 'BENCH', type: 'Central' as const } },
    meterValues: { ...base.meterValues, txUpdatedIntervalS: txIntervalS },
  };
  const clock = new FakeClock(Date.now());
  // The station adopts the CSMS's time: the CSMS tells the fake one.
  csms.answer('Heartbeat', () => ({ currentTime: clock.now().toISOString() }));
  const world = new SimulatedWorld({ clock });
  const agent = await Agent.create({ config, log: silentLogger, storage: { scratch: true }, hardware: { kind: 'simulated', world }, clock });
  const samples: Sample[] = [];
  const sample = (simS: number): void => {
    gc!();
    const m = process.memoryUsage();
    samples.push({ simMin: simS / 60, rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20, externalMiB: m.external / 2 ** 20 });
  };
  const queued = (): number => agent.status().storage.queuedTransactionMessages;
  const started = performance.now();
  let transactionEvents = 0;
  let lastEnergyWh: number | undefined;
  // Counted as they pass: the CSMS's record keeps only the last few.
  const counting = csms.messages$.subscribe((m) => {
    if (m.direction !== 'fromStation' || m.kind !== 'call' || m.action !== 'TransactionEvent') return;
    transactionEvents += 1;
    const energy = (m.payload as TransactionEventPayload).meterValue?.flatMap((v) => v.sampledValue).find((v) => (v.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register');
    if (energy) lastEnergyWh = energy.value;
  });
  try {
    await until(() => agent.status().connection.bootState === 'Accepted', 'the boot accepted');
    agent.hardware.simulation.setPlugged(1, 1, true);
    // The start waits for its journal record on disk (real time) and for the station's next steps (fake time).
    for (let s = 0; agent.station.transactions().length === 0; s++) {
      if (s > 300) throw new Error('no transaction 300 simulated seconds after the plug-in');
      await clock.advanceAsync(1000);
      await sleep(20);
    }
    const totalS = Math.round((warmupH + hours) * 3600);
    for (let s = 0; s <= totalS; s++) {
      if (s % SAMPLE_EVERY_S === 0) sample(s);
      if (s === totalS) break;
      await clock.advanceAsync(1000);
      // The CSMS answers on the real loopback: what the station queued goes out before time moves on.
      if (queued() > 0) await until(() => queued() === 0, `the queue drained at ${s} s`);
      else await new Promise((r) => setImmediate(r));
    }
    if (!agent.client.isConnected || agent.station.transactions().length !== 1) throw new Error('the session did not run to the end connected');
  } finally {
    counting.unsubscribe();
    await agent.stop();
    await world.close();
    await csms.stop();
  }
  print(samples, (performance.now() - started) / 1000, `${transactionEvents} TransactionEvents sent and journaled, the last at ${lastEnergyWh ?? '?'} Wh`);
}

function fit(samples: Sample[], of: (s: Sample) => number): number {
  return slope(
    samples.map((s) => s.simMin / 60),
    samples.map(of),
  );
}

const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;

function print(samples: Sample[], realS: number, traffic: string): void {
  console.log(`bench/rss-slope: one station charging ${warmupH} + ${hours} simulated hours on a fake clock (${realS.toFixed(1)} s real), 1 Hz meter poll, TxUpdatedInterval ${txIntervalS} s, built code, in-process dev CSMS; node ${process.version}`);
  console.log(traffic);
  // The first 5 minutes (start-up, the first of everything) belong to neither.
  const warmup = samples.filter((s) => s.simMin > 0 && s.simMin <= warmupH * 60);
  const measured = samples.filter((s) => s.simMin >= warmupH * 60);
  if (warmup.length > 1) console.log(`warm-up, ${warmupH} h: heapUsed ${warmup[0]!.heapMiB.toFixed(2)} -> ${warmup.at(-1)!.heapMiB.toFixed(2)} MiB (${signed(fit(warmup, (s) => s.heapMiB))} MiB/h), RSS ${signed(fit(warmup, (s) => s.rssMiB))} MiB/h`);
  console.log('  sim min   RSS MiB   heapUsed MiB   external MiB   (after a full GC)');
  for (const s of measured) console.log(`  ${s.simMin.toFixed(0).padStart(7)} ${s.rssMiB.toFixed(2).padStart(9)} ${s.heapMiB.toFixed(3).padStart(14)} ${s.externalMiB.toFixed(3).padStart(14)}`);
  const heapSlope = fit(measured, (s) => s.heapMiB);
  const rssSlope = fit(measured, (s) => s.rssMiB);
  const heapOk = heapSlope <= NO_GROWTH_HEAP_MIB_PER_H;
  const rssOk = rssSlope <= NO_GROWTH_RSS_MIB_PER_H;
  console.log(`least-squares slope over the measured ${hours} h (${measured.length} samples):`);
  console.log(`  heapUsed ${signed(heapSlope)} MiB/h (no growth: <= ${NO_GROWTH_HEAP_MIB_PER_H}): ${heapOk ? 'met' : 'NOT met'}`);
  console.log(`  RSS      ${signed(rssSlope)} MiB/h (no growth: <= ${NO_GROWTH_RSS_MIB_PER_H}): ${rssOk ? 'met' : 'NOT met'}`);
  process.exitCode = heapOk && rssOk ? 0 : 1;
}

if (!existsSync(path.join(repoRoot, 'dist', 'src', 'app', 'agent.js'))) {
  process.stderr.write('dist/ is missing: run npm run build first\n');
  process.exit(1);
}
if (!gc) {
  // Again with the collector exposed: samples after a full GC are what the station holds.
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, ...process.argv.slice(2)], { cwd: repoRoot, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
await run();
// A stray handle must not keep the process alive once it printed.
process.exit(process.exitCode ?? 0);
