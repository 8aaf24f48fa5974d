import { ModbusBusRegistry } from '../../hal/drivers/modbus/modbus-bus.js';
import { createEvseMeter } from '../../hal/meter-factory.js';
import type { MeterReading } from '../../station/meter-reading.js';
import { METER_VALUE_NAMES } from '../../station/meter-reading.js';
import { EXIT } from '../../process/lifecycle.js';
import { lockHolder } from '../../store/instance-lock.js';
import type { CliIo } from '../io.js';
import { loadConfigForCommand } from './check-config.js';
import { selectEvses } from './evse-selection.js';

/** Formats a reading as aligned "name value unit" lines. */
export function formatReading(reading: MeterReading, indent = '  '): string {
  const lines: string[] = [];
  for (const name of METER_VALUE_NAMES) {
    const v = reading[name];
    if (v === undefined) continue;
    const unit = /Wh$/.test(name) ? 'Wh' : /Hz$/.test(name) ? 'Hz' : name.slice(-1);
    const digits = unit === 'Wh' ? 1 : unit === 'A' ? 3 : unit === 'Hz' ? 2 : 1;
    lines.push(`${indent}${name.padEnd(16)}${v.toFixed(digits).padStart(14)} ${unit}`);
  }
  return lines.join('\n');
}

/**
 * `evse-agent meter read`: one reading of every value of every EVSE's meter, for an installer
 * commissioning a charger. Touches no GPIO: the relays stay as they are. So it takes no instance
 * lock, and may run while the agent does; but a Modbus line has one master: while an agent holds
 * storage.dir, a read of a Modbus meter would garble the agent's own polls (and could make the
 * running charger see a meter fault), so it is refused. A simulated meter is read in-process.
 */
export async function meterReadCommand(io: CliIo, file: string, json: boolean, evseFilter?: number): Promise<number> {
  const loaded = loadConfigForCommand(io, file);
  if (typeof loaded === 'number') return loaded;
  const evses = selectEvses(io, loaded.config, file, evseFilter);
  if (typeof evses === 'number') return evses;
  const owner = evses.some((e) => e.meter.link) ? lockHolder(loaded.config.storage.dir) : undefined;
  if (owner) {
    io.stderr.write(
      `meter read: the agent is already running (pid ${owner.pid}) on ${loaded.config.storage.dir} and polls these meters; ` +
        'two masters on one Modbus line garble each other. Its readings are in /api/status, or stop it first.\n',
    );
    return EXIT.alreadyRunning;
  }
  const buses = new ModbusBusRegistry();
  const results: Array<Record<string, unknown>> = [];
  let failed = 0;
  try {
    for (const e of evses) {
      // One attempt per request is enough to commission; say what went wrong rather than retrying it away.
      const { meter } = createEvseMeter(e, buses);
      const started = performance.now();
      const reading = await meter.poll();
      const ms = performance.now() - started;
      const h = meter.health;
      if (!reading) failed++;
      if (json) {
        results.push({
          evseId: e.id,
          meter: meter.name,
          ok: Boolean(reading),
          reading,
          error: reading ? undefined : h.lastFault,
          requests: h.counters.requests,
          durationMs: Math.round(ms),
        });
      } else {
        io.stdout.write(`${meter.name}\n`);
        if (reading) io.stdout.write(`${formatReading(reading)}\n`);
        else io.stdout.write(`  no reading: ${h.lastFault?.kind}: ${h.lastFault?.message}\n`);
        io.stdout.write(`  ${h.counters.requests} request${h.counters.requests === 1 ? '' : 's'}, ${ms.toFixed(0)} ms\n`);
      }
      await meter.close();
    }
  } finally {
    await buses.closeAll();
  }
  if (json) io.stdout.write(`${JSON.stringify({ evses: results }, null, 2)}\n`);
  return failed === 0 ? EXIT.ok : EXIT.unavailable;
}
