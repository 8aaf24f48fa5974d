import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StationConfig } from '../config/station-config.js';
import { readKernelBootId, recordDeviceStart, takeCleanStop, unrequestedBootReason, type DeviceStart } from '../process/device-start.js';
import type { GpioDriver } from '../hal/gpio/gpio.js';
import { openStationHardware, type HardwareOptions, type SimulatedWorld, type StationHardware } from '../hal/station-hardware.js';
import { OcppClient, type OcppClientOptions } from '../ocpp/ocpp-client.js';
import type { Logger } from '../process/logger.js';
import type { Clock } from '../station/clock.js';
import type { StationEvent } from '../station/events.js';
import { acquireInstanceLock } from '../store/instance-lock.js';
import { SECURITY_EVENT_JOURNAL_FILE } from '../store/security-log.js';
import { JOURNAL_FILE, TransactionJournal } from '../store/transaction-journal.js';
import { writeRelayMap } from '../store/relay-map.js';

// What Agent.create is made of, and the defaults of each part. A station's state lives in these
// parts and in the objects Agent.create makes from them, never in a module: two stations in one
// process share the event loop and nothing else.

export type BootReason = 'PowerUp' | 'RemoteReset' | 'ScheduledReset' | 'LocalReset' | 'ApplicationReset' | 'Watchdog' | 'FirmwareUpdate' | 'Unknown';
/** FirmwareUpdate: the process ends, so that the launcher loads the new current release (issue 15). */
export type RestartReason = 'RemoteReset' | 'ScheduledReset' | 'FirmwareUpdate';

/** Where the station's files go (journal, settings, device-start notes, relay map). */
export interface AgentStorage {
  /** The folder; the config's storage.dir by default. */
  dir?: string;
  /**
   * A fresh folder of its own under the system's temp dir instead, removed when the agent stops:
   * for stations whose state does not matter beyond their run (a load test of many stations).
   */
  scratch?: boolean;
  /**
   * Whether to take the folder's instance lock (store/instance-lock.ts); default true. A caller
   * that holds it already across restarts (the CLI's loop) may still let the agent take it: the
   * lock counts its holders within a process.
   */
  lock?: boolean;
}

/**
 * The hardware: the drivers the config names (default), optionally on a given GPIO driver and
 * simulated world; everything simulated whatever the config says, on a given world (it outlives
 * the agent) or on one of the agent's own (gone at stop); or a function that opens it (a given
 * set of role drivers). The agent closes what it opened at stop.
 */
export type AgentHardware =
  | { kind: 'config'; gpio?: GpioDriver; world?: SimulatedWorld }
  | { kind: 'simulated'; world?: SimulatedWorld }
  | { kind: 'given'; open(config: StationConfig, options: { log: Logger; clock: Clock }): Promise<StationHardware> };

/** The OCPP connection: how to make the client for the options the agent works out (default: a WebSocket to ocpp.url). */
export interface AgentTransport {
  connect(options: OcppClientOptions): OcppClient;
}

/** Everything one station is built from (Agent.create). */
export interface AgentParts {
  /** A loaded, valid config (load-config.ts). */
  config: StationConfig;
  log: Logger;
  /** Time for the core, the adapters, the hardware and the agent's own waits; the system's by default. */
  clock?: Clock;
  storage?: AgentStorage;
  hardware?: AgentHardware;
  transport?: AgentTransport;
  /** The local API's port when the config says 0 (any): the one an earlier start got, kept across a restart. */
  apiPort?: number;
  /**
   * Whether the local API listens (default true). A fleet of simulated stations in one process
   * (simulate, issue 18) has no use for thousands of listeners, each an open file.
   */
  listenApi?: boolean;
  bootReason?: BootReason;
  /** Where the kernel's boot id comes from (tests); default systemd's EVSE_AGENT_BOOT_ID, else /proc/sys/kernel/random/boot_id. */
  kernelBootId?: () => string | undefined;
}

export const webSocketTransport: AgentTransport = { connect: (options) => new OcppClient(options) };

/**
 * The config the station runs on: its storage in the chosen folder (every part that writes files
 * reads config.storage.dir), and for simulated hardware every line and meter simulated, so that
 * the relay map and the local API say so too.
 */
export function stationConfig(parts: Pick<AgentParts, 'config' | 'storage' | 'hardware'>): StationConfig {
  const { config, storage, hardware } = parts;
  const dir = storage?.dir ?? config.storage.dir;
  const stored = dir === config.storage.dir ? config : { ...config, storage: { ...config.storage, dir } };
  if (hardware?.kind !== 'simulated') return stored;
  return {
    ...stored,
    gpio: { ...stored.gpio, driver: 'simulated' },
    evses: stored.evses.map((e) => ({ ...e, meter: { ...e.meter, driver: 'simulated', link: undefined } })),
  };
}

/**
 * The station's config on its storage (stationConfig), and the storage claimed: the folder's
 * instance lock taken (unless lock: false), or a scratch folder made. `release` gives it back at
 * stop: the lock released, the scratch folder removed.
 */
export async function claimStorage(parts: Pick<AgentParts, 'config' | 'storage' | 'hardware'>): Promise<{ config: StationConfig; release(): void }> {
  const storage = parts.storage ?? {};
  if (storage.scratch) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evse-agent-scratch-'));
    return { config: stationConfig({ ...parts, storage: { ...storage, dir } }), release: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const config = stationConfig(parts);
  if (storage.lock === false) return { config, release: () => undefined };
  const lock = await acquireInstanceLock(config.storage.dir);
  return { config, release: () => lock.release() };
}

/** Opens the chosen hardware for the station's config (stationConfig). */
export function openAgentHardware(choice: AgentHardware | undefined, config: StationConfig, log: Logger, clock: Clock): Promise<StationHardware> {
  const options: HardwareOptions = { logger: log, clock };
  switch (choice?.kind) {
    case undefined:
      return openStationHardware(config, options);
    case 'config':
      return openStationHardware(config, { ...options, gpio: choice.gpio, world: choice.world });
    case 'simulated':
      return openStationHardware(config, { ...options, world: choice.world });
    case 'given':
      return choice.open(config, { log, clock });
  }
}

/** Whether the station's lines are simulated (the local API then offers the simulation routes). */
export function hardwareIsSimulated(choice: AgentHardware | undefined, config: StationConfig): boolean {
  return config.gpio.driver === 'simulated' || (choice?.kind === 'config' && choice.gpio?.kind === 'simulated');
}

/** A readable line for the station's events, for the log. */
export function describeEvent(e: StationEvent): string {
  switch (e.type) {
    case 'ConnectorStatusChanged':
      return `EVSE ${e.evseId} connector ${e.connectorId}: ${e.status}`;
    case 'FaultChanged':
      return `${e.evseId !== undefined ? `EVSE ${e.evseId}` : 'station'} fault ${e.fault} ${e.active ? 'raised' : 'cleared'} (${e.detail})`;
    case 'DeviceProblemChanged':
      return `${e.evseId !== undefined ? `EVSE ${e.evseId} ` : ''}${e.name} ${e.active ? 'fails' : 'works again'} (${e.detail})`;
    case 'TransactionStarted':
      return `EVSE ${e.evseId} transaction ${e.transaction.id} started (${e.trigger}), meter ${(e.transaction.meterStartWh / 1000).toFixed(3)} kWh`;
    case 'TransactionUpdated':
      return `EVSE ${e.evseId} transaction ${e.transaction.id} ${e.trigger}${e.chargingState ? ` -> ${e.chargingState}` : ''}`;
    case 'TransactionEnded':
      return `EVSE ${e.evseId} transaction ${e.transaction.id} ended (${e.stoppedReason}), ${(e.transaction.energyWh / 1000).toFixed(3)} kWh delivered`;
    case 'ReservationEnded':
      return `${e.evseId !== undefined ? `EVSE ${e.evseId} ` : ''}reservation ${e.reservationId} ended (${e.reason})`;
  }
}

const JOURNAL_FILES = { transaction: JOURNAL_FILE, 'security event': SECURITY_EVENT_JOURNAL_FILE, 'monitor event': 'monitor-events.journal' } as const;

/**
 * Opens a journal in storage.dir: the transaction messages' (`transaction`), the critical security
 * events' (`security event`) or the monitor events waiting while offline (`monitor event`). Damaged
 * records are skipped and said; the intact ones are kept.
 */
export function openJournal(dir: string, kind: keyof typeof JOURNAL_FILES, log: Logger): TransactionJournal {
  const journal = TransactionJournal.open(dir, JOURNAL_FILES[kind]);
  if (journal.damage.length > 0) {
    const where = journal.damage.map((d) => `line ${d.line}: ${d.reason}`).join('; ');
    log.error(`${kind} journal damaged: ${journal.damage.length} record(s) skipped (${where}); the intact ones are kept, the damaged file is ${journal.damagedCopy}`);
  }
  if (kind === 'transaction' && (journal.pending.length > 0 || journal.running.length > 0)) {
    log.notice(`recovered from the journal: ${journal.pending.length} transaction message(s) to send, ${journal.running.length} transaction(s) that were running`);
  }
  return journal;
}

/** What this start is: whether the machine booted or only the agent restarted, and the BootNotification's reason. */
export interface StartFacts {
  deviceStart: DeviceStart;
  bootReason: BootReason;
}

/**
 * Works this start's facts out once, when first asked: records the start (the kernel's boot id) and
 * takes the note of a clean stop, so that the note cannot stand for a later crash. A reason given
 * (a test's, or a firmware update's) wins over the one worked out.
 */
export function startFactsOf(config: StationConfig, parts: Pick<AgentParts, 'kernelBootId' | 'bootReason'>): () => StartFacts {
  let facts: StartFacts | undefined;
  return () => {
    if (facts) return facts;
    const deviceStart = recordDeviceStart(config.storage.dir, (parts.kernelBootId ?? readKernelBootId)());
    const stoppedCleanly = takeCleanStop(config.storage.dir);
    return (facts = { deviceStart, bootReason: parts.bootReason ?? unrequestedBootReason(deviceStart, stoppedCleanly) });
  };
}

/** Writes the relay map at a successful start: what `failsafe` opens when the config can no longer be read. */
export function noteRelayMap(config: StationConfig, now: Date, log: Logger): void {
  try {
    writeRelayMap(config.storage.dir, config, now);
  } catch (err) {
    log.warning(`cannot write the relay map in ${config.storage.dir}: ${(err as Error).message}`);
  }
}
