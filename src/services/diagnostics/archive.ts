import { PassThrough, type Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { Pack } from 'tar-stream';
import { tarStream } from '../../util/tar-stream.js';
import { AgentLogFile, agentLogRecords, type AgentLogRecord, type JournalSource } from './agent-log.js';
import type { FrameRecord } from './frame-ring.js';
import { maskSecrets, maskString } from './mask.js';
import { securityLogRecords } from './security-log-window.js';

export type { FrameRecord } from './frame-ring.js';

/**
 * What a GetLog (OCPP 2.0.1 N01, 1.6 security whitepaper) or GetDiagnostics (1.6) uploads: a
 * .tar.gz made as it is read, never whole in memory.
 * - DiagnosticsLog: agent.log (the agent's records in the window, JSON lines), ocpp-frames.jsonl
 *   (the frame ring, masked), config.json, status.json, device-model.json (when given),
 *   counters.json; every JSON member passes through maskSecrets besides what its source masked.
 * - SecurityLog: security.log, the security events in the window (N01.FR.02's oldest/latest
 *   timestamps; A04.FR.04's log).
 * A tar header holds the member's size before its bytes, so a log member is read twice: once to
 * count its bytes, once to send them; the window's end is fixed when the archive starts, and a
 * member that shrank between the passes (a rotation dropped its oldest file) is padded with blank
 * lines, so the archive stays whole.
 */

/** Where an archive's members come from; each function is read when the archive is built. */
export interface DiagnosticsSources {
  /** Where agent-log.ts keeps the agent's rotating log (storage.dir). */
  logDir: string;
  /** Under systemd: the unit whose journal holds the agent's log (read instead of the file). */
  journal?: JournalSource | undefined;
  /** Where the SecurityLog keeps security.log and its rotations (storage.dir). */
  securityLogDir: string;
  frames: () => readonly FrameRecord[];
  /** The configuration, already masked (Secret fields print as ********). */
  config: () => unknown;
  /** What /api/status answers. */
  status: () => unknown;
  deviceModelReport?: (() => unknown) | undefined;
  /** Meter and pilot health counters. */
  counters: () => unknown;
  /** The time the window's open end is fixed at; the system's by default. */
  now?: (() => Date) | undefined;
}

export type DiagnosticsLogKind = 'DiagnosticsLog' | 'SecurityLog';

export interface DiagnosticsArchiveRequest {
  kind: DiagnosticsLogKind;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** The names of the members, for the log services and the tests. */
export const ARCHIVE_MEMBERS = {
  agentLog: 'agent.log',
  frames: 'ocpp-frames.jsonl',
  config: 'config.json',
  status: 'status.json',
  deviceModel: 'device-model.json',
  counters: 'counters.json',
  securityLog: 'security.log',
} as const;

type Lines = () => AsyncIterable<string>;
/** A member being written (a streamx Writable). */
type Writable = ReturnType<Pack['entry']>;

/** A JSON member: the value (or the error that reading it threw), masked, pretty-printed. */
function jsonMember(read: () => unknown): Buffer {
  let value: unknown;
  try {
    // Through JSON first: a Secret's toJSON masks it, a Date becomes its text.
    value = maskSecrets(JSON.parse(JSON.stringify(read() ?? null)) as unknown);
  } catch (err) {
    value = { error: err instanceof Error ? err.message : String(err) };
  }
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
}

async function* asLines<T>(records: AsyncIterable<T> | Iterable<T>): AsyncGenerator<string> {
  for await (const record of records) yield `${JSON.stringify(record)}\n`;
}

/** The pack being filled, and the signal that its reader gave up (an upload that failed). */
interface Packer {
  pack: Pack;
  signal: AbortSignal;
}

/** Waits until the entry takes more, so a slow upload holds the reading back; rejects once the reader gave up. */
function write(entry: Writable, chunk: Buffer, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new Error('the archive\'s reader gave up'));
  if (entry.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (err?: Error): void => {
      entry.off('drain', onDrain);
      entry.off('error', settle);
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => settle();
    const onAbort = (): void => settle(new Error('the archive\'s reader gave up'));
    entry.once('drain', onDrain);
    entry.once('error', settle);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function endEntry(p: Packer, name: string, size: number, mtime: Date, fill: (entry: Writable) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const entry = p.pack.entry({ name, size, mtime, mode: 0o644 }, (err) => (err ? reject(err) : resolve()));
    // An entry of a destroyed pack errors; the fill's own rejection reports it.
    entry.on('error', () => undefined);
    fill(entry).then(
      () => entry.end(undefined),
      (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        entry.destroy(error);
        reject(error);
      },
    );
  });
}

async function addBuffer(p: Packer, name: string, body: Buffer, mtime: Date): Promise<void> {
  await endEntry(p, name, body.length, mtime, (entry) => write(entry, body, p.signal));
}

/** A member made of lines, read twice (see above): exactly `size` bytes of whole lines, padded. */
const BATCH_BYTES = 64 * 1024;

async function addLines(p: Packer, name: string, lines: Lines, mtime: Date): Promise<void> {
  let size = 0;
  for await (const line of lines()) {
    if (p.signal.aborted) throw new Error('the archive\'s reader gave up');
    size += Buffer.byteLength(line, 'utf8');
  }
  await endEntry(p, name, size, mtime, async (entry) => {
    let sent = 0;
    // Lines go out in batches of about 64 KiB: one write per line would be one job each for the
    // zlib worker (a 50 MB log took 12 s to pack line by line, 2.4 s in batches).
    let batch: Buffer[] = [];
    let batched = 0;
    const flush = async (): Promise<void> => {
      if (batched === 0) return;
      await write(entry, Buffer.concat(batch, batched), p.signal);
      sent += batched;
      batch = [];
      batched = 0;
    };
    // Leaving the loop early (full, or the reader gone) ends the reading: files closed, journalctl stopped.
    for await (const line of lines()) {
      const chunk = Buffer.from(line, 'utf8');
      if (sent + batched + chunk.length > size) break;
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= BATCH_BYTES) await flush();
    }
    await flush();
    if (sent < size) await write(entry, Buffer.alloc(size - sent, '\n'), p.signal);
  });
}

/** Log lines may carry a URL with its password (a connection message); the journal's are not masked at the source. */
async function* maskedRecords(records: AsyncIterable<AgentLogRecord>): AsyncGenerator<AgentLogRecord> {
  for await (const record of records) yield { ...record, message: maskString(record.message) };
}

async function fillArchive(pack: Packer, sources: DiagnosticsSources, request: DiagnosticsArchiveRequest): Promise<void> {
  const now = (sources.now ?? (() => new Date()))();
  const from = request.from;
  // The open end fixed now: records written while the archive is read are not in it.
  const to = request.to !== undefined && request.to.getTime() < now.getTime() ? request.to : now;
  if (request.kind === 'SecurityLog') {
    await addLines(pack, ARCHIVE_MEMBERS.securityLog, () => asLines(securityLogRecords(sources.securityLogDir, from, to)), now);
    return;
  }
  const agentLog = new AgentLogFile(sources.logDir);
  await addLines(pack, ARCHIVE_MEMBERS.agentLog, () => asLines(maskedRecords(agentLogRecords(agentLog, sources.journal, from, to))), now);
  const frames = sources.frames().filter((f) => {
    const t = Date.parse(f.time);
    return (from === undefined || t >= from.getTime()) && t <= to.getTime();
  });
  await addLines(pack, ARCHIVE_MEMBERS.frames, () => asLines(frames), now);
  await addBuffer(pack, ARCHIVE_MEMBERS.config, jsonMember(sources.config), now);
  await addBuffer(pack, ARCHIVE_MEMBERS.status, jsonMember(sources.status), now);
  const deviceModelReport = sources.deviceModelReport;
  if (deviceModelReport) await addBuffer(pack, ARCHIVE_MEMBERS.deviceModel, jsonMember(deviceModelReport), now);
  await addBuffer(pack, ARCHIVE_MEMBERS.counters, jsonMember(sources.counters), now);
}

/**
 * The archive for `request`, gzipped, produced as the stream is read; a source that fails midway
 * ends the stream with its error (the upload then fails rather than sending half an archive).
 */
export function diagnosticsArchive(sources: DiagnosticsSources, request: DiagnosticsArchiveRequest): Readable {
  const pack = tarStream().pack();
  const abort = new AbortController();
  const gzip = createGzip();
  const out = new PassThrough();
  pack.on('error', (err: Error) => out.destroy(err));
  gzip.on('error', (err: Error) => out.destroy(err));
  pack.pipe(gzip).pipe(out);
  // The stream's reader may give up (an upload that failed): stop reading the sources.
  out.once('close', () => {
    if (out.readableEnded) return;
    abort.abort();
    pack.destroy();
  });
  fillArchive({ pack, signal: abort.signal }, sources, request).then(
    () => pack.finalize(),
    (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return out;
}
