import { spawn as spawnProcess, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Logger } from './logger.js';

/**
 * The sd_notify protocol (READY=1, STATUS=, WATCHDOG=1, STOPPING=1) for a unit with Type=notify.
 * Node has no unix datagram sockets, so each message is sent by a `systemd-notify` child; the unit
 * needs NotifyAccess=all for systemd to accept it. Nothing here ever throws: a station that cannot
 * tell systemd how it is doing must go on charging.
 */

export type SpawnFunction = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface ServiceNotifierOptions {
  /** Where NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID are read from; also the child's environment. */
  env?: NodeJS.ProcessEnv;
  spawn?: SpawnFunction;
  log?: Logger;
  /** The least time between two STATUS messages; the latest text in between is sent at its end. */
  statusIntervalMs?: number;
  /**
   * Whether systemd-notify waits until the service manager has read the message (its default,
   * through sd_notify_barrier; false passes --no-block). The message of a child that has already
   * exited cannot be tied to its unit, and is dropped even with NotifyAccess=all: waiting is what
   * makes READY=1 and WATCHDOG=1 reliable. The wait happens in the child, never on our event loop.
   */
  waitForManager?: boolean;
  /** The PID messages are sent for (--pid=): the main process of the unit. */
  pid?: number;
}

export interface ServiceNotifier {
  /** False when not started by systemd with Type=notify (no NOTIFY_SOCKET): every call is a no-op. */
  readonly enabled: boolean;
  /** READY=1, with a first status line; sent once, later calls only update the status. */
  ready(status?: string): void;
  /** STATUS=, shown by `systemctl status`: sent on change, at most once per statusIntervalMs. */
  status(text: string): void;
  /** STOPPING=1: the service is shutting down on purpose. */
  stopping(status?: string): void;
  watchdogPing(): void;
  /**
   * Pings WATCHDOG=1 every WATCHDOG_USEC/2 from a timer on this event loop, so a loop that hangs
   * stops the pings and systemd restarts the service. Does nothing unless systemd asked for a
   * watchdog for this very process. Returns the function that stops the pings.
   */
  startWatchdog(): () => void;
  /** Stops the watchdog, sends a pending status, and waits for the messages still on their way. */
  close(): Promise<void>;
}

/** How long one systemd-notify may take: its own barrier gives up after 5 s. */
const CHILD_TIMEOUT_MS = 10_000;
/** How long close() waits for messages on their way (STOPPING=1). */
const CLOSE_WAIT_MS = 2000;

export function createServiceNotifier(options: ServiceNotifierOptions = {}): ServiceNotifier {
  const env = options.env ?? process.env;
  // Looked up at the call: child_process is loaded only under systemd (issue 18, idle memory).
  const spawn: SpawnFunction = options.spawn ?? ((command, args, spawnOptions) => spawnProcess(command, args, spawnOptions));
  const pid = options.pid ?? process.pid;
  const statusIntervalMs = options.statusIntervalMs ?? 1000;
  const enabled = Boolean(env['NOTIFY_SOCKET']);

  const inFlight = new Set<Promise<void>>();
  let warned = false;
  let readySent = false;
  let lastStatus: string | undefined;
  let lastStatusAt = -Infinity;
  let pendingStatus: string | undefined;
  let statusTimer: NodeJS.Timeout | undefined;
  const watchdogTimers = new Set<NodeJS.Timeout>();

  const complain = (message: string): void => {
    // Once as a warning: a missing systemd-notify would otherwise fill the journal every 15 s.
    if (!warned) options.log?.warning(`${message} (further notification problems are logged at debug level)`);
    else options.log?.debug(message);
    warned = true;
  };

  const send = (fields: string[]): void => {
    if (!enabled) return;
    const args = [`--pid=${pid}`, ...(options.waitForManager === false ? ['--no-block'] : []), ...fields];
    let child: ChildProcess;
    try {
      child = spawn('systemd-notify', args, { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL' });
    } catch (err) {
      complain(`cannot run systemd-notify: ${(err as Error).message}`);
      return;
    }
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 500) stderr += chunk.toString();
    });
    const done = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        complain(`cannot run systemd-notify: ${err.message}`);
        resolve();
      });
      child.once('close', (code, signal) => {
        if (code !== 0 && code !== null) complain(`systemd-notify ${fields.join(' ')} failed (exit ${code}): ${stderr.trim()}`);
        // SIGTERM: systemd stopping the unit's whole cgroup, nothing wrong; SIGKILL: our timeout.
        else if (signal === 'SIGTERM') options.log?.debug(`systemd-notify ${fields.join(' ')} stopped by SIGTERM`);
        else if (signal) complain(`systemd-notify ${fields.join(' ')} killed by ${signal}`);
        resolve();
      });
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  const statusField = (text: string): string => `STATUS=${oneLine(text)}`;

  const markStatusSent = (text: string): void => {
    lastStatus = text;
    lastStatusAt = Date.now();
    if (pendingStatus === text) pendingStatus = undefined;
  };

  const sendPendingStatus = (): void => {
    const text = pendingStatus;
    pendingStatus = undefined;
    if (text === undefined || text === lastStatus) return;
    send([statusField(text)]);
    markStatusSent(text);
  };

  const cancelStatusTimer = (): void => {
    if (statusTimer) clearTimeout(statusTimer);
    statusTimer = undefined;
  };

  const stopWatchdogs = (): void => {
    for (const t of watchdogTimers) clearInterval(t);
    watchdogTimers.clear();
  };

  const status = (text: string): void => {
    if (!enabled) return;
    const line = oneLine(text);
    if (line === lastStatus && pendingStatus === undefined) return;
    pendingStatus = line;
    if (statusTimer) return; // the timer sends the latest text
    const wait = lastStatusAt + statusIntervalMs - Date.now();
    if (wait <= 0) {
      sendPendingStatus();
      return;
    }
    statusTimer = setTimeout(() => {
      statusTimer = undefined;
      sendPendingStatus();
    }, wait);
    statusTimer.unref();
  };

  const watchdogPing = (): void => send(['WATCHDOG=1']);

  return {
    enabled,

    ready(text) {
      if (!enabled) return;
      if (readySent) {
        if (text !== undefined) status(text);
        return;
      }
      readySent = true;
      send(['READY=1', ...(text === undefined ? [] : [statusField(text)])]);
      if (text !== undefined) markStatusSent(oneLine(text));
    },

    status,

    stopping(text) {
      if (!enabled) return;
      cancelStatusTimer();
      pendingStatus = undefined;
      send(['STOPPING=1', ...(text === undefined ? [] : [statusField(text)])]);
      if (text !== undefined) markStatusSent(oneLine(text));
    },

    watchdogPing,

    startWatchdog() {
      const intervalMs = watchdogIntervalMs(env, pid);
      if (!enabled || intervalMs === undefined) return () => undefined;
      watchdogPing();
      const timer = setInterval(watchdogPing, intervalMs);
      // The agent's own handles keep the process alive; the pings alone must not.
      timer.unref();
      watchdogTimers.add(timer);
      return () => {
        clearInterval(timer);
        watchdogTimers.delete(timer);
      };
    },

    async close() {
      stopWatchdogs();
      cancelStatusTimer();
      sendPendingStatus();
      // Bounded: a stop must not wait on a service manager that does not answer.
      let timer: NodeJS.Timeout | undefined;
      const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)));
      await Promise.race([Promise.all([...inFlight]), giveUp]);
      clearTimeout(timer);
    },
  };
}

/**
 * Half the watchdog period systemd asked for (WATCHDOG_USEC), in ms; undefined when there is no
 * watchdog, or it is meant for another process (WATCHDOG_PID).
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number = process.pid): number | undefined {
  const usec = Number(env['WATCHDOG_USEC']);
  if (!env['WATCHDOG_USEC'] || !Number.isFinite(usec) || usec <= 0) return undefined;
  const forPid = env['WATCHDOG_PID'];
  if (forPid && Number(forPid) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

/** A status for a one-line field: systemd-notify sends one field per line. */
function oneLine(text: string): string {
  const line = text.replace(/\s*\r?\n\s*/g, ' | ').trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** The parts of the agent's status (GET /api/status) that a one-line summary shows. */
export interface AgentStatusSummary {
  connection?: { connected?: boolean; bootState?: string };
  evses?: Array<{
    evseId: number;
    connectors?: Array<{ connectorId: number; status: string; chargingState?: string; faults?: readonly string[] }>;
    transaction?: { energyWh?: number } | null;
  }>;
}

/**
 * The agent's state in one line for `systemctl status`, e.g.
 * "CSMS connected (Accepted); EVSE 1: Occupied/Charging 3.25 kWh, EVSE 2: Available".
 */
export function statusLine(status: AgentStatusSummary): string {
  const c = status.connection;
  const csms = c?.connected ? `CSMS connected (${c.bootState ?? 'unknown'})` : 'CSMS not connected';
  const evses = (status.evses ?? []).map((e) => {
    const connectors = e.connectors ?? [];
    const states = connectors.map((k) => {
      const charging = k.chargingState && k.chargingState !== 'Idle' ? `/${k.chargingState}` : '';
      const faults = k.faults && k.faults.length > 0 ? ` (${k.faults.join(', ')})` : '';
      return `${k.status}${charging}${faults}`;
    });
    const energy = typeof e.transaction?.energyWh === 'number' ? ` ${(e.transaction.energyWh / 1000).toFixed(2)} kWh` : '';
    const what = connectors.length === 1 ? states[0] : connectors.map((k, i) => `#${k.connectorId} ${states[i]}`).join(' ');
    return `EVSE ${e.evseId}: ${what || 'no connector'}${energy}`;
  });
  return evses.length > 0 ? `${csms}; ${evses.join(', ')}` : csms;
}
