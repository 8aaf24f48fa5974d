import { ConfigError, loadConfig } from '../../config/load-config.js';
import type { GpioDriver } from '../../hal/gpio/gpio.js';
import { relayMapOf } from '../../store/relay-map.js';
import { DEFAULT_STATE_DIR, openEveryRelay, relayLinesLeniently, relaysFromJson, type ConfigRelays } from '../failsafe/open-relays.js';
import type { CliIo } from '../io.js';

export { DEFAULT_STATE_DIR, relayLinesLeniently };

/**
 * The relays of a config checked against the schema: its own when valid; when not, every line
 * found in it, with a warning that says how many problems it has. For a caller that has the
 * config loader loaded anyway (tests, the CLI in-process); the failsafe entry does not validate.
 */
export function validatedConfigRelays(io: CliIo, file: string): ConfigRelays {
  try {
    const { config } = loadConfig(file);
    return { storageDir: config.storage.dir, target: relayMapOf(config) };
  } catch (err) {
    return relaysFromJson(io, file, err instanceof ConfigError ? `${err.problems.length} config problem(s)` : (err as Error).message);
  }
}

/**
 * `evse-agent failsafe` in-process, with the config validated: opens every relay and exits (see
 * openEveryRelay). The process that systemd runs is the lighter entry, src/cli/failsafe-main.ts.
 */
export async function failsafeCommand(io: CliIo, file: string, gpioOverride?: GpioDriver, stateDir?: string): Promise<number> {
  return openEveryRelay(io, file, { readConfig: validatedConfigRelays, gpio: gpioOverride, stateDir });
}
