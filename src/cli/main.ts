#!/usr/bin/env node
import { createInterface } from 'node:readline';
import { installCrashHandlers, runFailsafeHooks, EXIT } from '../process/lifecycle.js';
import { runCli } from './cli.js';
import { stopOnSignals } from './signals.js';

// Relays open on any crash: installed before anything touches hardware.
installCrashHandlers();

const controller = new AbortController();
stopOnSignals(controller);

// meter-sim takes commands on standard input; nothing else reads it.
const stdinLines = process.argv[2] === 'meter-sim' ? createInterface({ input: process.stdin }) : undefined;

try {
  const code = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stop: controller.signal,
    ...(stdinLines ? { stdinLines } : {}),
  });
  stdinLines?.close();
  process.exitCode = code;
} catch (err) {
  runFailsafeHooks();
  process.stderr.write(`<2>evse-agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = EXIT.software;
}
// Let pending writes drain; anything still holding the loop open (a stray timer) must not keep a stopped agent alive.
setTimeout(() => process.exit(), 200).unref();
