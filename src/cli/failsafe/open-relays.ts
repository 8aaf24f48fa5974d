import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sysfsFileOutputs } from '../../hal/drivers/sysfs/sysfs-files.js';
import { DEFAULT_SYSFS_ROOT, SysfsGpio } from '../../hal/drivers/sysfs/sysfs-gpio.js';
import type { GpioDriver, Level, OutputLineSpec } from '../../hal/gpio/gpio.js';
import { EXIT } from '../../process/lifecycle.js';
import { readRelayMap, type RelayMap } from '../../store/relay-map.js';
import { parseJsonText } from '../../util/json-syntax.js';
import type { CliIo } from '../io.js';

// What `failsafe` does, on as few modules as it can: it runs after every exit of the agent and must
// start in about the time of a bare node process. Everything here stays off OCPP, ws, Ajv, rxjs and
// the development CSMS (test/cli/failsafe-entry.test.ts checks the module graph).

/** Where the relay map is when the config cannot tell: the default storage.dir, or an override for tests. */
export const DEFAULT_STATE_DIR = '/var/lib/evse-agent';

/** What a config says about the relays: the lines found in it, its storage.dir, or why it says nothing. */
export interface ConfigRelays {
  target?: RelayMap;
  storageDir?: string;
  unusable?: string;
}

/** Reads the relays of a config file; a reader may validate it (the CLI) or not (the failsafe entry). */
export type ConfigRelayReader = (io: CliIo, file: string) => ConfigRelays;

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
        relays.push({ line: r.line as number, activeLow: r.activeLow === true, chip: typeof r.chip === 'string' ? r.chip : undefined });
      }
    }
  }
  return {
    driver: typeof d.gpio?.driver === 'string' ? d.gpio.driver : 'sysfs',
    chip: typeof d.gpio?.chip === 'string' ? d.gpio.chip : undefined,
    root: typeof d.gpio?.sysfsRoot === 'string' ? d.gpio.sysfsRoot : undefined,
    relays,
  };
}

/**
 * The relays of a config read as plain JSON, without the schema: every well-formed relay line in
 * it (for a valid config, exactly the ones it names) and its storage.dir. `invalid`, when the caller
 * found the config invalid, is said in a warning before the lines are opened anyway.
 */
export function relaysFromJson(io: CliIo, file: string, invalid?: string): ConfigRelays {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (readErr) {
    return { unusable: (readErr as NodeJS.ErrnoException).code ?? (readErr as Error).message };
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) return { unusable: `not JSON: ${parsed.problem.found}` };
  const dir = (parsed.value as { storage?: { dir?: unknown } } | null)?.storage?.dir;
  const storageDir = typeof dir === 'string' ? path.resolve(path.dirname(file), dir) : undefined;
  const target = relayLinesLeniently(parsed.value);
  if (target.relays.length === 0) return { storageDir, unusable: 'it names no relay' };
  if (invalid !== undefined) io.stderr.write(`failsafe: ${file} does not validate (${invalid}); opening every relay line found in it\n`);
  return { target, storageDir };
}

/** The relays of the map that the config's do not cover (all of them when they are on other GPIO). */
function notCovered(map: RelayMap, target: RelayMap | undefined): OutputLineSpec[] {
  if (!target || target.driver !== map.driver || (target.root ?? DEFAULT_SYSFS_ROOT) !== (map.root ?? DEFAULT_SYSFS_ROOT) || target.chip !== map.chip) return map.relays;
  const key = (r: OutputLineSpec, chip: string | undefined): string => `${r.chip ?? chip ?? ''}#${r.line}`;
  const known = new Set(target.relays.map((r) => key(r, target.chip)));
  return map.relays.filter((r) => !known.has(key(r, map.chip)));
}

/** A relay's open level: the line's inactive one (gpio.ts's inactiveLevel, not imported: gpio.ts loads rxjs). */
function openLevel(relay: OutputLineSpec): Level {
  return relay.activeLow ? 1 : 0;
}

export interface FailsafeOptions {
  readConfig: ConfigRelayReader;
  /** A GPIO driver instead of sysfs (tests). */
  gpio?: GpioDriver;
  /** Where the relay map is; else $EVSE_AGENT_STATE_DIR, else the config's storage.dir, else the default. */
  stateDir?: string;
}

/**
 * Opens every relay and returns the exit code: the relays the config names, and those of the relay
 * map the last successful start left in storage.dir (relay-map.ts), the lines the agent really
 * drove should the config have been edited since, and all there is when the config cannot be read
 * at all (not JSON, gone). It takes no instance lock: nothing may keep it from opening the relays.
 */
export async function openEveryRelay(io: CliIo, file: string, options: FailsafeOptions): Promise<number> {
  const fromConfig = options.readConfig(io, file);
  const mapDir = options.stateDir ?? (process.env['EVSE_AGENT_STATE_DIR'] || undefined) ?? fromConfig.storageDir ?? DEFAULT_STATE_DIR;
  const map = readRelayMap(mapDir);
  const groups: RelayMap[] = fromConfig.target ? [fromConfig.target] : [];
  if (map.ok) {
    const extra = notCovered(map.map, fromConfig.target);
    if (!fromConfig.target) {
      io.stderr.write(`failsafe: cannot use ${file}: ${fromConfig.unusable ?? ''}; opening the relays of the last start, from ${map.file}\n`);
    } else if (extra.length > 0) {
      io.stderr.write(`failsafe: also opening ${extra.length} relay line(s) the last start drove and ${file} no longer names (from ${map.file})\n`);
    }
    if (extra.length > 0) groups.push({ ...map.map, relays: extra });
  } else if (!fromConfig.target && fromConfig.unusable !== 'it names no relay') {
    io.stderr.write(`failsafe: cannot read ${file}: ${fromConfig.unusable ?? ''}; no relay map either (${map.file}: ${map.reason}); no relay line known\n`);
    return EXIT.config;
  }
  if (groups.every((g) => g.relays.length === 0)) {
    io.stderr.write('failsafe: no relay line in the config\n');
    return EXIT.failure;
  }
  let failures = 0;
  for (const target of groups) {
    if (target.driver === 'simulated' && !options.gpio) {
      io.stdout.write('failsafe: GPIO is simulated; no relay outside the agent to open\n');
      continue;
    }
    const root = target.root ?? DEFAULT_SYSFS_ROOT;
    const gpio = options.gpio ?? new SysfsGpio({ chip: target.chip, root, open: sysfsFileOutputs(root) });
    for (const relay of target.relays) {
      try {
        // Claiming the line as an output at its inactive level opens the contactor in one write.
        const pin = await gpio.openOutput(relay, openLevel(relay));
        pin.writeSync(openLevel(relay));
        io.stdout.write(`failsafe: relay ${gpio.describe(relay)} open\n`);
      } catch (err) {
        failures++;
        io.stderr.write(`failsafe: could not open relay ${gpio.describe(relay)}: ${(err as Error).message}\n`);
      }
    }
  }
  return failures === 0 ? EXIT.ok : EXIT.failure;
}
