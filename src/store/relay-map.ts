import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StationConfig } from '../config/station-config.js';
import type { OutputLineSpec } from '../hal/gpio/gpio.js';
import { parseJsonText } from '../util/json-syntax.js';
import { writeFileAtomic } from './durable-files.js';

/**
 * The relay lines the last agent that started drove, kept in storage.dir. `failsafe` runs after
 * every exit and must open the relays even when the config on disk is no longer JSON: then this
 * map is all it has.
 */

const NAME = 'relay-map';
export const RELAY_MAP_FILE = `${NAME}.json`;

/** Where the relays are and how to open them. */
export interface RelayMap {
  driver: string;
  chip?: string;
  root?: string;
  relays: OutputLineSpec[];
}

interface RelayMapFile {
  version: 1;
  writtenAt: string;
  gpio: { driver: string; chip?: string; sysfsRoot?: string };
  relays: OutputLineSpec[];
}

/** The relays a valid config names, where they are and how to open them. */
export function relayMapOf(config: Pick<StationConfig, 'gpio' | 'evses'>): RelayMap {
  return {
    driver: config.gpio.driver,
    chip: config.gpio.chip || undefined,
    root: config.gpio.sysfsRoot,
    relays: config.evses.flatMap((e) => e.connectors.map((c) => ({ line: c.relay.line, activeLow: c.relay.activeLow, chip: c.relay.chip || undefined }))),
  };
}

/**
 * Written at a successful start whose map differs from the one on disk (the first start, a changed
 * config; `writtenAt` says when), atomically (a power cut leaves the old map or the new one), and
 * before the start goes on: `failsafe` reads it from another process after a crash. An unchanged
 * map is not written again: no sync at each start (issue 18: start-up time, SD card wear).
 */
export function writeRelayMap(dir: string, config: Pick<StationConfig, 'gpio' | 'evses'>, writtenAt: Date): void {
  const { driver, chip, root, relays } = relayMapOf(config);
  const doc: RelayMapFile = { version: 1, writtenAt: writtenAt.toISOString(), gpio: { driver, chip, sysfsRoot: root }, relays };
  const file = path.join(dir, `${NAME}.json`);
  if (sameMap(file, doc)) return;
  writeFileAtomic(file, `${JSON.stringify(doc, null, 2)}\n`, 0o644);
}

/** Whether `file` holds the map of `doc` (whenever it was written). */
function sameMap(file: string, doc: RelayMapFile): boolean {
  const mapOf = ({ version, gpio, relays }: RelayMapFile): string => JSON.stringify({ version, gpio, relays });
  try {
    return mapOf(JSON.parse(readFileSync(file, 'utf8')) as RelayMapFile) === mapOf(doc);
  } catch {
    return false;
  }
}

/** The map in dir, or why there is none usable. */
export function readRelayMap(dir: string): { ok: true; map: RelayMap; file: string } | { ok: false; reason: string; file: string } {
  const file = path.join(dir, RELAY_MAP_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, file, reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) return { ok: false, file, reason: `not JSON: ${parsed.problem.found}` };
  const doc = parsed.value as Partial<RelayMapFile> | null;
  const gpio = doc?.gpio;
  if (doc?.version !== 1 || !gpio || typeof gpio.driver !== 'string' || !Array.isArray(doc.relays)) {
    return { ok: false, file, reason: 'not a relay map this version knows' };
  }
  const relays = doc.relays.filter((r): r is OutputLineSpec => Number.isInteger(r?.line) && typeof r.activeLow === 'boolean');
  return {
    ok: true,
    file,
    map: {
      driver: gpio.driver,
      chip: typeof gpio.chip === 'string' ? gpio.chip : undefined,
      root: typeof gpio.sysfsRoot === 'string' ? gpio.sysfsRoot : undefined,
      relays: relays.map((r) => ({ line: r.line, activeLow: r.activeLow, chip: typeof r.chip === 'string' ? r.chip : undefined })),
    },
  };
}
