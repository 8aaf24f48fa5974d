import { distinctUntilChanged, map, merge, type Observable } from 'rxjs';
import type { LiveChange, LiveFeed } from '../api/event-stream.js';
import type { ApiBackend, HttpApiOptions, LocalStop } from '../api/http-api.js';
import { installerSummary } from '../api/installer-summary.js';
import { liveOcpiLocation } from '../api/ocpi-location.js';
import type { SimulationLevers } from '../api/sim-routes.js';
import type { StationConfig } from '../config/station-config.js';
import type { StationHardware } from '../hal/station-hardware.js';
import type { ProtocolAdapter } from '../ocpp/protocol-adapter.js';
import { HostHealth } from '../process/host-health.js';
import { sessionView, type SessionHistory } from '../services/session-history/index.js';
import type { Station } from '../station/station.js';
import { JOURNAL_FILE } from '../store/transaction-journal.js';
import type { StationMetrics } from '../metrics/index.js';

/** What the local API may do to the agent, and which of its optional routes exist. */

export interface ApiBackendParts {
  config: StationConfig;
  station: Station;
  hardware: StationHardware;
  adapter: ProtocolAdapter;
  /** The hardware is simulated (the config's, or a simulated GPIO a test handed in). */
  simulated: boolean;
  status(): object;
  /** The ended sessions (GET /api/sessions); without it the list is empty. */
  sessionHistory?: SessionHistory;
  /** The agent's version, for the installer view; the status view's by default. */
  version?: string;
  /** The host's health for the installer view (tests: files of their own); storage.dir's by default. */
  host?: HostHealth;
  /** The station's Prometheus metrics (GET /metrics); without it the route answers 404. */
  metrics?: StationMetrics;
}

/**
 * The sim routes and the fault-clearing action exist with simulated hardware, or with real
 * hardware when the config enables them; a token guards every route when one is configured.
 */
export function apiOptions(config: StationConfig, simulated: boolean): HttpApiOptions {
  return {
    token: config.api.token,
    routes: { simulation: simulated || config.api.simulation, faultClearing: simulated || config.api.allowFaultClearing },
  };
}

export function apiBackend(p: ApiBackendParts): ApiBackend {
  // The status view says whether the levers exist: the status page shows its developer panel then.
  const status = (): object => ({ ...p.status(), simulated: p.simulated });
  const live: LiveFeed = {
    changes$: liveChanges(p),
    status,
    charging: () => p.station.transactions().length > 0,
  };
  let host = p.host;
  const version = (): string => p.version ?? String((p.status() as { version?: unknown }).version ?? 'unknown');
  return {
    status,
    live,
    presentIdToken: (evseId, token) => p.station.presentIdToken(evseId, token),
    clearFaults: (evseId) => p.station.clearLatchedFaults(evseId),
    stopTransaction: (id) => stopLocally(p.station, p.adapter, id),
    simulation: () => (p.simulated ? simulationLevers(p.config, p.hardware) : undefined),
    ...sessionRoutes(p.sessionHistory),
    installer: () => {
      host ??= new HostHealth({ storageDir: p.config.storage.dir, journalFile: JOURNAL_FILE });
      return installerSummary({ config: p.config, version: version(), host, simulated: p.simulated });
    },
    metrics: p.metrics ? () => p.metrics!.scrape() : undefined,
    ocpiLocation: () => liveOcpiLocation(p.config, p.station, new Date()),
  };
}

/**
 * What changes the status page shows beyond the station's events: the OCPP connection and boot
 * state (registration's ready$ follows both), meter, pilot and reader health, the vehicle's state
 * letter, and a meter reading whose power moved by POWER_STEP_W or more (the page has each change
 * within a second; the stream coalesces to one status per 200 ms), besides the status every second
 * while charging.
 */
const POWER_STEP_W = 100;

function liveChanges(p: ApiBackendParts): Observable<LiveChange> {
  const status = (): LiveChange => 'status';
  const hardware = p.hardware.evses.flatMap((e) => [
    e.meter.health$.pipe(map((h) => h.state), distinctUntilChanged(), map(status)),
    e.meter.readings$.pipe(
      map((r) => r.powerW ?? 0),
      distinctUntilChanged((a, b) => Math.abs(a - b) < POWER_STEP_W),
      map(status),
    ),
    ...(e.pilot ? [e.pilot.health$.pipe(map((h) => h.state), distinctUntilChanged(), map(status)), e.pilot.status$.pipe(map((s) => s.vehicleState), distinctUntilChanged(), map(status))] : []),
  ]);
  return merge(
    p.station.events$.pipe(map((e): LiveChange => (e.type === 'TransactionEnded' ? 'sessions' : 'status'))),
    p.adapter.registration.ready$.pipe(map(status)),
    ...hardware,
    ...p.hardware.readers.map((r) => r.reader.health$.pipe(map((h) => h.state), distinctUntilChanged(), map(status))),
  );
}

/** GET /api/sessions, /api/sessions/{id} and /api/sessions.csv read the history; without one there are none. */
export function sessionRoutes(history: SessionHistory | undefined): Pick<ApiBackend, 'sessions' | 'sessionCount' | 'session'> {
  return {
    sessions: (limit, filter) => history?.list({ ...filter, ...(limit !== undefined ? { limit } : {}) }).map(sessionView) ?? [],
    sessionCount: (filter) => history?.count(filter) ?? 0,
    session: (id) => {
      const found = history?.list().find((s) => s.transactionId === id);
      // The history keeps the session's totals; meter values and signed data are not kept with it (yet): null.
      return found ? { ...sessionView(found), meterValues: null, signedData: null } : undefined;
    },
  };
}

/**
 * An operator's stop at the station: the transaction ends whatever the stop points, with trigger
 * StopAuthorized and stop reason Local (E07.FR.05, a stop button). The id is the core's or, where
 * the CSMS has its own (1.6), the CSMS's.
 */
function stopLocally(station: Station, adapter: ProtocolAdapter, id: string): LocalStop | undefined {
  const running = station.transactions();
  const transactionId = running.some((t) => t.id === id) ? id : adapter.localTransactionId?.(id);
  const evse = transactionId === undefined ? undefined : station.evses.find((e) => e.transaction?.id === transactionId);
  if (!evse || transactionId === undefined) return undefined;
  const csmsTransactionId = adapter.csmsTransactionId?.(transactionId);
  void evse.abort({ trigger: 'StopAuthorized', stopReason: 'Local' });
  return { transactionId, csmsTransactionId, evseId: evse.id };
}

function simulationLevers(config: StationConfig, hw: StationHardware): SimulationLevers {
  const sim = hw.simulation;
  return {
    setPlugged: (evseId, connectorId, plugged) => sim.setPlugged(evseId, connectorId, plugged),
    setEvCharging: (evseId, charging) => sim.setEvCharging(evseId, charging),
    setInput: (name, active) => sim.setInput(name, active),
    setEvCurrent: (evseId, amps) => sim.setEvCurrent(evseId, amps),
    setContactorFault: (evseId, connectorId, fault) => sim.setContactorFault(evseId, connectorId, fault),
    setMeterFault: (evseId, fault) => sim.setMeterFault(evseId, fault),
    setCableLockFault: (evseId, connectorId, fault) => sim.setCableLockFault(evseId, connectorId, fault),
    setVehicle: (evseId, change) => sim.setVehicle(evseId, change),
    presentCard: (name, idToken, type) => sim.presentCard(name, idToken, type),
    setReaderGone: (name, gone) => sim.setReaderGone(name, gone),
    hasReader: (name) => sim.hasReader(name),
    setHouseLoad: (amps) => sim.setHouseLoad(amps),
    setGridOperatorSignal: (active) => sim.setGridOperatorSignal(active),
    hasEvse: (evseId) => config.evses.some((e) => e.id === evseId),
    hasConnector: (evseId, connectorId) => config.evses.some((e) => e.id === evseId && e.connectors.some((c) => c.id === connectorId)),
    hasInput: (name) => config.inputs.some((i) => i.name === name),
  };
}
