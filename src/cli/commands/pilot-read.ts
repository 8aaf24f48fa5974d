import type { EvseConfig } from '../../config/station-config.js';
import { ModbusBusRegistry } from '../../hal/drivers/modbus/modbus-bus.js';
import { createEvsePilot } from '../../hal/pilot-factory.js';
import type { PilotReading } from '../../hal/roles/control-pilot.js';
import { EXIT } from '../../process/lifecycle.js';
import { lockHolder } from '../../store/instance-lock.js';
import type { CliIo } from '../io.js';
import { loadConfigForCommand } from './check-config.js';
import { selectEvses } from './evse-selection.js';

/** One EVSE's line of `pilot read --json`: the fixed names installers' scripts read. */
export interface PilotReadResult {
  evseId: number;
  pilot: string;
  ok: boolean;
  /** IEC 61851-1's letter, A to F. */
  vehicleState?: string;
  offeredCurrentA?: number;
  cableRatingA?: number;
  boardErrors?: string[];
  rawState?: number;
  error?: { kind: string; message: string };
}

/** A reading as indented "name value" lines. */
export function formatPilotReading(r: PilotReading, indent = '  '): string {
  const lines = [
    `${indent}${'vehicleState'.padEnd(16)}${r.vehicleState} (raw ${r.rawState})`,
    `${indent}${'offeredCurrentA'.padEnd(16)}${r.offeredCurrentA} A${r.offeredCurrentA === 0 ? ' (no PWM)' : ''}`,
  ];
  if (r.cableRatingA !== undefined) lines.push(`${indent}${'cableRatingA'.padEnd(16)}${r.cableRatingA} A`);
  lines.push(`${indent}${'boardErrors'.padEnd(16)}${r.boardErrors.length === 0 ? 'none' : r.boardErrors.join(', ')}`);
  return lines.join('\n');
}

/** A board the agent talks to over a wire (Modbus line, RAPI serial port), rather than in-process. */
function onAWire(e: EvseConfig): boolean {
  return e.pilot !== undefined && e.pilot.driver !== 'simulated';
}

/**
 * `evse-agent pilot read`: one read of every EVSE's control pilot board (IEC 61851-1 vehicle
 * state, offered current, cable rating, the board's errors), for an installer commissioning a
 * charger. Like meter read it takes no instance lock and touches no GPIO, but a board on a wire has
 * one master: while an agent holds storage.dir it is refused. A simulated board is read in-process.
 * The read leaves the board offering 0 A (the pilot driver asks again for the offer it holds,
 * none here), as the agent leaves it when it stops: with no agent running, no vehicle is offered current.
 */
export async function pilotReadCommand(io: CliIo, file: string, json: boolean, evseFilter?: number): Promise<number> {
  const loaded = loadConfigForCommand(io, file);
  if (typeof loaded === 'number') return loaded;
  const evses = selectEvses(io, loaded.config, file, evseFilter);
  if (typeof evses === 'number') return evses;
  const piloted = evses.filter((e) => e.pilot !== undefined);
  if (piloted.length === 0) {
    const which = evseFilter === undefined ? `no EVSE in ${file} has a` : `EVSE ${evseFilter} in ${file} has no`;
    io.stderr.write(`pilot read: ${which} pilot board (evses[].pilot); without one, plug detect and the meter say what the vehicle does\n`);
    return EXIT.usage;
  }
  const owner = piloted.some(onAWire) ? lockHolder(loaded.config.storage.dir) : undefined;
  if (owner) {
    io.stderr.write(
      `pilot read: the agent is already running (pid ${owner.pid}) on ${loaded.config.storage.dir} and polls these pilot boards; ` +
        'two masters on one line garble each other. The vehicle states are in /api/status, or stop it first.\n',
    );
    return EXIT.alreadyRunning;
  }
  // Said on stderr in JSON mode, so that stdout stays one document.
  const note = json ? io.stderr : io.stdout;
  for (const e of evses) if (!e.pilot) note.write(`EVSE ${e.id}: no pilot board configured\n`);

  const buses = new ModbusBusRegistry();
  const results: PilotReadResult[] = [];
  let failed = 0;
  try {
    for (const e of piloted) {
      const pilot = createEvsePilot(e, buses)!;
      try {
        // One attempt: say what went wrong rather than retrying it away.
        const reading = await pilot.poll();
        const fault = pilot.health.lastFault;
        if (!reading) failed++;
        const result: PilotReadResult = reading
          ? {
              evseId: e.id,
              pilot: pilot.name,
              ok: true,
              vehicleState: reading.vehicleState,
              offeredCurrentA: reading.offeredCurrentA,
              ...(reading.cableRatingA !== undefined ? { cableRatingA: reading.cableRatingA } : {}),
              boardErrors: [...reading.boardErrors],
              rawState: reading.rawState,
            }
          : { evseId: e.id, pilot: pilot.name, ok: false, error: fault ? { kind: fault.kind, message: fault.message } : { kind: 'io', message: 'no answer' } };
        results.push(result);
        if (!json) {
          io.stdout.write(`${pilot.name}\n`);
          if (reading) io.stdout.write(`${formatPilotReading(reading)}\n`);
          else io.stdout.write(`  no reading: ${result.error!.kind}: ${result.error!.message}\n`);
        }
      } finally {
        await pilot.close();
      }
    }
  } finally {
    await buses.closeAll();
  }
  if (json) io.stdout.write(`${JSON.stringify({ evses: results }, null, 2)}\n`);
  return failed === 0 ? EXIT.ok : EXIT.unavailable;
}
