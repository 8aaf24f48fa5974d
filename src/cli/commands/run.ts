import type { HardwareOptions } from '../../hal/station-hardware.js';
import { createServiceNotifier, statusLine, type ServiceNotifier } from '../../process/systemd-notify.js';
import { runAgentLoop } from '../agent-loop.js';
import type { CliIo } from '../io.js';

/** How often `systemctl status` learns the station's state (sent only when it changed). */
const STATUS_EVERY_MS = 5000;

/**
 * `evse-agent run`: the agent, until stopped. A Reset from the CSMS restarts it in-process
 * (agent-loop.ts): the hardware is closed (relays open), the config read again, and the station
 * boots anew. Under systemd (Type=notify) it reports ready, its state, and pings the watchdog;
 * `notifier` is for tests.
 */
export async function runCommand(
  io: CliIo,
  file: string,
  hardware: Pick<HardwareOptions, 'gpio'> = {},
  notifier?: ServiceNotifier,
): Promise<number> {
  let notify = notifier;
  let stopWatchdog: (() => void) | undefined;
  try {
    return await runAgentLoop(io, file, {
      logLevel: (config) => config.log.level,
      gpio: hardware.gpio,
      starting: (log) => {
        notify ??= createServiceNotifier({ log: log.child('systemd') });
        // From the first start on, not from READY: a start that hangs the event loop is caught too.
        stopWatchdog ??= notify.startWatchdog();
      },
      startFailed: (err) => notify?.status(`cannot start: ${err.message}`),
      started: (agent, log) => {
        log.info(`running ${agent.config.station.identity} (OCPP ${agent.config.ocpp.version} to ${agent.config.ocpp.url}); Ctrl-C stops`);
        notify?.ready(statusLine(agent.status()));
        const reporting = setInterval(() => notify?.status(statusLine(agent.status())), STATUS_EVERY_MS);
        return () => clearInterval(reporting);
      },
      stopping: (outcome) => (outcome === 'stop' ? notify?.stopping('stopping') : notify?.status(`restarting (${outcome})`)),
    });
  } finally {
    stopWatchdog?.();
    await notify?.close();
  }
}
