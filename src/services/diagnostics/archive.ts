import { Readable } from 'node:stream';
import type { FrameRecord } from './frame-ring.js';

export type { FrameRecord } from './frame-ring.js';

/** Where an archive's members come from; each function is read when the archive is built. */
export interface DiagnosticsSources {
  /** Where agent-log.ts keeps the agent's rotating log (storage.dir). */
  logDir: string;
  /** Where the SecurityLog keeps security.log and its rotations (storage.dir). */
  securityLogDir: string;
  frames: () => readonly FrameRecord[];
  /** The configuration, already masked. */
  config: () => unknown;
  /** What /api/status answers. */
  status: () => unknown;
  deviceModelReport?: () => unknown;
  /** Meter and pilot health counters. */
  counters: () => unknown;
}

export type DiagnosticsLogKind = 'DiagnosticsLog' | 'SecurityLog';

export interface DiagnosticsArchiveRequest {
  kind: DiagnosticsLogKind;
  from?: Date;
  to?: Date;
}

/** A .tar.gz stream of the diagnostics (in progress: the members follow). */
export function diagnosticsArchive(sources: DiagnosticsSources, request: DiagnosticsArchiveRequest): Readable {
  void sources;
  void request;
  return Readable.from([]);
}
