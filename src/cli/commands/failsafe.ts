import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../config/load-config.js';
import { sysfsFileOutputs } from '../../hal/drivers/sysfs/sysfs-files.js';
import { DEFAULT_SYSFS_ROOT, SysfsGpio } from '../../hal/drivers/sysfs/sysfs-gpio.js';
import { inactiveLevel, type GpioDriver, type OutputLineSpec } from '../../hal/gpio/gpio.js';
import { EXIT } from '../../service/lifecycle.js';
import { readRelayMap, type RelayMap } from '../../store/relay-map.js';
import { parseJsonText } from '../../util/json-schema.js';
import type { CliIo } from '../io.js';

/**
 * The relay lines of a config that may not validate: after a crash the config on disk may be
 * half-edited, and the relays must open all the same. Takes every well-formed relay it can find.
 */
export function relayLinesLeniently(doc: unknown): RelayMap {
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

/** Where the relay map is when the config cannot tell: the default storage.dir, or an override for tests. */
export const DEFAULT_STATE_DIR = '/var/lib/evse-agent';

function problemText(err: unknown): string {
  if (err instanceof ConfigError) return err.problems.map((p) => p.found).join('; ');
  return (err as Error).message;
}

/**
 * `evse-agent failsafe`: opens every relay the config names and exits. Run by systemd after the
 * agent stops for any reason, crash included; it must work when nothing else does: from a config
 * that does not validate it takes the relay lines it can find, and from one it cannot even read
 * (not JSON, gone) the relay map the last successful start left in storage.dir (relay-map.ts).
 * That storage.dir is then unknown too: stateDir, else $EVSE_AGENT_STATE_DIR, else the default.
 * It takes no instance lock: nothing may keep it from opening the relays.
 */
export async function failsafeCommand(io: CliIo, file: string, gpioOverride?: GpioDriver, stateDir?: string): Promise<number> {
  let target: RelayMap;
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
    let unreadable: string | undefined;
    try {
      const parsed = parseJsonText(readFileSync(file, 'utf8'));
      if (parsed.ok) doc = parsed.value;
      else unreadable = `not JSON: ${parsed.problem.found}`;
    } catch (readErr) {
      unreadable = (readErr as NodeJS.ErrnoException).code ?? (readErr as Error).message;
    }
    const lenient = unreadable === undefined ? relayLinesLeniently(doc) : undefined;
    if (lenient && lenient.relays.length > 0) {
      const why = err instanceof ConfigError ? `${err.problems.length} config problem(s)` : problemText(err);
      io.stderr.write(`failsafe: ${file} does not validate (${why}); opening every relay line found in it\n`);
      target = lenient;
    } else {
      const storageDir = (doc as { storage?: { dir?: unknown } } | undefined)?.storage?.dir;
      const dir =
        stateDir ??
        (process.env['EVSE_AGENT_STATE_DIR'] || undefined) ??
        (typeof storageDir === 'string' ? path.resolve(path.dirname(file), storageDir) : DEFAULT_STATE_DIR);
      const map = readRelayMap(dir);
      const why = unreadable ?? 'it names no relay';
      if (map.ok) {
        io.stderr.write(`failsafe: cannot use ${file}: ${why}; opening the relays of the last start, from ${map.file}\n`);
        target = map.map;
      } else if (lenient) {
        // JSON naming no relay, and no map: nothing to open (exit 1 below says so).
        target = lenient;
      } else {
        io.stderr.write(`failsafe: cannot read ${file}: ${why}; no relay map either (${map.file}: ${map.reason}); no relay line known\n`);
        return EXIT.config;
      }
    }
  }
  if (target.driver === 'simulated' && !gpioOverride) {
    io.stdout.write('failsafe: GPIO is simulated; no relay outside the agent to open\n');
    return EXIT.ok;
  }
  const root = target.root ?? DEFAULT_SYSFS_ROOT;
  const gpio = gpioOverride ?? new SysfsGpio({ ...(target.chip ? { chip: target.chip } : {}), root, open: sysfsFileOutputs(root) });
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
