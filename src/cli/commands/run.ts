import { mkdirSync } from 'node:fs';
import type { Subscription } from 'rxjs';
import { openStationHardware, type HardwareOptions } from '../../hal/station-hardware.js';
import type { MeterReading } from '../../hal/meter/power-meter.js';
import { EXIT, onFailsafe } from '../../service/lifecycle.js';
import { createLogger } from '../../service/logger.js';
import { untilStopped, type CliIo } from '../io.js';
import { loadConfigForCommand } from './check-config.js';

/** One line of live readings for the terminal. */
export function readingLine(evseId: number, r: MeterReading, relayClosed: boolean): string {
  const phases = (names: Array<keyof MeterReading>, digits: number): string =>
    names
      .map((n) => r[n])
      .filter((v): v is number => typeof v === 'number')
      .map((v) => v.toFixed(digits))
      .join('/');
  const parts = [`EVSE ${evseId}`, `${(r.energyImportWh / 1000).toFixed(3)} kWh`];
  if (r.powerW !== undefined) parts.push(`${r.powerW.toFixed(0)} W`);
  const v = phases(['voltageL1V', 'voltageL2V', 'voltageL3V'], 1);
  if (v) parts.push(`${v} V`);
  const a = phases(['currentL1A', 'currentL2A', 'currentL3A'], 2);
  if (a) parts.push(`${a} A`);
  if (r.frequencyHz !== undefined) parts.push(`${r.frequencyHz.toFixed(2)} Hz`);
  parts.push(`relay ${relayClosed ? 'closed' : 'open'}`);
  return parts.join('  ');
}

/**
 * `evse-agent run`: brings up the hardware with every relay open and reads the meters. The
 * charging core and OCPP are not wired in yet; until they are, this prints live readings.
 */
export async function runCommand(io: CliIo, file: string, hardware: HardwareOptions = {}): Promise<number> {
  const loaded = loadConfigForCommand(io, file);
  if (typeof loaded === 'number') return loaded;
  const { config } = loaded;
  const log = createLogger(config.log.level, io.stderr);
  try {
    mkdirSync(config.storage.dir, { recursive: true });
  } catch (err) {
    log.error(`cannot create storage.dir ${config.storage.dir}: ${(err as Error).message}`);
    return EXIT.unavailable;
  }
  const hw = await openStationHardware(config, { logger: log, ...hardware });
  const removeHook = onFailsafe(() => hw.openAllRelays());
  const subs: Subscription[] = [];
  for (const e of hw.evses) {
    const relayClosed = (): boolean => e.connectors.some((c) => c.relay.active);
    subs.push(e.meter.readings$.subscribe((r) => io.stdout.write(`${readingLine(e.evseId, r, relayClosed())}\n`)));
    subs.push(
      e.meter.events$.subscribe((ev) => {
        if (ev.type === 'failed') log.warning(`${e.meter.name} failed: ${ev.kind}: ${ev.message}`);
        else if (ev.type === 'recovered') log.notice(`${e.meter.name} recovered`);
        else log.debug(`${e.meter.name} poll failed: ${ev.kind}: ${ev.message}`);
      }),
    );
    e.meter.start(config.evses.find((x) => x.id === e.evseId)!.meter.pollIntervalMs);
  }
  log.info(`running ${config.station.identity} on ${file}; Ctrl-C stops`);
  await untilStopped(io.stop);
  log.info('stopping: opening every relay');
  for (const s of subs) s.unsubscribe();
  await hw.close();
  removeHook();
  return EXIT.ok;
}
