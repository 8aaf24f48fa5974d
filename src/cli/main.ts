#!/usr/bin/env node
import { installCrashHandlers, runFailsafeHooks, EXIT } from '../process/lifecycle.js';
import { lazyCommands } from './lazy-commands.js';
import { stopOnSignals } from './signals.js';

// `failsafe` has an entry of its own that loads no OCPP (failsafe-main.ts): hand it over before
// anything else is loaded. Its --help goes there too and comes back to the full command line.
if (process.argv[2] === 'failsafe') {
  process.argv.splice(2, 1);
  await import('./failsafe-main.js');
} else {
  await main();
}

async function main(): Promise<void> {
  // Relays open on any crash: installed before anything touches hardware.
  installCrashHandlers();

  const controller = new AbortController();
  stopOnSignals(controller);

  // meter-sim takes commands on standard input; nothing else reads it.
  const { createInterface } = await import('node:readline');
  const stdinLines = process.argv[2] === 'meter-sim' ? createInterface({ input: process.stdin }) : undefined;

  try {
    const { runCommandLine } = await import('./command-line.js');
    const io = { stdout: process.stdout, stderr: process.stderr, stop: controller.signal, stdinLines };
    const code = await runCommandLine(process.argv.slice(2), io, lazyCommands());
    stdinLines?.close();
    process.exitCode = code;
  } catch (err) {
    runFailsafeHooks();
    process.stderr.write(`<2>evse-agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = EXIT.software;
  }
  // Let pending writes drain; anything still holding the loop open (a stray timer) must not keep a stopped agent alive.
  setTimeout(() => process.exit(), 200).unref();
}
