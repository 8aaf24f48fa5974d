import type { StationConfig } from '../../config/station-config.js';
import type { Logger } from '../../process/logger.js';
import type { CsmsClock } from '../../services/registration/csms-clock.js';
import type { Registration } from '../../services/registration/registration.js';
import { EventNotifications, VariableMonitoring, type MonitorDefinition, type MonitorEvent, type MonitorStore } from '../../services/monitoring/index.js';
import type { DeviceProblemChanged, FaultChanged } from '../../station/events.js';
import type { TransactionJournal } from '../../store/transaction-journal.js';
import { deviceProblemEventData, faultEventData, notifyEventRequest } from './actions/notify-event.js';
import { componentOf, monitorEventData } from './actions/monitor-events.js';
import type { DeviceModel } from './device-model/device-model.js';
import { DEFAULT_OFFLINE_QUEUING_SEVERITY } from './device-model/monitoring-variables.js';
import { DEVICE_COMPONENT, FAULT_COMPONENT, hardWiredMonitors } from './fault-components.js';
import { watchedDevices, watchedFaults } from './station-device-model.js';

/**
 * Block N's events on 2.0.1: the variable monitors (the version-neutral service) looked at against
 * this station's device model, and the firmware's fault monitors, both reported as NotifyEvent through
 * one outbox that keeps what must wait while offline (OfflineQueuingSeverity).
 */

const MIB = 2 ** 20;

/**
 * The manufacturer's default monitors (N03 FactoryDefault), on the station's health where the
 * device model has the variable: a hot CPU, storage or memory running out.
 */
const PRECONFIGURED: readonly MonitorDefinition[] = [
  { target: { component: 'Controller', variable: 'Temperature' }, type: 'UpperThreshold', value: 80, severity: 4, transaction: false },
  { target: { component: 'Controller', variable: 'StorageFree' }, type: 'LowerThreshold', value: 50 * MIB, severity: 4, transaction: false },
  { target: { component: 'Controller', variable: 'MemoryFree' }, type: 'LowerThreshold', value: 20 * MIB, severity: 5, transaction: false },
];


export interface StationEventsOptions {
  config: StationConfig;
  deviceModel: DeviceModel;
  clock: CsmsClock;
  registration: Registration;
  log: Logger;
  /** Where the monitors are kept; without it, in memory only. */
  store?: MonitorStore;
  /** Where events wait while offline; without it, in memory only. */
  journal?: TransactionJournal;
  /** The transaction running on an EVSE, for the events of its variables. */
  runningOn(evseId: number): string | undefined;
}

export class StationEvents201 {
  readonly monitoring: VariableMonitoring;
  readonly notifications: EventNotifications;

  constructor(private readonly options: StationEventsOptions) {
    const { config, deviceModel, clock, registration, log } = options;
    const intOr = (component: string, variable: string, fallback: number, instance?: string): number => {
      const selector = instance === undefined ? {} : { instance };
      return deviceModel.has(component, variable, selector) ? deviceModel.getInt(component, variable, selector) : fallback;
    };
    this.notifications = new EventNotifications({
      send: (action, payload) => registration.send(action, payload),
      ready$: registration.ready$,
      online: () => registration.online,
      offlineQueuingSeverity: () => intOr('MonitoringCtrlr', 'OfflineQueuingSeverity', DEFAULT_OFFLINE_QUEUING_SEVERITY),
      store: options.journal,
      attempts: () => intOr('OCPPCommCtrlr', 'MessageAttempts', 3, 'TransactionEvent'),
      retryIntervalS: () => intOr('OCPPCommCtrlr', 'MessageAttemptInterval', 60, 'TransactionEvent'),
      clock: clock.local,
      log,
    });
    this.monitoring = new VariableMonitoring({
      clock: clock.local,
      store: options.store,
      preconfigured: PRECONFIGURED.filter((m) => deviceModel.has(m.target.component, m.target.variable)),
      hardwired: hardWiredMonitors(watchedFaults(config), watchedDevices(config)),
      read: (target) => deviceModel.actualValue(componentOf(target), target.instance === undefined ? { name: target.variable } : { name: target.variable, instance: target.instance }),
      emit: (event) => this.#sendMonitorEvent(event),
      enabled: () => !deviceModel.has('MonitoringCtrlr', 'Enabled') || deviceModel.getBool('MonitoringCtrlr', 'Enabled'),
      transactionRunning: (evseId) => {
        const evses = evseId === undefined ? config.evses.map((e) => e.id) : [evseId];
        return evses.some((id) => options.runningOn(id) !== undefined);
      },
      onWarning: (message) => log.warning(message),
    });
  }

  start(): void {
    this.monitoring.start();
  }

  stop(): void {
    this.monitoring.stop();
    this.notifications.stop();
  }

  /**
   * A hardware fault or device problem raised or cleared, as its hard-wired monitor's event on the
   * failing device's component (notify-event.ts); not sent above the monitoring level (N07.FR.15).
   */
  reportChange(e: FaultChanged | DeviceProblemChanged): void {
    const place = e.type === 'FaultChanged' ? FAULT_COMPONENT[e.fault] : DEVICE_COMPONENT[e.device];
    const target = e.evseId === undefined ? { component: place.component, variable: place.variable } : { component: place.component, variable: place.variable, evseId: e.evseId };
    const monitor = this.monitoring.hardWiredOn(target);
    const severity = monitor?.severity ?? place.severity;
    if (severity > this.monitoring.level) return;
    const transactionId = e.evseId === undefined ? undefined : this.options.runningOn(e.evseId);
    const { clock } = this.options;
    const timestamp = clock.iso(e.timestamp);
    const generatedAt = clock.iso(clock.local.now());
    this.notifications.notify(severity, (eventId) => {
      const data = e.type === 'FaultChanged' ? faultEventData(e, eventId, timestamp, transactionId, monitor?.id) : deviceProblemEventData(e, eventId, timestamp, transactionId, monitor?.id);
      return notifyEventRequest(data, generatedAt);
    });
  }

  /** N07/N08: a monitor's event (already within the monitoring level), with the transaction running on its EVSE. */
  #sendMonitorEvent(event: MonitorEvent): void {
    const transactionId = event.target.evseId === undefined ? undefined : this.options.runningOn(event.target.evseId);
    const now = this.options.clock.iso(this.options.clock.local.now());
    this.notifications.notify(event.severity, (eventId) => notifyEventRequest(monitorEventData(event, eventId, now, transactionId), now));
  }
}
