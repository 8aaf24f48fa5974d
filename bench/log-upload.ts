/**
 * bench/log-upload (issue 14): a ~50 MB diagnostics upload over loopback, its time and the agent's
 * peak RSS while it runs, which must stay flat: the archive is built as the upload reads it
 * (archive.ts), never whole in memory.
 *
 * The agent (Agent.create on config/simulator.json, storage in a temp folder, OCPP 2.0.1 to an
 * in-process dev CSMS) finds ~50 MB of its own log records in storage.dir (agent.log and rotated
 * files, written with AgentLogFile before it starts). The CSMS sends GetLog (DiagnosticsLog, no
 * window: every record, N01.FR.01); the agent uploads the .tar.gz by HTTP PUT to a server in this
 * process that discards the body, counting its bytes and, through a streaming gunzip, the tar's
 * bytes. process.memoryUsage().rss is sampled every 50 ms before and during the upload, and the
 * kernel's high-water mark (resourceUsage().maxRSS) read before and after, which catches a peak
 * that fell between samples (the event loop is busy while the archive is made).
 *
 * --incompressible: messages carry random hex, so the gzipped upload is about as big as the log
 * (realistic log lines shrink ~10x and the wire carries far less).
 * --retained: a full garbage collection every 500 ms during the upload, and the V8 heap left after
 * each: what the upload holds, apart from the garbage V8 lets pile up before it collects (which
 * the RSS shows too, and varies run to run). The RSS figures are then those of a forced-GC run.
 *
 *   npm run bench:log-upload [-- --mb 50 --incompressible --retained]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createGunzip } from 'node:zlib';
import type { GetLogResponse, LogStatusNotificationRequest } from 'ocpp-messages/v2.0/index.js';
import { Agent } from '../src/app/agent.js';
import { loadConfig } from '../src/config/load-config.js';
import type { LogLevel } from '../src/config/station-config.js';
import { packageRoot } from '../src/paths.js';
import { silentLogger } from '../src/process/logger.js';
import { AgentLogFile } from '../src/services/diagnostics/agent-log.js';
import { DevCsms } from '../tools/dev-csms/dev-csms.js';

const MB = 1e6;
const SAMPLE_MS = 50;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

/** What a charger's log holds, with the numbers changing from line to line. */
function realisticMessage(i: number, noise: () => string): string {
  const evse = 1 + (i % 2);
  switch (i % 6) {
    case 0:
      return `meter EVSE ${evse}: ${(229 + (i % 30) / 10).toFixed(1)} V, ${(15.5 + (i % 17) / 20).toFixed(2)} A, ${(10_000 + i * 0.37).toFixed(1)} Wh${noise()}`;
    case 1:
      return `ocpp: -> [2,"${(i * 7919).toString(16)}","MeterValues",{"evseId":${evse},"meterValue":[…]}]${noise()}`;
    case 2:
      return `pilot EVSE ${evse}: state C, duty ${(26 + (i % 5)).toFixed(1)} %, +${(8.9 + (i % 9) / 100).toFixed(2)} V${noise()}`;
    case 3:
      return `charging: EVSE ${evse} offer ${16 + (i % 16)} A after profile ${i % 40} (TxDefaultProfile)${noise()}`;
    case 4:
      return `modbus /dev/ttyAMA0 unit ${evse}: read 0x${(i % 0x200).toString(16).padStart(4, '0')} x${2 + (i % 40)} in ${(12 + (i % 23) / 10).toFixed(1)} ms${noise()}`;
    default:
      return `heartbeat answered, clock skew ${(i % 300) - 150} ms${noise()}`;
  }
}

const LEVEL_CYCLE: readonly LogLevel[] = ['debug', 'debug', 'info', 'debug', 'info', 'notice', 'debug', 'warning'];

/**
 * Fills `dir` with ~`bytes` of agent log through AgentLogFile (its format and its rotation: files
 * of 16 MB, enough kept that nothing is dropped), stamped 10 ms apart and ending an hour ago.
 */
function writeAgentLog(dir: string, bytes: number, incompressible: boolean): { records: number; fileBytes: number; files: number } {
  const perRecord = incompressible ? 190 : 130;
  const records = Math.ceil(bytes / perRecord);
  const startMs = Date.now() - 3_600_000 - records * 10;
  let i = 0;
  const log = new AgentLogFile(dir, { maxBytes: 16 * 1024 * 1024, keepRotated: Math.ceil(bytes / (16 * 1024 * 1024)) + 1, now: () => new Date(startMs + i * 10) });
  const noise = incompressible ? (): string => ` ${randomBytes(32).toString('hex')}` : (): string => '';
  let fileBytes = 0;
  for (; fileBytes < bytes; i++) {
    log.record(LEVEL_CYCLE[i % LEVEL_CYCLE.length]!, realisticMessage(i, noise));
    if (i % 4096 === 0) fileBytes = log.files().reduce((sum, f) => sum + statSync(f).size, 0);
  }
  log.close();
  const files = log.files();
  if (log.dropped > 0) throw new Error(`${log.dropped} records were not written`);
  return { records: i, fileBytes: files.reduce((sum, f) => sum + statSync(f).size, 0), files: files.length };
}

/** An HTTP PUT target that keeps nothing: it counts the bytes, and the tar's bytes inside the gzip. */
class DiscardingUploadServer {
  wireBytes = 0;
  tarBytes = 0;
  firstByteAt: number | undefined;
  lastByteAt: number | undefined;
  requests = 0;
  private readonly server = createServer((req, res) => this.take(req, res));

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  url(pathname: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${pathname}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private take(req: IncomingMessage, res: ServerResponse): void {
    this.requests += 1;
    const gunzip = createGunzip();
    gunzip.on('data', (chunk: Buffer) => (this.tarBytes += chunk.length));
    req.on('data', (chunk: Buffer) => {
      this.firstByteAt ??= performance.now();
      this.lastByteAt = performance.now();
      this.wireBytes += chunk.length;
    });
    req.pipe(gunzip);
    gunzip.on('end', () => {
      res.statusCode = 201;
      res.end();
    });
    gunzip.on('error', () => {
      res.statusCode = 400;
      res.end();
    });
  }
}

/** RSS every SAMPLE_MS on the main thread; the largest gap says how late a busy event loop let it run. */
class RssSampler {
  readonly samples: Array<{ at: number; rss: number; heapTotal: number; external: number }> = [];
  /** --retained: the V8 heap in use right after each forced collection. */
  readonly heapAfterGc: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;

  constructor(private readonly gc?: () => void) {}

  /** Collects now and records what is left. */
  collect(): void {
    if (!this.gc) return;
    this.gc();
    this.heapAfterGc.push(process.memoryUsage().heapUsed);
  }

  start(): void {
    this.take();
    this.timer = setInterval(() => {
      this.take();
      if (++this.ticks % 10 === 0) this.collect();
    }, SAMPLE_MS);
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.take();
  }

  take(): void {
    const { rss, heapTotal, external } = process.memoryUsage();
    this.samples.push({ at: performance.now(), rss, heapTotal, external });
  }

  /** The samples from `from` to `to` (performance.now() times). */
  between(from: number, to = Infinity): RssSampler['samples'] {
    return this.samples.filter((s) => s.at >= from && s.at <= to);
  }
}

/** global.gc without node's --expose-gc flag (tsx starts node): the flag set at run time, gc taken from a fresh context. */
function exposedGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { mb: { type: 'string', default: '50' }, incompressible: { type: 'boolean', default: false }, retained: { type: 'boolean', default: false } },
  });
  const targetBytes = Number(values.mb) * MB;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evse-log-upload-'));
  const storageDir = path.join(dir, 'var');
  console.log(`bench/log-upload: GetLog DiagnosticsLog of ~${mb(targetBytes)} of agent log${values.incompressible ? ' (incompressible messages)' : ''}, HTTP PUT over loopback`);
  console.log(`Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})\n`);

  const written = writeAgentLog(storageDir, targetBytes, values.incompressible);
  console.log(`agent log written: ${written.records} records, ${mb(written.fileBytes)} in ${written.files} files (agent.log and rotations)`);

  const csms = new DevCsms({ port: 0, log: silentLogger });
  await csms.start();
  const server = new DiscardingUploadServer();
  await server.start();
  const base = loadConfig(path.join(packageRoot, 'config', 'simulator.json')).config;
  const config = { ...base, ocpp: { ...base.ocpp, url: csms.url }, api: { ...base.api, host: '127.0.0.1', port: 0 } };
  const agent = await Agent.create({ config, log: silentLogger, storage: { dir: storageDir }, hardware: { kind: 'simulated' } });
  const id = agent.config.station.identity;
  const sampler = new RssSampler(values.retained ? exposedGc() : undefined);
  try {
    await csms.waitForConnection(id, 10_000);
    await csms.waitFor(id, 'BootNotification', undefined, 10_000);
    const deadline = Date.now() + 10_000;
    while (agent.status().connection.bootState !== 'Accepted') {
      if (Date.now() > deadline) throw new Error('the station did not boot');
      await sleep(50);
    }
    // Idle a while first: the samples before the GetLog are the baseline.
    sampler.start();
    await sleep(2000);
    sampler.collect();
    const heapAtStart = sampler.heapAfterGc.at(-1);
    const maxRssBeforeKiB = process.resourceUsage().maxRSS;
    const last = sampler.samples.at(-1)!;
    const before = last.rss;
    const idle = sampler.samples.map((s) => s.rss);

    const requestedAt = performance.now();
    const answer = (await csms.call(id, 'GetLog', { logType: 'DiagnosticsLog', requestId: 14, log: { remoteLocation: server.url('/logs/') } })) as GetLogResponse;
    if (answer.status !== 'Accepted') throw new Error(`GetLog answered ${answer.status}`);
    const final = await csms.waitFor<LogStatusNotificationRequest>(id, 'LogStatusNotification', (p) => p.requestId === 14 && p.status !== 'Uploading', 600_000);
    const doneAt = performance.now();
    sampler.stop();
    if (final.payload.status !== 'Uploaded') throw new Error(`the upload ended ${final.payload.status}`);
    const maxRssAfterKiB = process.resourceUsage().maxRSS;

    const during = sampler.between(requestedAt, doneAt);
    const peak = Math.max(...during.map((s) => s.rss));
    const gaps = during.slice(1).map((s, k) => s.at - during[k]!.at);
    const seconds = (doneAt - requestedAt) / 1000;
    const sendingS = ((server.lastByteAt ?? doneAt) - (server.firstByteAt ?? doneAt)) / 1000;
    const firstByteS = ((server.firstByteAt ?? doneAt) - requestedAt) / 1000;

    console.log(`\nuploaded: ${server.wireBytes} bytes gzipped (${mb(server.wireBytes)}), ${server.tarBytes} bytes of tar inside (${mb(server.tarBytes)}), ${server.requests} request(s)`);
    console.log(`time:     ${seconds.toFixed(2)} s from GetLog to Uploaded (first byte after ${firstByteS.toFixed(2)} s: the count pass over the log; sending ${sendingS.toFixed(2)} s)`);
    console.log(`rate:     ${(server.tarBytes / MB / seconds).toFixed(1)} MB/s of log (tar), ${(server.wireBytes / MB / seconds).toFixed(1)} MB/s on the wire`);
    console.log(`RSS:      before ${mb(before)} (idle ${mb(Math.min(...idle))}..${mb(Math.max(...idle))}), peak during ${mb(peak)}, peak - before ${mb(peak - before)}`);
    console.log(`          ${during.length} samples during, every ${SAMPLE_MS} ms asked, largest gap ${Math.max(...gaps).toFixed(0)} ms`);
    const grew = (key: 'heapTotal' | 'external'): string => `${mb(last[key])} -> peak ${mb(Math.max(...during.map((s) => s[key])))}`;
    console.log(`          of it: V8 heap ${grew('heapTotal')}; Buffers and other memory outside the heap ${grew('external')}`);
    // The kernel's mark only tells of the upload when the upload raised it.
    const kernelPeak = maxRssAfterKiB > maxRssBeforeKiB ? maxRssAfterKiB * 1024 : undefined;
    const kernelSays = kernelPeak === undefined ? 'not raised by the upload' : `raised to ${mb(kernelPeak)}, ${mb(kernelPeak - before)} over before`;
    console.log(`          kernel high-water mark (maxRSS) ${mb(maxRssBeforeKiB * 1024)} before the GetLog, ${mb(maxRssAfterKiB * 1024)} after: ${kernelSays}`);
    if (heapAtStart !== undefined) {
      const held = Math.max(...sampler.heapAfterGc) - heapAtStart;
      console.log(`retained: V8 heap after a full GC ${mb(heapAtStart)} before, at most ${mb(heapAtStart + held)} during (${sampler.heapAfterGc.length - 1} GCs): the upload holds ${mb(held)}`);
    }
    const growth = Math.max(peak, kernelPeak ?? 0) - before;
    // Holding the archive or the log whole would grow by the log's size or more (as JS strings, twice it).
    const flat = growth < written.fileBytes / 5;
    console.log(`\n-> ${flat ? 'flat' : 'NOT flat'} (under 20 % of the log): the peak grew ${mb(growth)}, ${((100 * growth) / written.fileBytes).toFixed(1)} % of the log's size`);
  } finally {
    sampler.stop();
    await agent.stop();
    await server.stop();
    await csms.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
