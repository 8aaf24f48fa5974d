import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Subscription } from 'rxjs';
import { HttpApi } from '../api/http-api.js';
import type { StationConfig } from '../config/station-config.js';
import type { GpioDriver } from '../hal/gpio/gpio.js';
import type { SimulatedWorld, StationHardware } from '../hal/station-hardware.js';
import type { OcppClient } from '../ocpp/ocpp-client.js';
import type { DeviceModel } from '../ocpp/v201/device-model/device-model.js';
import type { ConfigurationStore } from '../ocpp/v16/configuration/configuration-store.js';
import type { V16Adapter } from '../ocpp/v16/v16-adapter.js';
import type { ProtocolAdapter } from '../ocpp/protocol-adapter.js';
import type { V201Adapter } from '../ocpp/v201/v201-adapter.js';
import { MonitorStore } from '../services/monitoring/index.js';
import { reviveSnapshot } from '../station/events.js';
import { packageRoot } from '../paths.js';
import { onFailsafe, StartError } from '../process/lifecycle.js';
import type { Logger } from '../process/logger.js';
import { AuthorizationCache, LocalAuthorizationList, LocalAuthorizer } from '../services/authorization/index.js';
import { systemClock, waitAtMost, type Clock } from '../station/clock.js';
import { Station } from '../station/station.js';
import { JsonFileStore } from '../store/json-file-store.js';
import { SessionHistory } from '../services/session-history/index.js';
import { afterSignedDocuments, signedReadingsOf } from './signed-metering-parts.js';
import { TransactionJournal } from '../store/transaction-journal.js';
import { SecurityLog } from '../store/security-log.js';
import { startSecurityEvent, watchSecurity } from '../services/security-events/index.js';
import { recordCleanStop } from '../process/device-start.js';
import {
  claimStorage,
  describeEvent,
  hardwareIsSimulated,
  openAgentHardware,
  noteRelayMap,
  openJournal,
  startFactsOf,
  webSocketTransport,
  type AgentParts,
  type RestartReason,
} from './agent-parts.js';
import { apiBackend, apiOptions } from './api-backend.js';
import { followCardReaders } from './card-readers.js';
import { connectClient, followConnection } from './network-parts.js';
import { certificateService, openConnectionSecurity } from './security-parts.js';
import { certificateRenewal } from './renewal-parts.js';
import { ChargingControl } from './charging-control.js';
import { stationDiagnostics } from './diagnostics-parts.js';
import { firmwareBootReason, stationFirmware } from './firmware-parts.js';
import type { FirmwareUpdates } from '../services/firmware/index.js';
import type { LogRequests } from '../services/diagnostics/log-requests.js';
import { followSafetyInputs } from './safety-inputs.js';
import { evsePortFrom } from './station-ports.js';
import { StationStatus, type StationStatusView } from './station-status.js';
import { StationMetrics } from '../metrics/index.js';
import { StatusLeds } from './status-leds.js';
import { loadVersionModules } from './ocpp-versions.js';
import { durableUnder } from '../store/disk-sync.js';

export type { AgentHardware, AgentParts, AgentStorage, AgentTransport, BootReason, RestartReason } from './agent-parts.js';

/**
 * Agent.start's options: Agent.create's, on the config's own storage, transport and hardware, the
 * latter on a given GPIO driver (tests) or simulated world (made once per process by the CLI so
 * that it outlives a restart of the agent, as a cable outlives a reboot).
 */
export type AgentOptions = Pick<AgentParts, 'log' | 'apiPort' | 'bootReason' | 'kernelBootId'> & { gpio?: GpioDriver; world?: SimulatedWorld };

export function firmwareVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The composition root: config -> hardware -> charging core -> OCPP adapter -> local API. Every
 * effect (GPIO, Modbus, sockets, disk) is wired here, at the edge; the core sees only ports.
 */
export class Agent {
  private readonly subscriptions: Subscription[] = [];
  private readonly leds: StatusLeds[] = [];
  private statusView: StationStatus | undefined;
  /** The charging profiles and the local limits: what each EVSE may offer. */
  chargingControl: ChargingControl | undefined;
  /** Log uploads the CSMS asked for (GetLog, GetDiagnostics). */
  logRequests: LogRequests | undefined;
  /** Firmware updates the CSMS asked for (UpdateFirmware, SignedUpdateFirmware). */
  firmwareUpdates: FirmwareUpdates | undefined;
  private removeFailsafe: () => void = () => undefined;
  private releaseStorage: () => void = () => undefined;
  journal: TransactionJournal | undefined;
  /** Where critical security events (both versions) and monitor events (2.0.1) wait for the CSMS. */
  eventJournals: { security?: TransactionJournal; monitor?: TransactionJournal } = {};
  private restartResolve: (reason: RestartReason) => void = () => undefined;
  /** Resolves when the CSMS asked for a restart (Reset); the runner then stops and starts again. */
  readonly restartRequested: Promise<RestartReason>;
  apiPort = 0;

  private constructor(
    readonly config: StationConfig,
    readonly hardware: StationHardware,
    readonly station: Station,
    readonly client: OcppClient,
    readonly adapter: ProtocolAdapter,
    private readonly version: { deviceModel?: DeviceModel; configuration?: ConfigurationStore; v201?: V201Adapter; v16?: V16Adapter },
    private readonly api: HttpApi,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {
    this.restartRequested = new Promise((resolve) => (this.restartResolve = resolve));
  }

  /** The OCPP 2.0.1 device model (2.0.1 only). */
  get deviceModel(): DeviceModel {
    if (!this.version.deviceModel) throw new Error('the station speaks OCPP 1.6: it has configuration keys, not a device model');
    return this.version.deviceModel;
  }

  /** The OCPP 1.6 configuration keys (1.6 only). */
  get configuration(): ConfigurationStore {
    if (!this.version.configuration) throw new Error('the station speaks OCPP 2.0.1: it has a device model, not configuration keys');
    return this.version.configuration;
  }

  get v201(): V201Adapter {
    if (!this.version.v201) throw new Error('the station does not speak OCPP 2.0.1');
    return this.version.v201;
  }

  get v16(): V16Adapter {
    if (!this.version.v16) throw new Error('the station does not speak OCPP 1.6');
    return this.version.v16;
  }

  /** A station on the config's hardware, storage and CSMS: Agent.create with those defaults. */
  static start(config: StationConfig, options: AgentOptions): Promise<Agent> {
    const { gpio, world, ...rest } = options;
    return Agent.create({ ...rest, config, hardware: { kind: 'config', gpio, world } });
  }

  /**
   * Builds and starts one whole station from its parts (agent-parts.ts): config, clock, storage,
   * hardware and transport, each defaulting to what the config says and the system's clock.
   * Everything the station keeps is made here, so two stations in one process share nothing but
   * the event loop (and read-only caches: compiled schemas, meter profiles).
   */
  static async create(parts: AgentParts): Promise<Agent> {
    const { log } = parts;
    const clock = parts.clock ?? systemClock;
    // First of all: a second agent on this storage.dir must not get as far as the GPIO.
    const { config, release: releaseStorage } = await claimStorage(parts);
    const hardware = await openAgentHardware(parts.hardware, config, log.child('hardware'), clock).catch((err: unknown) => {
      releaseStorage();
      throw new StartError('hardware', `cannot open the hardware: ${(err as Error).message}`, { cause: err });
    });
    const removeFailsafe = onFailsafe(() => hardware.openAllRelays());
    let journal: TransactionJournal | undefined;
    const eventJournals: Agent['eventJournals'] = {};
    try {
      const firmware = firmwareVersion();
      // The configured OCPP version's adapter and settings only (issue 18).
      const { v201: v201Modules, v16: v16Modules } = await loadVersionModules(config.ocpp.version);
      // The core and the adapter need each other's answers; each reads the other only when asked.
      // Assigned once each, below the closures that read them (prefer-const cannot tell).
      // eslint-disable-next-line prefer-const
      let station: Station | undefined;
      let adapter!: ProtocolAdapter;
      // eslint-disable-next-line prefer-const
      let agent: Agent | undefined;
      const store = new JsonFileStore(config.storage.dir, (m) => log.warning(m));
      // Issue 16: GET /metrics; its frame observer counts the OCPP traffic from the first connection on.
      const metrics = new StationMetrics(store, config.ocpp.version, () => clock.nowMs(), (m) => log.warning(m));
      // Issue 14: the ended sessions, for GET /api/sessions and CustomerInformation (N09/N10).
      const sessionHistory = new SessionHistory(store, { stationId: config.station.identity, onWarning: (m) => log.warning(m) });
      // C13/C14, D01 (1.6: Local Auth List Management): the list the CSMS keeps on the station.
      const localList = new LocalAuthorizationList(store, { clock: { now: () => adapter.clock.now() }, onWarning: (m) => log.warning(m) });
      // Made once the station is (below); the device model reads its count live.
      const made: { control?: ChargingControl } = {};
      const installedProfiles = (): number => made.control?.smartCharging.installed().length ?? 0;
      // Issue 15: the certificate store (M03-M05, A02/A03) and the network profiles (B09/B10, A05) that connect with it.
      const { network, certificates } = openConnectionSecurity(config, { store, log, clock });
      const settings =
        v201Modules
          ? v201Modules.v201DeviceConfiguration(config, firmware, log, { station: () => station, hardware, localList, adapter: () => adapter, installedProfiles, monitoring: () => versionParts.v201?.monitoring, reconnectCount: () => client.reconnectCount, network: network.live, certificateEntries: () => certificates.count() })
          : v16Modules.v16DeviceConfiguration(config, log, network.live);
      network.sources.settings = settings;
      // N01 / 1.6 GetDiagnostics: the last frames, and log requests packing them with the rest.
      const diagnostics = stationDiagnostics(config, { clock, log: log.child('diagnostics'), hardware, status: () => agent?.status(), deviceModel: settings.deviceModel });
      const client = connectClient(parts.transport ?? webSocketTransport, config, settings, { network, log: log.child('ocpp'), clock, onFrame: (d, text) => (diagnostics.frameRing.record(d, text), metrics.traffic.frame(d, text)) });
      // C10-C15: cache and list in front of the CSMS, and the rules for when it cannot be reached.
      const authorizer = new LocalAuthorizer({
        remote: { authorize: (token, evseId) => adapter.authorizer.authorize(token, evseId) },
        cache: new AuthorizationCache(store, { lifetimeS: settings.cacheLifetimeS, clock: { now: () => adapter.clock.now() }, onWarning: (m) => log.warning(m) }),
        list: localList,
        // Authorize can be sent only on a connection the CSMS has accepted.
        online: () => adapter.registration.online,
        settings: settings.localAuthorization,
        onWarning: (m) => log.warning(m),
      });
      journal = openJournal(config.storage.dir, 'transaction', log);
      const running = journal.running;
      station = new Station({
        evses: hardware.evses.map((e, i) => evsePortFrom(e, config.evses[i]!, () => journal?.messagesOnDisk())),
        settings: settings.charging,
        authorization: config.charging.authorization === 'free' && config.charging.freeIdToken ? { mode: 'free', idToken: config.charging.freeIdToken } : { mode: 'csms' },
        authorizer,
        store,
        onStoreError: (m) => log.error(m),
        recovered: running.map((t) => reviveSnapshot(t.snapshot)),
        safety: config.safety,
        clock,
      });
      const deviceModel = settings.deviceModel;
      const control = new ChargingControl(config, station, hardware, {
        clock,
        log: log.child('smart-charging'),
        rules: () => (v201Modules ? v201Modules.deviceModelSmartChargingRules(deviceModel!) : v16Modules.v16SmartChargingRules(settings.configuration!)),
      });
      made.control = control;
      // Issue 15 (L01/L02, 1.6 UpdateFirmware / SignedUpdateFirmware): new releases, installed beside this one.
      const firmwareUpdates = stationFirmware(config, { clock, log: log.child('firmware'), store, station, certificates, deviceModel: settings.deviceModel, runningVersion: firmware, raise: (e) => adapter.securityEvents.raise(e), restart: () => agent?.restartResolve('FirmwareUpdate') });
      const common = {
        config,
        station,
        client,
        log: log.child('ocpp'),
        firmwareVersion: firmware,
        latestReading: (evseId: number) => hardware.evses.find((e) => e.evseId === evseId)?.meter.latest,
        journal,
        localAuthorizer: authorizer,
        maxQueuedMessages: config.storage.maxQueuedMessages,
        clock,
        smartCharging: control.smartCharging,
        logRequests: diagnostics.logRequests,
        firmware: firmwareUpdates,
        signedReadings: signedReadingsOf(config, { store, log: log.child('signed-metering'), firmwareVersion: firmware, meters: hardware.evses, clock }),
        // A04: the local security log, and the critical events waiting on disk for the CSMS.
        securityJournal: (eventJournals.security = openJournal(config.storage.dir, 'security event', log)),
        securityLog: new SecurityLog(config.storage.dir),
        certificates: certificateService(certificates, config, () => network.profiles.securityProfile),
        // A02/A03: the station certificate renewed on the CSMS's trigger and a month before it expires.
        certificateRenewal: certificateRenewal(config, { store: certificates, deviceModel: settings.deviceModel, configuration: settings.configuration, client, clock, log: log.child('certificates') }),
      };
      const versionParts: { deviceModel?: DeviceModel; configuration?: ConfigurationStore; v201?: V201Adapter; v16?: V16Adapter } = {};
      // Worked out once, as the adapter starts: after the local API's port is bound, so that a start
      // that fails before (a busy port) is not remembered and raises no security event.
      const startFacts = startFactsOf(config, { ...parts, bootReason: parts.bootReason ?? firmwareBootReason(config) });
      if (v201Modules) {
        const monitorEventJournal = openJournal(config.storage.dir, 'monitor event', log);
        eventJournals.monitor = monitorEventJournal;
        const v201 = new v201Modules.V201Adapter({
          ...common,
          deviceModel: settings.deviceModel!,
          bootReason: () => startFacts().bootReason,
          store,
          externalLimits$: control.external$,
          sessionHistory,
          // N02-N08: the variable monitors kept in storage.dir, their events waiting there while offline.
          monitoring: { store: new MonitorStore(config.storage.dir, (m) => log.warning(m)), journal: monitorEventJournal },
          restart: (reason) => agent?.restartResolve(reason),
          network: network.profiles,
        });
        Object.assign(versionParts, { deviceModel: settings.deviceModel, v201 });
        adapter = v201;
      } else {
        const v16 = new v16Modules.V16Adapter({
          ...common,
          configuration: settings.configuration!,
          store,
          meterType: config.evses[0]?.meter.profile.model,
          restart: (reason) => agent?.restartResolve(reason),
          network: network.profiles,
        });
        Object.assign(versionParts, { configuration: settings.configuration, v16 });
        adapter = v16;
      }
      const simulated = hardwareIsSimulated(parts.hardware, config);
      const api = new HttpApi(apiBackend({ config, station, hardware, adapter, simulated, sessionHistory, metrics, status: () => agent!.status() }), log.child('api'), apiOptions(config, simulated));
      agent = new Agent(config, hardware, station, client, adapter, versionParts, api, log, clock);
      // Before the station starts: the causes of the faults found at start are kept too.
      const leds = agent.leds;
      agent.statusView = new StationStatus({
        config,
        station,
        hardware,
        client,
        adapter,
        firmwareVersion: firmware,
        journal: () => agent?.journal,
        ledsOf: (evseId) => leds[station!.evses.findIndex((e) => e.id === evseId)]?.shown,
        clock,
        limitOf: (evseId) => control.limits.limitOf(evseId),
      });
      const journalBytes = (): number => [agent.journal, ...Object.values(eventJournals)].reduce((n, j) => n + (j?.bytes ?? 0), 0);
      agent.subscriptions.push(metrics.follow({ status: () => agent!.status(), hardware, station, reconnectCount: () => client.reconnectCount, journalBytes }));
      Object.assign(agent, { chargingControl: control, logRequests: diagnostics.logRequests, firmwareUpdates, journal, eventJournals });
      agent.removeFailsafe = removeFailsafe;
      agent.releaseStorage = releaseStorage;
      agent.subscriptions.push(station.events$.subscribe((e) => log.info(describeEvent(e))), sessionHistory.follow(afterSignedDocuments(station.events$, common.signedReadings), { limits$: control.limits.changes$, now: () => clock.now(), ocmf: (e) => common.signedReadings?.documents(e) }));
      // The port first: the last thing that can fail, before anything of this start is remembered.
      const apiPort = config.api.port === 0 && parts.apiPort ? parts.apiPort : config.api.port;
      if (parts.listenApi !== false) {
        agent.apiPort = await api.listen(config.api.host, apiPort).catch((err: unknown) => {
          throw new StartError('listen', `cannot listen on ${config.api.host}:${apiPort} for the local API: ${(err as Error).message}`, { cause: err });
        });
      }
      const { bootReason, deviceStart } = startFacts();
      adapter.start();
      // Every security event the station observes, both versions (services/security-events/security-watch.ts).
      const settingChanges$ = settings.deviceModel?.changes$ ?? settings.configuration!.changes$;
      const timeAdjustmentThresholdS = settings.deviceModel && (() => settings.deviceModel!.getInt('ClockCtrlr', 'TimeAdjustmentReportingThreshold'));
      agent.subscriptions.push(watchSecurity({ events: adapter.securityEvents, clock, startEvent: startSecurityEvent(bootReason, deviceStart), connection: client, time: adapter.clock, settingChanges$, timeAdjustmentThresholdS }));
      station.start();
      control.start();
      agent.subscriptions.push(...followSafetyInputs(hardware.inputs, station));
      agent.subscriptions.push(...followCardReaders(hardware.readers, station, log));
      agent.subscriptions.push(...followConnection(client, network.profiles, { deviceModel: settings.deviceModel, raise: (e) => adapter.securityEvents.raise(e), log: log.child('network') }));
      for (const [i, e] of station.evses.entries()) agent.leds.push(StatusLeds.forEvse(e, hardware.evses[i]!.leds, config.ledPatterns, clock));
      for (const [i, e] of hardware.evses.entries()) e.meter.start(config.evses[i]!.meter.pollIntervalMs);
      if (parts.listenApi !== false) log.info(`local API on http://${config.api.host}:${agent.apiPort}/api/status`);
      client.start();
      noteRelayMap(config, clock.now(), log);
      return agent;
    } catch (err) {
      hardware.openAllRelays();
      removeFailsafe();
      journal?.close();
      for (const j of Object.values(eventJournals)) j.close();
      await hardware.close();
      releaseStorage();
      throw err;
    }
  }

  /** GET /api/status (and the STATUS line under systemd): see StationStatus. */
  status(): StationStatusView {
    return this.statusView!.build();
  }

  /** How long a final reading can take when the meter does not answer: every attempt timing out, and a margin. */
  private finalReadingBoundMs(): number {
    // A poll that fails stops at its first request that exhausts its attempts; two requests' worth is ample.
    const worst = Math.max(0, ...this.config.evses.map((e) => 2 * (1 + e.meter.retries) * (e.meter.timing.timeoutMs + e.meter.timing.interRequestDelayMs)));
    return Math.min(FINAL_READING_CAP_MS, worst + 500);
  }

  /**
   * Stops the agent. Every relay opens first, at once. A clean stop (the default: SIGTERM, a
   * restart) then ends running transactions with reason Reboot, queued durably, and gives the CSMS,
   * when connected, up to ocpp.shutdownDeliveryTimeoutS to have them before this resolves; what is
   * not delivered by then stays queued and is sent at the next start. `endTransactions: false`
   * leaves them running, as a crash or a power cut does, for the next start to end with PowerLoss.
   */
  async stop(options: { endTransactions?: boolean } = {}): Promise<void> {
    this.log.info('stopping: opening every relay');
    this.hardware.openAllRelays();
    const deadline = this.clock.nowMs() + this.config.ocpp.shutdownDeliveryTimeoutS * 1000;
    // In the same tick as the relays: no session may close one again or start anew.
    const running = this.station.transactions().length;
    if (options.endTransactions !== false) {
      if (running > 0) this.log.notice(`clean stop: ending ${running} running transaction(s) (Reboot)`);
      // Ending is local (a final reading, then the journal) and may outlast the delivery time: a
      // meter that does not answer takes its timeouts before the last good reading is used. Left
      // unfinished it would come back as PowerLoss, so it gets the meter's own bound.
      await untilOrDeadline(this.clock, this.station.shutdown(), Math.max(deadline, this.clock.nowMs() + this.finalReadingBoundMs()));
    }
    for (const s of this.subscriptions) s.unsubscribe();
    this.chargingControl?.stop();
    this.logRequests?.stop();
    this.firmwareUpdates?.stop();
    for (const l of this.leds) l.stop();
    this.statusView?.stop();
    // Transactions that just ended have their last messages on the way: let them arrive.
    await this.adapter.drain(Math.max(0, deadline - this.clock.nowMs()));
    await this.adapter.stop();
    await this.client.stop();
    this.station.stop();
    await this.api.close();
    await this.hardware.close();
    this.journal?.close();
    for (const j of Object.values(this.eventJournals)) j.close();
    // The next start's BootNotification says LocalReset, not ApplicationReset (a crash).
    if (options.endTransactions !== false) {
      try {
        recordCleanStop(this.config.storage.dir, this.clock.now());
      } catch (err) {
        this.log.warning(`cannot note the clean stop in ${this.config.storage.dir}: ${(err as Error).message}`);
      }
    }
    // What was written behind (settings, history) is on disk before the storage is let go.
    await durableUnder(this.config.storage.dir);
    this.removeFailsafe();
    this.releaseStorage();
  }
}

/** The most a clean stop waits for the final meter readings (systemd's TimeoutStopSec is 20 s). */
const FINAL_READING_CAP_MS = 10_000;

/** Waits for `promise`, but not past `deadline` (ms since the epoch, on `clock`). */
function untilOrDeadline(clock: Clock, promise: Promise<void>, deadline: number): Promise<void> {
  return waitAtMost(clock, promise, deadline - clock.nowMs());
}
