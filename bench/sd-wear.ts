/**
 * bench/sd-wear: what the agent writes to its storage (an SD card on a small board) while idle and
 * while charging. The built CLI (`node dist/src/cli/main.js run`) runs on simulated hardware
 * (config/simulator.json, 1 Hz meter poll, free charging) against a development CSMS in this
 * process that answers BootNotification with a short heartbeat interval; storage.dir is a fresh
 * folder on a real disk (not tmpfs). Three windows are measured, each from a steady state:
 *   1. idle: connected, booted, heartbeats going (issue 18: nothing written but what the spec requires);
 *   2. charging, realistic: TxUpdatedInterval / MeterValueSampleInterval 60 s;
 *   3. charging, worst case: the same at 1 s.
 * Each window's figures are extrapolated to an hour (said so in the output). The figures:
 *   - write_bytes - cancelled_write_bytes (/proc/PID/io): bytes the process caused to be sent to
 *     the block layer, i.e. the page-cache pages it dirtied (4 KiB each, however few bytes changed,
 *     again after each sync), less those dropped before writeback — what reaches the card from this
 *     process, before the file system's own journal (ext4 jbd2 writes are not counted). The
 *     simulated meter saves its register to storage.dir every 5 s while charging; that share is
 *     measured in this process (the same save on the same disk) and printed apart;
 *   - wchar, syscw (/proc/PID/io): bytes passed to write-like calls and their number, sockets included;
 *   - files under storage.dir changed in the window (size or mtime), and fs.watch events per file;
 *   - sectors written on the device holding storage.dir (/sys/block/DEV/stat): the data and the file
 *     system's journal, of every process writing there: attributable only to a file system of the
 *     bench's own (--dir on one, e.g. a loop device: truncate -s 256M sd.img; mkfs.ext4 sd.img;
 *     mount -o loop sd.img /mnt/sd) or an otherwise quiet machine.
 *
 *   npm run bench:sd-wear [-- --idle-s 120 --charge-s 300 --worst-s 60 --heartbeat-s 10 --ocpp 2.0.1|1.6 --dir /mnt/sd]
 */
import { statfsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync, watch, type FSWatcher } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DevCsms } from '../tools/dev-csms/dev-csms.js';
import { silentLogger } from '../src/process/logger.js';
import { benchSimulatorDoc } from './bench-config.js';
import { requireBuild, repoRoot, sleep, spawnAgent, stopChild } from './spawned-agent.js';
import { blockDeviceOf, filesUnder, ioOf, registerSaveCost, sectorsWritten, type FileState, type ProcessIo, type SaveCost } from './sd-wear-probes.js';

const IDENTITY = 'BENCH-SD-WEAR';
/** hal/simulated-world.ts: how often a simulated meter's register is saved while it moves. */
const REGISTER_SAVE_EVERY_S = 5;
const CALIBRATION_SAVES = 6;
/** statfs(2) f_type of tmpfs (linux/magic.h): writes there never reach a disk. */
const TMPFS_MAGIC = 0x01021994;

interface WindowFigures {
  name: string;
  seconds: number;
  io: ProcessIo;
  sectors: number | undefined;
  changed: string[];
  watchEvents: Map<string, number>;
  transactionMessages: number;
  heartbeats: number;
  /** Saves of the simulated meter's register file in the window (simulated hardware only). */
  registerSaves: number;
}

/** A folder on a real disk: under `parent` if given, else the system's temporary folder unless it is tmpfs, then one under the repository. */
function benchFolder(parent: string | undefined): string {
  const tmp = parent ?? os.tmpdir();
  if (parent && statfsSync(parent).type === TMPFS_MAGIC) throw new Error(`${parent} is tmpfs: nothing written there reaches a disk`);
  const base = statfsSync(tmp).type === TMPFS_MAGIC ? path.join(repoRoot, '.bench-tmp') : tmp;
  mkdirSync(base, { recursive: true });
  return mkdtempSync(path.join(base, 'evse-bench-sd-wear-'));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'idle-s': { type: 'string', default: '120' },
      'charge-s': { type: 'string', default: '300' },
      'worst-s': { type: 'string', default: '60' },
      'heartbeat-s': { type: 'string', default: '10' },
      ocpp: { type: 'string', default: '2.0.1' },
      dir: { type: 'string' },
    },
  });
  const version = values.ocpp === '1.6' ? '1.6' : '2.0.1';
  requireBuild();
  const dir = benchFolder(values.dir);
  const csms = new DevCsms({ port: 0, log: silentLogger, heartbeatIntervalS: Number(values['heartbeat-s']) });
  await csms.start();
  const apiPort = await freePort();
  const doc = benchSimulatorDoc<{ ocpp: object; station: object; meter: object; charging: object; meterValues: object }>(csms.url, dir);
  doc['station'] = { ...doc.station, identity: IDENTITY };
  doc['ocpp'] = { ...doc.ocpp, version };
  doc['meter'] = { ...doc.meter, pollIntervalMs: 1000 };
  doc['charging'] = { ...doc.charging, authorization: 'free', freeIdToken: { idToken: 'BENCH', type: 'Central' } };
  doc['meterValues'] = { ...doc.meterValues, txUpdatedIntervalS: 60 };
  doc['api'] = { listen: `127.0.0.1:${apiPort}` };
  const configFile = path.join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(doc, null, 2));
  const storageDir = path.join(dir, 'var');
  const device = blockDeviceOf(dir);

  const agent = spawnAgent(configFile);
  const pid = agent.pid!;
  const calls = (action: string, which: (payload: { transactionId?: unknown }) => boolean = () => true): number =>
    csms.station(IDENTITY)?.messages.filter((m) => m.direction === 'fromStation' && m.kind === 'call' && m.action === action && which(m.payload as { transactionId?: unknown })).length ?? 0;
  // 1.6: the transaction's MeterValues are queued durably; clock-aligned ones outside it are not.
  const transactionMessages = (): number =>
    version === '1.6' ? calls('StartTransaction') + calls('StopTransaction') + calls('MeterValues', (p) => p.transactionId !== undefined) : calls('TransactionEvent');
  const sim = async (what: string): Promise<void> => {
    const res = await fetch(`http://127.0.0.1:${apiPort}/api/sim/evses/1/connectors/1/${what}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    if (!res.ok) throw new Error(`POST ${what}: ${res.status} ${await res.text()}`);
  };

  /** Measures `seconds` of whatever the agent does now. */
  async function measure(name: string, seconds: number, registerSaves = 0): Promise<WindowFigures> {
    const watchEvents = new Map<string, number>();
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(storageDir, { recursive: true }, (_event, file) => watchEvents.set(String(file), (watchEvents.get(String(file)) ?? 0) + 1));
    } catch {
      // fs.watch is only a second opinion beside the files' sizes and times.
    }
    // What earlier phases left dirty (writeback, the fs journal's commit) goes to the disk before the window opens.
    spawnSync('sync', ['-f', storageDir]);
    const files0 = filesUnder(storageDir);
    const io0 = ioOf(pid);
    const sectors0 = device ? sectorsWritten(device) : undefined;
    const tx0 = transactionMessages();
    const hb0 = calls('Heartbeat');
    await sleep(seconds * 1000);
    const io1 = ioOf(pid);
    const sectors1 = device ? sectorsWritten(device) : undefined;
    watcher?.close();
    const files1 = filesUnder(storageDir);
    const changed = [...new Set([...files0.keys(), ...files1.keys()])].filter((f) => !sameFile(files0.get(f), files1.get(f))).sort();
    return {
      name,
      seconds,
      io: { writeBytes: io1.writeBytes - io0.writeBytes, wchar: io1.wchar - io0.wchar, syscw: io1.syscw - io0.syscw, cancelledWriteBytes: io1.cancelledWriteBytes - io0.cancelledWriteBytes },
      registerSaves,
      sectors: sectors0 !== undefined && sectors1 !== undefined ? sectors1 - sectors0 : undefined,
      changed,
      watchEvents,
      transactionMessages: transactionMessages() - tx0,
      heartbeats: calls('Heartbeat') - hb0,
    };
  }

  const setSampleInterval = async (seconds: number): Promise<void> => {
    if (version === '1.6') await csms.changeConfiguration(IDENTITY, 'MeterValueSampleInterval', String(seconds));
    else await csms.setVariables(IDENTITY, [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: String(seconds) }]);
  };
  const started = version === '1.6' ? 'StartTransaction' : 'TransactionEvent';
  /** Plugs in, waits for the transaction to start and settle, measures, unplugs and waits for its end. */
  async function chargingWindow(name: string, seconds: number): Promise<WindowFigures> {
    const before = calls(started);
    await sim('plug');
    await waitUntil(() => calls(started) > before, `${started} after the plug-in`);
    // The start's own messages (the Started event, the status change) are not steady charging.
    await sleep(3000);
    const figures = await measure(name, seconds, Math.round(seconds / REGISTER_SAVE_EVERY_S));
    await sim('unplug');
    const stop = version === '1.6' ? 'StopTransaction' : 'TransactionEvent';
    await csms.waitForNext(IDENTITY, stop, version === '1.6' ? undefined : (p: { eventType?: string }) => p.eventType === 'Ended', 30_000);
    await sleep(3000);
    return figures;
  }

  const results: WindowFigures[] = [];
  let saveCost: SaveCost | undefined;
  try {
    await csms.waitForConnection(IDENTITY, 30_000);
    await csms.waitFor(IDENTITY, 'BootNotification', undefined, 30_000);
    // Start-up writes (certificates, device model, relay map, boot id) and the modules loaded
    // lazily after the boot are not idle work.
    await sleep(15_000);
    results.push(await measure(`idle (connected, heartbeat every ${values['heartbeat-s']} s, 1 Hz meter poll)`, Number(values['idle-s'])));
    results.push(await chargingWindow('charging, sample interval 60 s', Number(values['charge-s'])));
    await setSampleInterval(1);
    await sleep(2000);
    results.push(await chargingWindow('charging, sample interval 1 s (worst case)', Number(values['worst-s'])));
    if (!csms.station(IDENTITY)?.connected) throw new Error('the agent was not connected at the end');
    await stopChild(agent);
    // The agent gone, this process makes the simulated register's saves on the same disk, to tell them apart.
    saveCost = await registerSaveCost(path.join(dir, 'calibration'), device, CALIBRATION_SAVES, REGISTER_SAVE_EVERY_S * 1000);
  } finally {
    await stopChild(agent);
    await csms.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  print(results, version, device, saveCost!);
}

function sameFile(a: FileState | undefined, b: FileState | undefined): boolean {
  return a !== undefined && b !== undefined && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function print(results: WindowFigures[], version: string, device: string | undefined, saveCost: SaveCost): void {
  const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
  const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
  console.log(`bench/sd-wear: OCPP ${version}, the built agent on simulated hardware, storage on ${device ?? 'an unknown device'}; node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)}`);
  for (const r of results) {
    const perHour = 3600 / r.seconds;
    console.log(`\n${r.name}: measured over ${r.seconds} s, per hour = extrapolated x${perHour.toFixed(1)}`);
    const written = r.io.writeBytes - r.io.cancelledWriteBytes;
    const simulator = r.registerSaves * saveCost.writeBytes;
    const agentOwn = Math.max(0, written - simulator);
    console.log(`  write_bytes - cancelled (page writes that reach the block layer)  ${kib(written).padStart(10)}   per hour ${mib(written * perHour)}`);
    if (r.registerSaves > 0) {
      console.log(`    of which the simulated meter's register file (simulated hardware only): about ${kib(simulator)} (${r.registerSaves} saves x ${kib(saveCost.writeBytes)} measured in this process)`);
      console.log(`    the agent's own (real hardware): about ${kib(agentOwn)}   per hour ${mib(agentOwn * perHour)}`);
    }
    console.log(`  wchar (bytes to write calls, sockets too)     ${kib(r.io.wchar).padStart(12)}   per hour ${mib(r.io.wchar * perHour)}`);
    console.log(`  syscw (write calls, sockets too)              ${String(r.io.syscw).padStart(12)}   per hour ${Math.round(r.io.syscw * perHour)}`);
    if (r.sectors !== undefined) {
      const deviceBytes = r.sectors * 512;
      console.log(`  ${device} sectors written (data and the fs journal; every process writing to ${device})  ${kib(deviceBytes).padStart(12)}   per hour ${mib(deviceBytes * perHour)}`);
      if (r.registerSaves > 0 && saveCost.deviceBytes !== undefined) {
        const own = Math.max(0, deviceBytes - r.registerSaves * saveCost.deviceBytes);
        console.log(`    less the simulated register's saves (${kib(saveCost.deviceBytes)} each): about ${kib(own)}   per hour ${mib(own * perHour)}` + (r.transactionMessages > 0 ? `; per message ${kib(own / r.transactionMessages)}` : ''));
      }
    }
    console.log(`  transaction messages sent (each journaled)    ${String(r.transactionMessages).padStart(12)}   per hour ${Math.round(r.transactionMessages * perHour)}` + (r.transactionMessages > 0 ? `; the agent's own write_bytes per message about ${kib(agentOwn / r.transactionMessages)}` : ''));
    console.log(`  heartbeats                                    ${String(r.heartbeats).padStart(12)}`);
    const events = [...r.watchEvents].map(([f, n]) => `${f} (${n} events)`);
    console.log(`  files changed in storage.dir: ${r.changed.length === 0 ? 'none' : r.changed.join(', ')}${events.length ? `; fs.watch: ${events.join(', ')}` : ''}`);
  }
  const idle = results[0]!;
  const idleWrites = idle.io.writeBytes - idle.io.cancelledWriteBytes > 0 || idle.changed.length > 0;
  console.log(`\nissue 18 (no write while idle but what the spec requires): ${idleWrites ? 'NOT met' : 'met'}`);
  process.exitCode = idleWrites ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
