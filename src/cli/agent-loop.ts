import { Agent, type BootReason, type RestartReason } from '../app/agent.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { LogLevel, StationConfig } from '../config/station-config.js';
import type { GpioDriver } from '../hal/gpio/gpio.js';
import { SimulatedWorld } from '../hal/simulated-world.js';
import { EXIT, exitCodeForStartError } from '../process/lifecycle.js';
import { createLogger, teeLogger, type Logger } from '../process/logger.js';
import { AgentLogFile } from '../services/diagnostics/agent-log.js';
import { acquireInstanceLock, type InstanceLock } from '../store/instance-lock.js';
import { loadConfigForCommand } from './commands/check-config.js';
import { untilStopped, type CliIo } from './io.js';

/** Why an agent of the loop stops: the process is stopped, or the CSMS asked for a restart. */
export type AgentOutcome = 'stop' | RestartReason;

/** What `run` and `demo` do around each start of the agent. */
export interface AgentLoopHooks {
  /** The log level of a start's config (demo: warnings only). */
  logLevel(config: StationConfig): LogLevel;
  /** The config of the first start, already read (the demo checked it); read again at each restart. */
  firstConfig?: LoadedConfig;
  /** A GPIO driver instead of the config's (tests); a SimulatedGpio becomes the simulated world's. */
  gpio?: GpioDriver;
  /** Before each start (the watchdog starts here, so a start that hangs is caught too). */
  starting?(log: Logger): void;
  /** The agent could not start; the loop ends with the exit code for why (exitCodeForStartError). */
  startFailed?(err: Error): void;
  /** Each agent once started; `first` on the process' first start. Returns what to undo before it stops. */
  started?(agent: Agent, log: Logger, first: boolean): (() => void) | void;
  /** Before the agent stops, for good or for a restart. */
  stopping?(outcome: AgentOutcome, log: Logger): void;
}

/**
 * The agent until the process is stopped, restarted in-process whenever the CSMS asks (Reset): the
 * one loop `run` and `demo` share. Each start reads the config again and boots with the restart's
 * reason. The simulated world (plug, EV, inputs, contactors, meter registers) is made once here and
 * handed to every start, so what is physically true survives the restart as a cable survives a
 * reboot (B01.FR.05); the local API keeps the port it got.
 */
export async function runAgentLoop(io: CliIo, file: string, hooks: AgentLoopHooks): Promise<number> {
  /** Set by a Reset; for the first start the agent works it out (PowerUp, LocalReset, ApplicationReset). */
  let bootReason: BootReason | undefined;
  let world: SimulatedWorld | undefined;
  let apiPort: number | undefined;
  let preloaded = hooks.firstConfig;
  let lock: InstanceLock | undefined;
  try {
    for (let first = true; ; first = false) {
      const loaded = preloaded ?? loadConfigForCommand(io, file, { printWarnings: false });
      const read = !preloaded;
      preloaded = undefined;
      if (typeof loaded === 'number') return loaded;
      const { config } = loaded;
      const level = hooks.logLevel(config);
      // What a diagnostics archive (GetLog) holds of the agent's log: under systemd the journal
      // keeps the records; otherwise a bounded file in storage.dir does.
      const logFile = process.env['JOURNAL_STREAM'] ? undefined : openAgentLogFile(config.storage.dir);
      const log = logFile ? teeLogger(createLogger(level, io.stderr), (l, m) => logFile.record(l, m), level) : createLogger(level, io.stderr);
      // Into the log (the journal, at warning priority); a preloaded config's were printed already.
      if (read) for (const w of loaded.warnings) log.warning(`config: ${w.path}: ${w.message}`);
      hooks.starting?.(log);
      world ??= new SimulatedWorld({ gpio: hooks.gpio });
      let agent: Agent;
      try {
        // Held across the restarts, so that no other instance slips in between two of them.
        lock ??= await acquireInstanceLock(config.storage.dir);
        agent = await Agent.create({ config, log, hardware: { kind: 'config', gpio: hooks.gpio, world }, bootReason, apiPort });
      } catch (err) {
        log.error(`cannot start: ${(err as Error).message}`);
        hooks.startFailed?.(err as Error);
        return exitCodeForStartError(err);
      }
      apiPort = agent.apiPort;
      const undo = hooks.started?.(agent, log, first);
      const outcome: AgentOutcome = await Promise.race([untilStopped(io.stop).then(() => 'stop' as const), agent.restartRequested]);
      undo?.();
      hooks.stopping?.(outcome, log);
      await agent.stop();
      if (outcome === 'stop') return EXIT.ok;
      // Issue 15: the launcher loads the new current release only in a new process; the unit's
      // Restart=always starts one (run by hand, the agent just stops).
      if (outcome === 'FirmwareUpdate') {
        log.notice('stopping for the new release: the service manager starts it');
        return EXIT.ok;
      }
      log.notice(`restarting (${outcome})`);
      bootReason = outcome;
    }
  } finally {
    lock?.release();
    await world?.close();
  }
}

/** The agent's log file in storage.dir; none when the folder cannot be made (the start then says why, exit 73). */
function openAgentLogFile(dir: string): AgentLogFile | undefined {
  try {
    return new AgentLogFile(dir);
  } catch {
    return undefined;
  }
}
