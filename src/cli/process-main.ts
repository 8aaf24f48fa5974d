import { createRequire } from 'node:module';
import { runCommandLine, type CommandModules } from './command-line.js';
import { installCrashHandlers, runFailsafeHooks, EXIT } from '../process/lifecycle.js';
import { stopOnSignals } from './signals.js';

/**
 * The `evse-agent` process once main.ts has chosen how to load it, with where each command's module
 * comes from: `run` from the shipped bundle (run-main.ts, issue 18), or every command from these
 * modules as they are (lazy-commands.ts). No top-level await, so that the bundle can be CommonJS,
 * which V8's code cache serves.
 */
export async function runProcess(commands: CommandModules): Promise<void> {
  // Relays open on any crash: installed before anything touches hardware.
  installCrashHandlers();

  const controller = new AbortController();
  stopOnSignals(controller);

  // meter-sim takes commands on standard input; nothing else reads it, nor loads readline.
  const readline = process.argv[2] === 'meter-sim' ? (createRequire(import.meta.url)('node:readline') as typeof import('node:readline')) : undefined;
  const stdinLines = readline?.createInterface({ input: process.stdin });

  try {
    const io = { stdout: process.stdout, stderr: process.stderr, stop: controller.signal, stdinLines };
    const code = await runCommandLine(process.argv.slice(2), io, commands);
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
