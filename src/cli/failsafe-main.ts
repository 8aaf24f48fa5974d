#!/usr/bin/env node
import { EXIT, installCrashHandlers } from '../process/lifecycle.js';
import { parseFailsafeArgs, runFailsafe, type FailsafeArgs } from './failsafe/failsafe-args.js';

// `evse-agent failsafe` as its own executable (systemd's ExecStopPost runs it after every stop,
// crashes included): it loads the relay map reader and the sysfs GPIO code, and neither OCPP, ws,
// Ajv nor the development CSMS, so that it starts in about the time of a bare node process.
// Arguments: [--config FILE] [--state-dir DIR], as `evse-agent failsafe`.

installCrashHandlers();

const io = { stdout: process.stdout, stderr: process.stderr, stop: new AbortController().signal };
const args = process.argv.slice(2);

/** The arguments, unless they are for the full command line: --help, or a wrong option (its usage error). */
function ownArgs(): FailsafeArgs | undefined {
  if (args.some((a) => a === '--help' || a === '-h')) return undefined;
  try {
    return parseFailsafeArgs(args);
  } catch {
    return undefined;
  }
}

try {
  const own = ownArgs();
  if (own) {
    process.exitCode = await runFailsafe(io, own);
  } else {
    const { runCommandLine } = await import('./command-line.js');
    const { lazyCommands } = await import('./lazy-commands.js');
    process.exitCode = await runCommandLine(['failsafe', ...args], io, lazyCommands());
  }
} catch (err) {
  process.stderr.write(`<2>evse-agent failsafe: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = EXIT.software;
}
