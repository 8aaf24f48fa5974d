import type { HardwareOptions } from '../../hal/station-hardware.js';
import { Agent, type BootReason } from '../../app/agent.js';
import { ConfigError, loadConfig } from '../../config/load-config.js';
import { EXIT, exitCodeForStartError } from '../../service/lifecycle.js';
import { createLogger } from '../../service/logger.js';
import { createServiceNotifier, statusLine, type ServiceNotifier } from '../../service/systemd-notify.js';
import { acquireInstanceLock, type InstanceLock } from '../../store/instance-lock.js';
import { untilStopped, type CliIo } from '../io.js';
import { printConfigError } from './check-config.js';

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
  let lock: InstanceLock | undefined;
  try {
    for (;;) {
      let loaded;
      try {
        loaded = loadConfig(file);
      } catch (err) {
        if (err instanceof ConfigError) return printConfigError(io, err);
        throw err;
      }
      const log = createLogger(loaded.config.log.level, io.stderr);
      // Into the log (the journal, at warning priority), as check-config prints them.
      for (const w of loaded.warnings) log.warning(`config: ${w.path}: ${w.message}`);
      notify ??= createServiceNotifier({ log: log.child('systemd') });
      // From the first start on, not from READY: a start that hangs the event loop is caught too.
      stopWatchdog ??= notify.startWatchdog();
      let agent: Agent;
      try {
        // Held across in-process restarts, so that no other instance slips in between.
        lock ??= await acquireInstanceLock(loaded.config.storage.dir);
        agent = await Agent.start(loaded.config, { log, bootReason, ...(hardware.gpio ? { gpio: hardware.gpio } : {}) });
      } catch (err) {
        log.error(`cannot start: ${(err as Error).message}`);
        notify.status(`cannot start: ${(err as Error).message}`);
        return exitCodeForStartError(err);
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
    lock?.release();
    stopWatchdog?.();
    await notify?.close();
  }
}
