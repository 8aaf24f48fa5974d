import { readFileSync } from 'node:fs';
import type { StationConfig } from '../config/station-config.js';
import type { StationHardware } from '../hal/station-hardware.js';
import type { DeviceModel } from '../ocpp/v201/device-model/device-model.js';
import type { Logger } from '../process/logger.js';
import { diagnosticsArchive, type DiagnosticsSources } from '../services/diagnostics/archive.js';
import { FrameRing } from '../services/diagnostics/frame-ring.js';
import { LogRequests } from '../services/diagnostics/log-requests.js';
import { upload } from '../services/diagnostics/upload.js';
import type { Clock } from '../station/clock.js';

/**
 * Remote diagnostics of one station: the ring of its last OCPP frames (fed by the client's onFrame)
 * and the log requests (2.0.1 GetLog, 1.6 GetDiagnostics) that pack what the station knows into an
 * archive and upload it.
 */
export interface Diagnostics {
  frameRing: FrameRing;
  logRequests: LogRequests;
}

export function stationDiagnostics(
  config: StationConfig,
  parts: { clock: Clock; log: Logger; hardware: StationHardware; status: () => unknown; deviceModel?: DeviceModel },
): Diagnostics {
  const { clock, hardware } = parts;
  const frameRing = new FrameRing({ now: () => clock.now() });
  const sources: DiagnosticsSources = {
    logDir: config.storage.dir,
    // Under systemd the unit's journal holds the agent's log (agent-loop writes no file then).
    journal: process.env['JOURNAL_STREAM'] ? { unit: 'evse-agent.service' } : undefined,
    securityLogDir: config.storage.dir,
    frames: () => frameRing.frames(),
    // Secrets serialise masked (Secret.toJSON); the archive masks once more.
    config: () => JSON.parse(JSON.stringify(config)) as unknown,
    status: parts.status,
    deviceModelReport: parts.deviceModel ? () => parts.deviceModel!.report('FullInventory') : undefined,
    counters: () => ({
      evses: hardware.evses.map((e) => ({
        evseId: e.evseId,
        meter: { name: e.meter.name, health: e.meter.health },
        pilot: e.pilot ? { name: e.pilot.name, health: e.pilot.health } : undefined,
      })),
      gridMeter: hardware.supply?.gridMeter ? { name: hardware.supply.gridMeter.name, health: hardware.supply.gridMeter.health } : undefined,
    }),
    now: () => clock.now(),
  };
  const logRequests = new LogRequests({
    clock,
    log: parts.log,
    stationId: config.station.identity,
    archive: (request) => diagnosticsArchive(sources, request),
    upload,
    ca: config.ocpp.caFile ? readFileSync(config.ocpp.caFile) : undefined,
  });
  return { frameRing, logRequests };
}
