import * as cardRead from './commands/card-read.js';
import * as checkConfig from './commands/check-config.js';
import * as demo from './commands/demo.js';
import * as devCsms from './commands/dev-csms.js';
import * as meterRead from './commands/meter-read.js';
import * as meterSim from './commands/meter-sim.js';
import * as pilotRead from './commands/pilot-read.js';
import * as release from './commands/release.js';
import * as run from './commands/run.js';
import * as sessions from './commands/sessions.js';
import * as simulate from './commands/simulate.js';
import { runCommandLine, type CommandModules } from './command-line.js';
import * as failsafe from './failsafe/failsafe-args.js';
import type { CliIo } from './io.js';

// The command line with every command's module loaded up front: for in-process callers (tests),
// which must share one instance of each module with what they import themselves. The process
// entry, main.ts, loads each command's module only when it runs.

export { COMMAND_USAGE, commandUsage, defaultConfig, demoDefaultConfig, USAGE } from './usage.js';

const LOADED: CommandModules = {
  run: async () => run,
  checkConfig: async () => checkConfig,
  meterRead: async () => meterRead,
  meterSim: async () => meterSim,
  pilotRead: async () => pilotRead,
  cardRead: async () => cardRead,
  failsafe: async () => failsafe,
  demo: async () => demo,
  devCsms: async () => devCsms,
  release: async () => release,
  sessions: async () => sessions,
  simulate: async () => simulate,
};

/** Runs one evse-agent command; resolves with the process' exit code. */
export function runCli(argv: string[], io: CliIo): Promise<number> {
  return runCommandLine(argv, io, LOADED);
}
