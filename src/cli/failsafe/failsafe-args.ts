import { parseArgs } from 'node:util';
import type { CliIo } from '../io.js';
import { defaultConfig } from '../default-config.js';
import { openEveryRelay, relaysFromJson } from './open-relays.js';

export interface FailsafeArgs {
  config: string;
  stateDir?: string;
}

/** `failsafe [--config FILE] [--state-dir DIR]`; throws parseArgs' ERR_PARSE_ARGS_* for anything else. */
export function parseFailsafeArgs(args: string[]): FailsafeArgs {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, 'state-dir': { type: 'string' } } });
  return { config: values.config ?? defaultConfig(), stateDir: values['state-dir'] };
}

/**
 * `evse-agent failsafe` on the fewest modules: the config read as JSON without the schema (every
 * relay line in it, valid or not), the relay map, sysfs. The same for the CLI and the failsafe entry.
 */
export function runFailsafe(io: CliIo, args: FailsafeArgs): Promise<number> {
  return openEveryRelay(io, args.config, { readConfig: (out, file) => relaysFromJson(out, file), stateDir: args.stateDir });
}
