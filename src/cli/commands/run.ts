import type { HardwareOptions } from '../../hal/station-hardware.js';
import { Agent, type BootReason } from '../../app/agent.js';
import { EXIT } from '../../service/lifecycle.js';
import { createLogger } from '../../service/logger.js';
import { untilStopped, type CliIo } from '../io.js';
import { loadConfigForCommand } from './check-config.js';

/**
 * `evse-agent run`: the agent, until stopped. A Reset from the CSMS restarts it in-process: the
 * hardware is closed (relays open), the config read again, and the station boots anew.
 */
export async function runCommand(io: CliIo, file: string, hardware: Pick<HardwareOptions, 'gpio'> = {}): Promise<number> {
  let bootReason: BootReason = 'PowerUp';
  for (;;) {
    const loaded = loadConfigForCommand(io, file);
    if (typeof loaded === 'number') return loaded;
    const log = createLogger(loaded.config.log.level, io.stderr);
    let agent: Agent;
    try {
      agent = await Agent.start(loaded.config, { log, bootReason, ...(hardware.gpio ? { gpio: hardware.gpio } : {}) });
    } catch (err) {
      log.error(`cannot start: ${(err as Error).message}`);
      return EXIT.unavailable;
    }
    log.info(`running ${loaded.config.station.identity} (OCPP ${loaded.config.ocpp.version} to ${loaded.config.ocpp.url}); Ctrl-C stops`);
    const outcome = await Promise.race([untilStopped(io.stop).then(() => 'stop' as const), agent.restartRequested]);
    await agent.stop();
    if (outcome === 'stop') return EXIT.ok;
    log.notice(`restarting (${outcome})`);
    bootReason = outcome;
  }
}
