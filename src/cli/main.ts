#!/usr/bin/env node

// `failsafe` has an entry of its own that loads no OCPP (failsafe-main.ts): hand it over before
// anything else is loaded, this file's own imports included. Its --help goes there too and comes
// back to the full command line.
if (process.argv[2] === 'failsafe') {
  process.argv.splice(2, 1);
  await import('./failsafe-main.js');
} else {
  await main();
}

async function main(): Promise<void> {
  // Before anything imports rxjs (issue 18: start-up time).
  const { useRxjsBundle } = await import('./rxjs-bundle.js');
  useRxjsBundle();
  const { installCrashHandlers, runFailsafeHooks, EXIT } = await import('../process/lifecycle.js');
  // Relays open on any crash: installed before anything touches hardware.
  installCrashHandlers();

  const controller = new AbortController();
  const { stopOnSignals } = await import('./signals.js');
  stopOnSignals(controller);

  // meter-sim takes commands on standard input; nothing else reads it.
  const { createInterface } = await import('node:readline');
  const stdinLines = process.argv[2] === 'meter-sim' ? createInterface({ input: process.stdin }) : undefined;

  try {
    const { runCommandLine } = await import('./command-line.js');
    // Each command's module is imported only when that command runs.
    const { lazyCommands } = await import('./lazy-commands.js');
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
