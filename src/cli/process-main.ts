import { createRequire } from 'node:module';
import { runCommandLine } from './command-line.js';
import { lazyCommands } from './lazy-commands.js';
import { installCrashHandlers, runFailsafeHooks, EXIT } from '../process/lifecycle.js';
import { stopOnSignals } from './signals.js';

/**
 * The `evse-agent` process once main.ts has chosen how to load it: the shipped bundle
 * (dist/bundle/agent.cjs, issue 18) or these modules as they are. No top-level await, so that the
 * bundle can be CommonJS, which V8's code cache serves.
 */
export async function runProcess(): Promise<void> {
  // Relays open on any crash: installed before anything touches hardware.
  installCrashHandlers();

  const controller = new AbortController();
  stopOnSignals(controller);

  // meter-sim takes commands on standard input; nothing else reads it, nor loads readline.
  const readline = process.argv[2] === 'meter-sim' ? (createRequire(import.meta.url)('node:readline') as typeof import('node:readline')) : undefined;
  const stdinLines = readline?.createInterface({ input: process.stdin });

  try {
    // Each command's module is imported only when that command runs.
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
