import { JsonFileStore } from '../../store/json-file-store.js';
import type { ChargingProfile, ChargingSchedule, InstalledProfile } from './charging-profile.js';

/**
 * The installed charging profiles on disk (K01.FR.27, 1.6 3.13: they outlive a reboot), one JSON
 * file in storage.dir rewritten whole on each change through JsonFileStore (write, sync, rename).
 * Dates are kept as ISO text; an entry that no longer reads as a profile is skipped with a warning.
 */

const STORE_NAME = 'charging-profiles';

interface StoredProfiles {
  format: 1;
  profiles: unknown[];
}

export class ChargingProfileStore {
  readonly #files: JsonFileStore;

  constructor(
    dir: string,
    private readonly onWarning: (message: string) => void,
  ) {
    this.#files = new JsonFileStore(dir, onWarning);
  }

  load(): InstalledProfile[] {
    const stored = this.#files.read<StoredProfiles>(STORE_NAME);
    if (!stored || !Array.isArray(stored.profiles)) return [];
    const loaded: InstalledProfile[] = [];
    for (const entry of stored.profiles) {
      const installed = revive(entry);
      if (installed) loaded.push(installed);
      else this.onWarning(`skipped an unreadable charging profile in ${STORE_NAME}.json: ${JSON.stringify(entry).slice(0, 200)}`);
    }
    return loaded;
  }

  /** Throws when the file cannot be written. */
  save(profiles: readonly InstalledProfile[]): void {
    const stored: StoredProfiles = { format: 1, profiles: profiles.map((p) => ({ evseId: p.evseId, profile: p.profile })) };
    this.#files.write(STORE_NAME, stored);
  }
}

type Fields = Record<string, unknown>;

const isFields = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

function dateOf(value: unknown): Date | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return null;
  const date = new Date(value);
  return Number.isFinite(date.getTime()) ? date : null;
}

function revive(entry: unknown): InstalledProfile | undefined {
  if (!isFields(entry) || typeof entry['evseId'] !== 'number' || !isFields(entry['profile'])) return undefined;
  const raw = entry['profile'];
  if (typeof raw['id'] !== 'number' || typeof raw['stackLevel'] !== 'number' || typeof raw['purpose'] !== 'string' || typeof raw['kind'] !== 'string') return undefined;
  if (!Array.isArray(raw['schedules'])) return undefined;
  const validFrom = dateOf(raw['validFrom']);
  const validTo = dateOf(raw['validTo']);
  if (validFrom === null || validTo === null) return undefined;
  const schedules: ChargingSchedule[] = [];
  for (const s of raw['schedules'] as unknown[]) {
    if (!isFields(s) || !Array.isArray(s['periods'])) return undefined;
    const startSchedule = dateOf(s['startSchedule']);
    if (startSchedule === null) return undefined;
    const schedule = { ...s, periods: s['periods'] } as unknown as ChargingSchedule;
    if (startSchedule) schedule.startSchedule = startSchedule;
    schedules.push(schedule);
  }
  const profile = { ...raw, schedules } as unknown as ChargingProfile;
  if (validFrom) profile.validFrom = validFrom;
  if (validTo) profile.validTo = validTo;
  return { evseId: entry['evseId'], profile };
}
