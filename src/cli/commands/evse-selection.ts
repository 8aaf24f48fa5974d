import type { EvseConfig, StationConfig } from '../../config/station-config.js';
import { EXIT } from '../../process/lifecycle.js';
import type { CliIo } from '../io.js';

/** The EVSEs a commissioning command (`meter read`, `pilot read`) looks at: all, or the one `--evse` names (usage error: none such). */
export function selectEvses(io: CliIo, config: StationConfig, file: string, evseFilter: number | undefined): EvseConfig[] | number {
  const evses = config.evses.filter((e) => evseFilter === undefined || e.id === evseFilter);
  if (evses.length > 0) return evses;
  io.stderr.write(`no EVSE ${evseFilter} in ${file}\n`);
  return EXIT.usage;
}
