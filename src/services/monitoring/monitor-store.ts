import { JsonFileStore } from '../../store/json-file-store.js';
import { MONITOR_ORIGINS, MONITOR_TYPES, type Monitor, type MonitoredVariable, type MonitorOrigin, type MonitorType } from './monitor.js';

/**
 * The monitors on disk (N07.FR.13: they outlive a reboot), with the monitoring level and base, and which
 * threshold monitors are tripped (N07.FR.14: a clear after a reboot is still reported). One JSON
 * file in storage.dir, rewritten whole through JsonFileStore (write, sync, rename). An entry that no
 * longer reads as a monitor is skipped with a warning.
 */

const STORE_NAME = 'variable-monitors';

/** N03: which monitors are active besides the custom ones. */
export type MonitoringBase = 'All' | 'FactoryDefault' | 'HardWiredOnly';
const BASES: readonly MonitoringBase[] = ['All', 'FactoryDefault', 'HardWiredOnly'];

export interface StoredMonitoring {
  /** The custom and preconfigured monitors (hard-wired ones are the firmware's, not stored). */
  monitors: Monitor[];
  /** The base last set by the CSMS (N03); undefined: never set. */
  base?: MonitoringBase;
  /** The level set by the CSMS (N05); undefined: never set. */
  level?: number;
  /** Ids of the threshold monitors beyond their threshold when last looked at. */
  tripped: number[];
}

interface StoredFile {
  format: 1;
  monitors: unknown[];
  base?: unknown;
  level?: unknown;
  tripped?: unknown;
}

export class MonitorStore {
  readonly #files: JsonFileStore;

  constructor(
    dir: string,
    private readonly onWarning: (message: string) => void,
  ) {
    this.#files = new JsonFileStore(dir, onWarning);
  }

  load(): StoredMonitoring {
    const stored = this.#files.read<StoredFile>(STORE_NAME);
    if (!stored || !Array.isArray(stored.monitors)) return { monitors: [], tripped: [] };
    const monitors: Monitor[] = [];
    for (const entry of stored.monitors) {
      const monitor = revive(entry);
      if (monitor) monitors.push(monitor);
      else this.onWarning(`skipped an unreadable monitor in ${STORE_NAME}.json: ${JSON.stringify(entry).slice(0, 200)}`);
    }
    const level = isSeverity(stored.level) ? stored.level : undefined;
    const tripped = Array.isArray(stored.tripped) ? stored.tripped.filter((id): id is number => Number.isSafeInteger(id)) : [];
    const state: StoredMonitoring = { monitors, tripped };
    if (level !== undefined) state.level = level;
    if (BASES.includes(stored.base as MonitoringBase)) state.base = stored.base as MonitoringBase;
    return state;
  }

  /** Throws when the file cannot be written. */
  save(state: StoredMonitoring): void {
    const file: StoredFile = { format: 1, monitors: state.monitors, tripped: state.tripped };
    if (state.level !== undefined) file.level = state.level;
    if (state.base !== undefined) file.base = state.base;
    this.#files.write(STORE_NAME, file);
  }
}

type Fields = Record<string, unknown>;
const isFields = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const isSeverity = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 9;
const optionalText = (value: unknown): value is string | undefined => value === undefined || typeof value === 'string';
const optionalInt = (value: unknown): value is number | undefined => value === undefined || Number.isSafeInteger(value);

function reviveTarget(raw: unknown): MonitoredVariable | undefined {
  if (!isFields(raw) || typeof raw['component'] !== 'string' || typeof raw['variable'] !== 'string') return undefined;
  const { componentInstance, evseId, connectorId, instance } = raw;
  if (!optionalText(componentInstance) || !optionalText(instance) || !optionalInt(evseId) || !optionalInt(connectorId)) return undefined;
  const target: MonitoredVariable = { component: raw['component'], variable: raw['variable'] };
  if (componentInstance !== undefined) target.componentInstance = componentInstance;
  if (evseId !== undefined) target.evseId = evseId;
  if (connectorId !== undefined) target.connectorId = connectorId;
  if (instance !== undefined) target.instance = instance;
  return target;
}

function revive(entry: unknown): Monitor | undefined {
  if (!isFields(entry)) return undefined;
  const { id, type, value, severity, transaction } = entry;
  // Files from before origins were kept hold only the CSMS' monitors.
  const origin = entry['origin'] ?? 'custom';
  if (!Number.isSafeInteger(id) || !MONITOR_TYPES.includes(type as MonitorType) || !MONITOR_ORIGINS.includes(origin as MonitorOrigin) || origin === 'hardwired') return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || !isSeverity(severity) || typeof transaction !== 'boolean') return undefined;
  const target = reviveTarget(entry['target']);
  if (!target) return undefined;
  return { id: id as number, target, type: type as MonitorType, value, severity, transaction, origin: origin as MonitorOrigin };
}
