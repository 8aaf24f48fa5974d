#!/usr/bin/env node
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CURRENT_LINK, currentVersion, DEFAULT_STATE_DIR, PREVIOUS_LINK, releaseEntry } from './layout.js';
import { finishRollBack, isAwaitingConfirmation, readPendingInstall, rollBackPendingInstall, writePendingInstall, type PendingInstall } from './pending-install.js';

/**
 * The launcher (issue 15, "Installing on the Pi"): what the unit's ExecStart, ExecStopPost and the
 * `evse-agent` command run. It loads `<state>/current/dist/src/cli/main.js` when `current` exists,
 * else the program installed beside the launcher (/opt/evse-agent), in this same process: Node
 * cannot exec(2), and a parent process would take the main PID that systemd's notify and watchdog
 * expect to be the agent's.
 *
 * For `run` with an unconfirmed pending-install.json naming the current release, it counts the
 * start; a release started `maxFailedStarts` times without confirming (each start after the first
 * is a crash or a stop before the CSMS accepted its boot), or past `confirmTimeoutS` since its
 * activation, is rolled back: `current` goes back to `previous` and `rolledBack` is written, for the
 * old release to report InstallationFailed and a security event. A release still within its time
 * gets a timer that rolls back and sends this process SIGTERM (the agent's normal stop: relays
 * open) when the time runs out unconfirmed; systemd's Restart= then starts the previous release.
 * For `failsafe` (ExecStopPost), a current release whose entry does not load (a broken update: the
 * failsafe after the old release's exit already finds it current) hands over to the previous
 * release's entry, else the installed program's, so that the relays are still opened.
 *
 * Usage: launcher.js [--state DIR] [--installed DIR] <evse-agent command> [args...]
 * Node builtins and the two small modules above only: a broken release cannot break the launcher.
 */

interface LauncherArgs {
  stateDir: string;
  installedDir: string;
  command: string[];
}

/** The folder the launcher belongs to: dist/src/release/ (built) or src/release/ (tsx). */
function defaultInstalledDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = path.basename(path.resolve(here, '..', '..')) === 'dist' ? 3 : 2;
  return path.resolve(here, ...Array<string>(up).fill('..'));
}

function parseLauncherArgs(argv: string[], env: NodeJS.ProcessEnv): LauncherArgs {
  // systemd's StateDirectory= sets $STATE_DIRECTORY (colon-separated when there are several).
  let stateDir = env.STATE_DIRECTORY?.split(':')[0] || DEFAULT_STATE_DIR;
  let installedDir = defaultInstalledDir();
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name !== '--state' && name !== '--installed') break;
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${name} needs a folder`);
    if (name === '--state') stateDir = value;
    else installedDir = value;
  }
  return { stateDir: path.resolve(stateDir), installedDir: path.resolve(installedDir), command: argv.slice(i) };
}

function log(level: 'warning' | 'notice', message: string): void {
  // Under systemd the journal takes the priority from the line's <N> prefix (as src/process/logger.ts does).
  const prefix = process.env.JOURNAL_STREAM ? (level === 'warning' ? '<4>' : '<5>') : '';
  process.stderr.write(`${prefix}evse-agent launcher: ${message}\n`);
}

function rollBack(root: string, pending: PendingInstall, reason: string): void {
  const done = rollBackPendingInstall(root, pending, reason);
  log('warning', `release ${pending.version} rolled back to ${done.previous ?? 'the installed program'}: ${reason}`);
}

/** The pending install's bookkeeping for one start of `run`; arms the confirmation timer when it still may confirm. */
function superviseStart(root: string, now: number): void {
  const pending = readPendingInstall(root);
  if (pending?.rolledBack !== undefined) {
    finishRollBack(root, pending);
    return;
  }
  if (!isAwaitingConfirmation(pending) || currentVersion(root) !== pending.version) return;
  const deadline = Date.parse(pending.startedAt) + pending.confirmTimeoutS * 1000;
  if (!existsSync(releaseEntry(path.join(root, CURRENT_LINK)))) {
    rollBack(root, pending, 'its files are missing');
  } else if (pending.starts >= pending.maxFailedStarts) {
    rollBack(root, pending, `started ${pending.starts} times without its boot being accepted`);
  } else if (now >= deadline) {
    rollBack(root, pending, `its boot was not accepted within ${pending.confirmTimeoutS} s`);
  } else {
    writePendingInstall(root, { ...pending, starts: pending.starts + 1 });
    // A clock set back since the activation (a Pi without a real-time clock) must not stretch the wait.
    const remaining = Math.min(deadline - now, pending.confirmTimeoutS * 1000);
    setTimeout(() => {
      const latest = readPendingInstall(root);
      if (!isAwaitingConfirmation(latest) || latest.version !== pending.version) return;
      rollBack(root, latest, `its boot was not accepted within ${pending.confirmTimeoutS} s`);
      process.kill(process.pid, 'SIGTERM');
    }, remaining).unref();
  }
}

/** The entry to load: the current release's, else the installed program's. */
function chooseEntry(stateDir: string, installedDir: string): string {
  const current = releaseEntry(path.join(stateDir, CURRENT_LINK));
  if (existsSync(current)) return current;
  if (currentVersion(stateDir) !== undefined) log('warning', `${path.join(stateDir, CURRENT_LINK)} has no ${path.relative(stateDir, current)}: starting the installed program`);
  const installed = releaseEntry(installedDir);
  // Run from a checkout with tsx (tests), the installed program's entry is the TypeScript source.
  return existsSync(installed) ? installed : path.join(installedDir, 'src', 'cli', 'main.ts');
}

async function launch(): Promise<void> {
  const args = parseLauncherArgs(process.argv.slice(2), process.env);
  if (args.command[0] === 'run') {
    try {
      superviseStart(args.stateDir, Date.now());
    } catch (err) {
      // The bookkeeping failing (a full or read-only disk) must not keep the station from starting.
      log('warning', `pending install not checked: ${(err as Error).message}`);
    }
  }
  const entry = chooseEntry(args.stateDir, args.installedDir);
  // The agent installs firmware updates where this launcher looks for them (src/app/firmware-parts.ts
  // reads $STATE_DIRECTORY), also when it was given by --state rather than by systemd.
  process.env.STATE_DIRECTORY = args.stateDir;
  // The agent reads its command from process.argv as if it had been started directly.
  const node = process.argv[0]!;
  process.argv = [node, entry, ...args.command];
  try {
    await import(pathToFileURL(entry).href);
  } catch (err) {
    // ExecStopPost's failsafe runs after every exit, also of the release that ran before a broken
    // update became `current`: it must still open the relays, with a release that loads.
    const fallback = args.command[0] === 'failsafe' ? failsafeFallback(args.stateDir, args.installedDir, entry) : undefined;
    if (fallback === undefined) throw err;
    log('warning', `${entry} did not load (${(err as Error).message}): running the failsafe of ${fallback}`);
    process.argv = [node, fallback, ...args.command];
    await import(pathToFileURL(fallback).href);
  }
}

/** For a failsafe whose entry did not load: the previous release's entry, else the installed program's. */
function failsafeFallback(stateDir: string, installedDir: string, failed: string): string | undefined {
  const candidates = [releaseEntry(path.join(stateDir, PREVIOUS_LINK)), releaseEntry(installedDir), path.join(installedDir, 'src', 'cli', 'main.ts')];
  return candidates.find((entry) => entry !== failed && existsSync(entry));
}

try {
  await launch();
} catch (err) {
  log('warning', err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 70;
}
