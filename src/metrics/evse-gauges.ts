import type { Registry } from 'prom-client';
import { promClient } from './prom-client.js';
import type { StationStatusView } from '../app/station-status.js';
import type { StationHardware } from '../hal/station-hardware.js';
import type { MeterCounters } from '../station/meter-reading.js';
import type { ChargingState, ConnectorStatus, FaultKind } from '../station/types.js';

export interface EvseGaugeSources {
  /** The view GET /api/status gives (StationStatus.build). */
  status(): StationStatusView;
  hardware: StationHardware;
}

/** Every state a state set knows, so that a dashboard sees 0 for the ones not current (OpenMetrics StateSet). */
const CONNECTOR_STATUSES: readonly ConnectorStatus[] = ['Available', 'Occupied', 'Reserved', 'Faulted', 'Unavailable'];
const CHARGING_STATES: readonly ChargingState[] = ['Idle', 'EVConnected', 'Charging', 'SuspendedEV', 'SuspendedEVSE'];
const FAULT_KINDS: readonly FaultKind[] = ['emergency-stop', 'rcd-trip', 'meter', 'contactor-welded', 'contactor-failed', 'overcurrent', 'vehicle', 'ventilation', 'pilot', 'cable-lock'];
const PHASES = ['L1', 'L2', 'L3'] as const;
/** The meter's error counters by the fault kind they count (meter-health.ts). */
const METER_ERRORS: ReadonlyArray<readonly [string, keyof MeterCounters]> = [
  ['timeout', 'timeouts'],
  ['crc', 'crcErrors'],
  ['exception', 'exceptions'],
  ['io', 'ioErrors'],
  ['rejected-reading', 'rejectedReadings'],
];

type Labels = Record<string, string>;

/**
 * The per EVSE and connector metrics, read at scrape time: status and charging state as state
 * sets (and the protocol's own status, which differs between 1.6 and 2.0.1), the meter's values,
 * the offer and the limit, the relay, the active faults, and the meter's and pilot board's health.
 */
export function evseGauges(registry: Registry, view: () => StationStatusView, sources: EvseGaugeSources): void {
  const { Gauge } = promClient();
  const registers = [registry];
  const gauge = (name: string, help: string, labelNames: string[], fill: (set: (labels: Labels, value: number) => void) => void): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        fill((labels, value) => this.set(labels, value));
      },
    });
  };
  const connectors = (each: (evse: string, connector: string, c: StationStatusView['evses'][number]['connectors'][number]) => void): void => {
    for (const e of view().evses) for (const c of e.connectors) each(String(e.evseId), String(c.connectorId), c);
  };
  gauge('evse_connector_status', 'Connector status as a state set (1 for the current status)', ['evse', 'connector', 'status'], (set) =>
    connectors((evse, connector, c) => {
      for (const status of CONNECTOR_STATUSES) set({ evse, connector, status }, c.status === status ? 1 : 0);
    }),
  );
  gauge('evse_connector_ocpp_status', "The status the CSMS is told (the protocol's own: 1.6 Preparing, Charging, ...; 2.0.1 as evse_connector_status), 1 for the current one", ['evse', 'connector', 'status'], (set) =>
    connectors((evse, connector, c) => {
      // 2.0.1 tells the core's status as it is; 1.6 its own names (describeConnector).
      set({ evse, connector, status: c.ocppStatus?.status ?? c.status }, 1);
    }),
  );
  gauge('evse_connector_charging_state', 'Where the energy flow stands, as a state set (1 for the current state)', ['evse', 'connector', 'state'], (set) =>
    connectors((evse, connector, c) => {
      for (const state of CHARGING_STATES) set({ evse, connector, state }, c.chargingState === state ? 1 : 0);
    }),
  );
  gauge('evse_relay_closed', '1 while the connector contactor is closed', ['evse', 'connector'], (set) =>
    connectors((evse, connector, c) => set({ evse, connector }, c.relayClosed ? 1 : 0)),
  );
  gauge('evse_fault_active', '1 while a fault of this kind is active on the EVSE (station-wide inputs count on every EVSE)', ['evse', 'fault'], (set) => {
    for (const e of view().evses) {
      const active = new Set(e.faults.map((f) => f.fault));
      for (const fault of FAULT_KINDS) set({ evse: String(e.evseId), fault }, active.has(fault) ? 1 : 0);
    }
  });
  const perEvse = (name: string, help: string, value: (e: StationStatusView['evses'][number]) => number | null | undefined): void =>
    gauge(name, help, ['evse'], (set) => {
      for (const e of view().evses) {
        const v = value(e);
        if (v !== null && v !== undefined) set({ evse: String(e.evseId) }, v);
      }
    });
  perEvse('evse_energy_register_wh', "The meter's import energy register, Wh (absent until a good reading)", (e) => e.meter?.registerWh);
  perEvse('evse_session_energy_wh', 'Energy of the running transaction, Wh (0 without one)', (e) => e.transaction?.energyWh ?? 0);
  perEvse('evse_transaction_active', '1 while a transaction runs on the EVSE', (e) => (e.transaction ? 1 : 0));
  perEvse('evse_power_w', 'Active power, W (the last good reading)', (e) => e.meter?.latest?.powerW);
  perEvse('evse_offered_current_a', 'Current offered to the vehicle over the pilot, A per phase (0: none)', (e) => e.offeredCurrentA);
  perEvse('evse_meter_up', "1 while the EVSE's meter answers, 0 once it has failed", (e) => (e.meter ? (e.meter.health === 'failed' ? 0 : 1) : undefined));
  gauge('evse_limit_a', 'The limit in force, A per phase, by who set it (profile, local, evse maximum)', ['evse', 'source'], (set) => {
    for (const e of view().evses) set({ evse: String(e.evseId), source: e.limit.source }, e.limit.valueA);
  });
  const perPhase = (name: string, help: string, key: 'currentL' | 'voltageL', unit: 'A' | 'V'): void =>
    gauge(name, help, ['evse', 'phase'], (set) => {
      for (const e of view().evses) {
        const latest = e.meter?.latest as Record<string, unknown> | null | undefined;
        for (const [i, phase] of PHASES.entries()) {
          const v = latest?.[`${key}${i + 1}${unit}`];
          if (typeof v === 'number') set({ evse: String(e.evseId), phase }, v);
        }
      }
    });
  perPhase('evse_current_a', 'Current per phase, A (the last good reading)', 'currentL', 'A');
  perPhase('evse_voltage_v', 'Voltage per phase, V (the last good reading)', 'voltageL', 'V');
  hardwareCounters(registry, sources.hardware);
}

/** The meter's and the pilot board's error counts, from their health at scrape time. */
function hardwareCounters(registry: Registry, hardware: StationHardware): void {
  const { Counter, Gauge } = promClient();
  const registers = [registry];
  new Counter({
    name: 'evse_meter_errors_total',
    help: 'Meter errors since the agent started, by EVSE and kind (timeout, crc, exception, io, rejected-reading)',
    labelNames: ['evse', 'kind'],
    registers,
    collect() {
      this.reset();
      for (const e of hardware.evses) {
        const counters = e.meter.health.counters;
        for (const [kind, key] of METER_ERRORS) this.inc({ evse: String(e.evseId), kind }, counters[key]);
      }
    },
  });
  new Counter({
    name: 'evse_meter_polls_total',
    help: 'Meter polls since the agent started, by EVSE and outcome (ok, failed)',
    labelNames: ['evse', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const e of hardware.evses) {
        const { goodPolls, failedPolls } = e.meter.health.counters;
        this.inc({ evse: String(e.evseId), outcome: 'ok' }, goodPolls);
        this.inc({ evse: String(e.evseId), outcome: 'failed' }, failedPolls);
      }
    },
  });
  new Counter({
    name: 'evse_pilot_errors_total',
    help: 'Pilot board polls that failed since the agent started, by EVSE',
    labelNames: ['evse'],
    registers,
    collect() {
      this.reset();
      for (const e of hardware.evses) if (e.pilot) this.inc({ evse: String(e.evseId) }, e.pilot.health.failedPolls);
    },
  });
  new Gauge({
    name: 'evse_pilot_board_error',
    help: 'Errors the pilot board reports now (diode-check, ground-fault, ...), 1 while reported',
    labelNames: ['evse', 'error'],
    registers,
    collect() {
      this.reset();
      for (const e of hardware.evses) for (const error of e.pilot?.status?.boardErrors ?? []) this.set({ evse: String(e.evseId), error }, 1);
    },
  });
}
