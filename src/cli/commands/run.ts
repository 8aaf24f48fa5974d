import type { HardwareOptions } from '../../hal/station-hardware.js';
import { Agent, type BootReason } from '../../app/agent.js';
import { EXIT } from '../../service/lifecycle.js';
import { createLogger } from '../../service/logger.js';
import { createServiceNotifier, statusLine, type ServiceNotifier } from '../../service/systemd-notify.js';
import { untilStopped, type CliIo } from '../io.js';
import { loadConfigForCommand } from './check-config.js';

/** How often `systemctl status` learns the station's state (sent only when it changed). */
const STATUS_EVERY_MS = 5000;

/**
 * `evse-agent run`: the agent, until stopped. A Reset from the CSMS restarts it in-process: the
 * hardware is closed (relays open), the config read again, and the station boots anew. Under
 * systemd (Type=notify) it reports ready, its state, and pings the watchdog; `notifier` is for tests.
 */
export async function runCommand(
  io: CliIo,
  file: string,
  hardware: Pick<HardwareOptions, 'gpio'> = {},
  notifier?: ServiceNotifier,
): Promise<number> {
  let bootReason: BootReason = 'PowerUp';
  let notify = notifier;
  let stopWatchdog: (() => void) | undefined;
  try {
    for (;;) {
      const loaded = loadConfigForCommand(io, file);
      if (typeof loaded === 'number') return loaded;
      const log = createLogger(loaded.config.log.level, io.stderr);
      notify ??= createServiceNotifier({ log: log.child('systemd') });
      // From the first start on, not from READY: a start that hangs the event loop is caught too.
      stopWatchdog ??= notify.startWatchdog();
      let agent: Agent;
      try {
        agent = await Agent.start(loaded.config, { log, bootReason, ...(hardware.gpio ? { gpio: hardware.gpio } : {}) });
      } catch (err) {
        log.error(`cannot start: ${(err as Error).message}`);
        notify.status(`cannot start: ${(err as Error).message}`);
        return EXIT.unavailable;
      }
      log.info(`running ${loaded.config.station.identity} (OCPP ${loaded.config.ocpp.version} to ${loaded.config.ocpp.url}); Ctrl-C stops`);
      const report = (): void => notify?.status(statusLine(agent.status()));
      notify.ready(statusLine(agent.status()));
      const reporting = setInterval(report, STATUS_EVERY_MS);
      const outcome = await Promise.race([untilStopped(io.stop).then(() => 'stop' as const), agent.restartRequested]);
      clearInterval(reporting);
      if (outcome === 'stop') notify.stopping('stopping');
      else notify.status(`restarting (${outcome})`);
      await agent.stop();
      if (outcome === 'stop') return EXIT.ok;
      log.notice(`restarting (${outcome})`);
      bootReason = outcome;
    }
  } finally {
    stopWatchdog?.();
    await notify?.close();
  }
}
