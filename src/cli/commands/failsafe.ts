import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../../config/load-config.js';
import { SysfsGpio } from '../../hal/drivers/sysfs/sysfs-gpio.js';
import { inactiveLevel, type GpioDriver, type OutputLineSpec } from '../../hal/gpio/gpio.js';
import { EXIT } from '../../service/lifecycle.js';
import type { CliIo } from '../io.js';

/**
 * The relay lines of a config that may not validate: after a crash the config on disk may be
 * half-edited, and the relays must open all the same. Takes every well-formed relay it can find.
 */
export function relayLinesLeniently(doc: unknown): { driver: string; chip?: string; root?: string; relays: OutputLineSpec[] } {
  const d = (doc ?? {}) as {
    gpio?: { driver?: unknown; chip?: unknown; sysfsRoot?: unknown };
    evses?: Array<{ connectors?: Array<{ relay?: { line?: unknown; activeLow?: unknown; chip?: unknown } }> }>;
  };
  const relays: OutputLineSpec[] = [];
  for (const e of Array.isArray(d.evses) ? d.evses : []) {
    for (const c of Array.isArray(e?.connectors) ? e.connectors : []) {
      const r = c?.relay;
      if (r && Number.isInteger(r.line)) {
        relays.push({ line: r.line as number, activeLow: r.activeLow === true, ...(typeof r.chip === 'string' ? { chip: r.chip } : {}) });
      }
    }
  }
  return {
    driver: typeof d.gpio?.driver === 'string' ? d.gpio.driver : 'sysfs',
    ...(typeof d.gpio?.chip === 'string' ? { chip: d.gpio.chip } : {}),
    ...(typeof d.gpio?.sysfsRoot === 'string' ? { root: d.gpio.sysfsRoot } : {}),
    relays,
  };
}

/**
 * `evse-agent failsafe`: opens every relay the config names and exits. Run by systemd after the
 * agent stops for any reason, crash included; it must work when nothing else does.
 */
export async function failsafeCommand(io: CliIo, file: string, gpioOverride?: GpioDriver): Promise<number> {
  let target: ReturnType<typeof relayLinesLeniently>;
  try {
    const { config } = loadConfig(file);
    target = {
      driver: config.gpio.driver,
      ...(config.gpio.chip ? { chip: config.gpio.chip } : {}),
      root: config.gpio.sysfsRoot,
      relays: config.evses.flatMap((e) => e.connectors.map((c) => c.relay)),
    };
  } catch (err) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (readErr) {
      io.stderr.write(`failsafe: cannot read ${file}: ${(readErr as Error).message}; no relay line known\n`);
      return EXIT.config;
    }
    const why = err instanceof ConfigError ? `${err.problems.length} config problem(s)` : (err as Error).message;
    io.stderr.write(`failsafe: ${file} does not validate (${why}); opening every relay line found in it\n`);
    target = relayLinesLeniently(doc);
  }
  if (target.driver === 'simulated' && !gpioOverride) {
    io.stdout.write('failsafe: GPIO is simulated; no relay outside the agent to open\n');
    return EXIT.ok;
  }
  const gpio = gpioOverride ?? new SysfsGpio({ ...(target.chip ? { chip: target.chip } : {}), ...(target.root ? { root: target.root } : {}) });
  let failures = 0;
  for (const relay of target.relays) {
    try {
      // Claiming the line as an output at its inactive level opens the contactor in one write.
      const pin = await gpio.openOutput(relay, inactiveLevel(relay));
      pin.writeSync(inactiveLevel(relay));
      io.stdout.write(`failsafe: relay ${gpio.describe(relay)} open\n`);
    } catch (err) {
      failures++;
      io.stderr.write(`failsafe: could not open relay ${gpio.describe(relay)}: ${(err as Error).message}\n`);
    }
  }
  if (target.relays.length === 0) io.stderr.write('failsafe: no relay line in the config\n');
  return failures === 0 && target.relays.length > 0 ? EXIT.ok : EXIT.failure;
}
