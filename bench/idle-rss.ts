/**
 * bench/idle-rss: the resident memory of idle stations. One process per measurement, each with one
 * in-process development CSMS on loopback and N stations made with Agent.create (config/simulator.json,
 * simulated hardware, a 1 Hz meter poll, scratch storage each), all connected and booted,
 * then left idle to settle; the RSS is the median of several samples after that, each taken right
 * after a full garbage collection (node --expose-gc). Measured for no
 * station (the process with the CSMS: what the figures below stand on), 1 station and N stations.
 * The stations run the built code (dist/, `npm run build`), as installed; tsx only loads this file.
 * Target: N=10 stations well under 10x one station.
 *
 *   npm run bench:idle-rss [-- --stations 10 --settle-s 30 --samples 7]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { builtModules, repoRoot } from './built-modules.js';



const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '10' },
    'settle-s': { type: 'string', default: '30' },
    samples: { type: 'string', default: '7' },
    // Internal: the child process that runs `count` stations and prints its samples.
    child: { type: 'string' },
  },
});
const settleMs = Number(values['settle-s']) * 1000;
const samples = Number(values.samples);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The child: one CSMS, `count` stations, settle, then print the RSS samples (bytes) as one JSON line. */
async function runChild(count: number): Promise<void> {
  const { Agent, loadConfig, silentLogger, DevCsms } = await builtModules();
  const csms = new DevCsms({ port: 0 });
  await csms.start();
  const base = loadConfig(path.join(repoRoot, 'config', 'simulator.json')).config;
  const agents = [];
  try {
    for (let i = 1; i <= count; i++) {
      const config = {
        ...base,
        station: { ...base.station, identity: `BENCH-${String(i).padStart(3, '0')}` },
        ocpp: { ...base.ocpp, url: csms.url },
        api: { ...base.api, host: '127.0.0.1', port: 0 },
        evses: base.evses.map((e) => ({ ...e, meter: { ...e.meter, pollIntervalMs: 1000 } })),
      };
      // Simulated hardware on a world of the station's own: nothing shared between the stations.
      agents.push(await Agent.create({ config, log: silentLogger, storage: { scratch: true }, hardware: { kind: 'simulated' } }));
    }
    // Connected and booted, every one, before the idle time counts.
    const deadline = Date.now() + 30_000;
    while (agents.some((agent) => agent.status().connection.bootState !== 'Accepted')) {
      if (Date.now() > deadline) throw new Error('not every station booted within 30 s');
      await sleep(100);
    }
    await sleep(settleMs);
    const rss: number[] = [];
    const heap: number[] = [];
    const cpuFrom = process.cpuUsage();
    const wallFrom = performance.now();
    for (let i = 0; i < samples; i++) {
      // A full collection first: what stays is what the stations hold, not garbage not yet collected.
      (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      rss.push(m.rss);
      heap.push(m.heapUsed);
      await sleep(1000);
    }
    const cpu = process.cpuUsage(cpuFrom);
    // Idle CPU over the sampling time (the forced collections included): what the 1 Hz polls, pings and timers cost.
    const cpuPercent = ((cpu.user + cpu.system) / 1000 / (performance.now() - wallFrom)) * 100;
    const connected = agents.filter((agent) => agent.client.isConnected).length;
    process.stdout.write(`${JSON.stringify({ count, connected, rss, heap, cpuPercent })}\n`);
  } finally {
    for (const agent of agents) await agent.stop();
    await csms.stop();
  }
}

/** Runs a child for `count` stations; resolves with its median RSS in MiB. */
function measure(count: number): Promise<{ medianMiB: number; samples: number[]; heapMiB: number; cpuPercent: number }> {
  return new Promise((resolve, reject) => {
    const self = fileURLToPath(import.meta.url);
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child', String(count), '--settle-s', String(settleMs / 1000), '--samples', String(samples)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) return reject(new Error(`the child for ${count} station(s) exited ${code}:\n${out}`));
      const r = JSON.parse(line) as { count: number; connected: number; rss: number[]; heap: number[]; cpuPercent: number };
      if (r.connected !== count) return reject(new Error(`${r.connected} of ${count} station(s) connected at the end`));
      const mib = r.rss.map((b) => b / 2 ** 20);
      resolve({ medianMiB: median(mib), samples: mib, heapMiB: median(r.heap) / 2 ** 20, cpuPercent: r.cpuPercent });
    });
  });
}

if (values.child !== undefined) {
  await runChild(Number(values.child));
  // A stray handle must not keep the child alive once it printed.
  process.exit(0);
} else {
  if (!existsSync(path.join(repoRoot, 'dist', 'src', 'app', 'agent.js'))) {
    process.stderr.write('dist/ is missing: run npm run build first\n');
    process.exit(1);
  }
  const n = Number(values.stations);
  process.stdout.write(`idle RSS, median of ${samples} samples 1 s apart after ${settleMs / 1000} s idle; one process each, with an in-process dev CSMS\n`);
  const rows: Array<[string, number]> = [];
  for (const count of [0, 1, n]) {
    const { medianMiB, samples: s, heapMiB, cpuPercent } = await measure(count);
    rows.push([count === 0 ? 'CSMS only' : `${count} station${count === 1 ? '' : 's'}`, medianMiB]);
    process.stdout.write(`  ${rows.at(-1)![0].padEnd(12)} ${medianMiB.toFixed(1).padStart(7)} MiB   (samples ${s.map((x) => x.toFixed(1)).join(', ')}; JS heap in use ${heapMiB.toFixed(1)} MiB; CPU ${cpuPercent.toFixed(1)} % of a core)\n`);
  }
  const [none, one, many] = rows.map((r) => r[1]) as [number, number, number];
  const ratio = many / one;
  process.stdout.write(`${n} stations / 1 station = ${ratio.toFixed(2)}x (target well under ${n}x)\n`);
  process.stdout.write(`per station beyond the first: ${((many - one) / (n - 1)).toFixed(1)} MiB; the first station over the CSMS-only process: ${(one - none).toFixed(1)} MiB\n`);
  // "Well under N times": at most half of it.
  process.exitCode = ratio < n / 2 ? 0 : 1;
}
