/**
 * bench/firmware-download (issue 15): a ~50 MB signed release downloaded and verified over loopback
 * HTTP by the firmware update service, its time and the peak RSS while it runs, which must stay
 * flat: the file streams to `<dir>/<requestId>.part` and is read back as a stream for the signature
 * (SHA-256 over the whole file) and the package check (every member's sha256), never whole in memory.
 *
 * The release is made here (a .tar.gz with release.json first and one member of random bytes, so
 * gzip cannot shrink it), signed under a manufacturer root made at run time (test/helpers/test-pki.ts),
 * and served from this process. FirmwareUpdates runs on the system clock with src/release's
 * readRelease as its package check; its install step only records (unpacking is not the download).
 * process.memoryUsage().rss is sampled every 50 ms before and during, and the kernel's high-water
 * mark (resourceUsage().maxRSS) read before and after.
 *
 *   npm run bench:firmware-download [-- --mb 50]
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { Subject } from 'rxjs';
import tar from 'tar-stream';
import { silentLogger } from '../src/process/logger.js';
import { signFirmwareFile } from '../src/release/firmware-signature.js';
import { MANIFEST_FORMAT, MANIFEST_NAME, thisMachine } from '../src/release/manifest.js';
import { readRelease } from '../src/release/read-release.js';
import { FirmwareUpdates, type FirmwareStatus } from '../src/services/firmware/index.js';
import { systemClock } from '../src/station/clock.js';
import { createCa, issueClientCertificate } from '../test/helpers/test-pki.js';

const MB = 1e6;
const SAMPLE_MS = 50;
const CHUNK = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

/** `size` random bytes, a chunk at a time. */
function randomStream(size: number): Readable {
  let left = size;
  return new Readable({
    read() {
      const n = Math.min(CHUNK, left);
      left -= n;
      this.push(n > 0 ? randomBytes(n) : null);
    },
  });
}

/** A release package with one member of `size` random bytes; the member is written twice (hashed, then packed) so that nothing is held whole. */
async function bigRelease(dir: string, size: number): Promise<string> {
  const payload = path.join(dir, 'payload.bin');
  await pipeline(randomStream(size), createWriteStream(payload));
  const hash = createHash('sha256');
  await pipeline(createReadStream(payload), hash);
  const manifest = {
    format: MANIFEST_FORMAT,
    name: 'evse-agent',
    version: '99.0.0-bench',
    ...thisMachine(),
    createdAt: new Date().toISOString(),
    files: [{ path: 'hardware/payload.bin', size, sha256: hash.digest('hex'), mode: 0o644 }],
  };
  const pack = tar.pack();
  const file = path.join(dir, 'evse-agent-bench.release');
  const written = pipeline(pack, createGzip({ level: 1 }), createWriteStream(file));
  pack.entry({ name: MANIFEST_NAME }, JSON.stringify(manifest));
  const entry = pack.entry({ name: 'hardware/payload.bin', size, mode: 0o644 });
  await pipeline(createReadStream(payload), entry);
  pack.finalize();
  await written;
  rmSync(payload);
  return file;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { mb: { type: 'string', default: '50' } } });
  const size = Math.round(Number(values.mb) * MB);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evse-firmware-download-'));
  console.log(`bench/firmware-download: a ~${mb(size)} signed release, downloaded and verified over loopback HTTP`);
  console.log(`Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})\n`);
  const root = await createCa('Bench Manufacturer Root');
  const signer = await issueClientCertificate(root, 'Bench Firmware Signer');
  const release = await bigRelease(dir, size);
  const releaseBytes = statSync(release).size;
  const signature = await signFirmwareFile(release, signer.keyPem, signer.certPem);
  console.log(`release: ${mb(releaseBytes)} (.tar.gz), signed (ECDSA P-256, SHA-256)`);

  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-length': releaseBytes });
    createReadStream(release).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/evse-agent.release`;

  const statuses: Array<{ status: FirmwareStatus; at: number }> = [];
  let installedAt: number | undefined;
  const firmware = new FirmwareUpdates({
    clock: systemClock,
    log: silentLogger,
    dir: path.join(dir, 'firmware'),
    runningVersion: '1.0.0',
    manufacturerRoots: () => [root.certPem],
    raise: () => undefined,
    allowUnsigned: () => false,
    transactionsRunning: () => 0,
    stationEvents$: new Subject<unknown>(),
    allowNewSessionsPending: () => false,
    holdNewSessions: () => undefined,
    restart: () => undefined,
    installer: {
      check: async (file) => ({ version: (await readRelease(file)).version }),
      install: async () => {
        installedAt = performance.now();
        return { version: '99.0.0-bench' };
      },
      settle: async () => undefined,
    },
  });
  firmware.status$.subscribe((r) => statuses.push({ status: r.status, at: performance.now() }));

  const samples: Array<{ at: number; rss: number }> = [];
  const take = (): number => samples.push({ at: performance.now(), rss: process.memoryUsage().rss });
  take();
  const timer = setInterval(take, SAMPLE_MS);
  try {
    await sleep(1000);
    const before = samples.at(-1)!.rss;
    const maxRssBeforeKiB = process.resourceUsage().maxRSS;
    const startedAt = performance.now();
    const answer = firmware.request({ requestId: 1, location: url, retrieveAt: new Date(), signingCertificate: signer.certPem, signature });
    if (answer !== 'Accepted') throw new Error(`the request was answered ${answer}`);
    const deadline = Date.now() + 600_000;
    while (installedAt === undefined && !statuses.some((s) => s.status.endsWith('Failed') || s.status === 'InvalidSignature')) {
      if (Date.now() > deadline) throw new Error('no end in 10 minutes');
      await sleep(20);
    }
    if (installedAt === undefined) throw new Error(`the update ended ${statuses.at(-1)?.status}`);
    take();
    const maxRssAfterKiB = process.resourceUsage().maxRSS;
    const at = (status: FirmwareStatus): number => statuses.find((s) => s.status === status)?.at ?? NaN;
    const during = samples.filter((s) => s.at >= startedAt);
    const peak = Math.max(...during.map((s) => s.rss));
    const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    console.log(`\nstatuses: ${statuses.map((s) => s.status).join(', ')}`);
    console.log(`time:     ${seconds(installedAt - startedAt)} from the request to the install step`);
    console.log(`          download ${seconds(at('Downloaded') - startedAt)} (${((releaseBytes / MB) / ((at('Downloaded') - startedAt) / 1000)).toFixed(1)} MB/s),`
      + ` signature ${seconds(at('SignatureVerified') - at('Downloaded'))}, package check ${seconds(installedAt - at('SignatureVerified'))}`);
    console.log(`RSS:      before ${mb(before)}, peak during ${mb(peak)}, peak - before ${mb(peak - before)} (${during.length} samples every ${SAMPLE_MS} ms)`);
    const kernelPeak = maxRssAfterKiB > maxRssBeforeKiB ? maxRssAfterKiB * 1024 : undefined;
    console.log(`          kernel high-water mark (maxRSS) ${mb(maxRssBeforeKiB * 1024)} before, ${mb(maxRssAfterKiB * 1024)} after${kernelPeak === undefined ? ': not raised' : ''}`);
    const growth = Math.max(peak, kernelPeak ?? 0) - before;
    // Holding the file whole would grow by its size at least.
    const flat = growth < releaseBytes / 5;
    console.log(`\n-> ${flat ? 'flat' : 'NOT flat'} (under 20 % of the release): the peak grew ${mb(growth)}, ${((100 * growth) / releaseBytes).toFixed(1)} % of the release's size`);
  } finally {
    clearInterval(timer);
    firmware.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
