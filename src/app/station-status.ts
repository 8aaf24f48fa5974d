import type { Subscription } from 'rxjs';
import type { StationConfig } from '../config/station-config.js';
import type { CardReaderHealth } from '../hal/roles/card-reader.js';
import type { PilotHealth } from '../hal/roles/control-pilot.js';
import type { StationHardware } from '../hal/station-hardware.js';
import type { OcppClient } from '../ocpp/ocpp-client.js';
import type { MeterReading } from '../station/meter-reading.js';
import type { ProtocolAdapter, ProtocolConnectorView } from '../ocpp/protocol-adapter.js';
import type { Authorization, Evse } from '../station/evse.js';
import type { ConnectorSnapshot, EvseSnapshot, Station } from '../station/station.js';
import type { FaultKind, IdToken, VehicleState } from '../station/types.js';
import type { LimitInForce } from '../services/smart-charging/charging-profile.js';
import type { JournalDamage } from '../store/append-journal.js';
import type { TransactionJournal } from '../store/transaction-journal.js';
import type { LedShown } from './status-leds.js';
import { systemClock, type Clock } from '../station/clock.js';
import { maskedUrl } from '../api/masking.js';

/** Where GET /api/status (and the systemd STATUS line) looks. */
export interface StatusSources {
  config: StationConfig;
  station: Station;
  hardware: StationHardware;
  client: OcppClient;
  adapter: ProtocolAdapter;
  firmwareVersion: string;
  journal(): TransactionJournal | undefined;
  /** What each EVSE's LEDs show, by EVSE id. */
  ledsOf(evseId: number): LedShown | undefined;
  /** The station's clock; the system's by default. */
  clock?: Clock;
  /** The limit in force per EVSE and who set it (ChargingLimits); the EVSE's maxCurrentA without. */
  limitOf?(evseId: number): LimitInForce;
}

/** An active fault and why it was raised: the detail the core gave, or the meter's last error. */
export interface FaultStatus {
  fault: FaultKind;
  /** Raised for the whole station (an input without evseId), or for this EVSE. */
  scope: 'station' | 'evse';
  cause: string;
  since: string | null;
}

export interface AuthorizationStatusView {
  idToken: IdToken;
  by: Authorization['source'];
  waitingForCable: boolean;
  /** Until the authorization times out without a cable (EVConnectionTimeOut). */
  secondsLeft?: number;
  /** "authorized, waiting for the cable (N s left)" */
  text: string;
}

export interface TransactionStatusView {
  id: string;
  /** 1.6: the CSMS's integer (null until it answered StartTransaction). */
  csmsTransactionId?: number | null;
  idToken: IdToken | null;
  /** Energy of this session, beside the meter's register. */
  energyWh: number;
  registerWh: number | null;
  startedAt: string;
  meterStartWh: number;
  chargingState: string;
}

export interface EvseStatusView {
  evseId: number;
  operative: boolean;
  leds: LedShown | null;
  faults: FaultStatus[];
  authorization: AuthorizationStatusView | null;
  /** After a safety trip: what tripped it, and the deliberate act that lets energy flow again. */
  safetyTrip: { cause: FaultKind; resumesWith: string } | null;
  connectors: Array<ConnectorSnapshot & { ocppStatus?: ProtocolConnectorView }>;
  transaction: TransactionStatusView | null;
  meter: { name: string; health: string; failure?: string; registerWh: number | null; sessionEnergyWh: number | null; latest: LatestReadingView | null } | null;
  /** With a pilot: the vehicle's state letter as the board last read it (null until it answered). */
  vehicleState?: VehicleState | null;
  /** With a pilot: the current offered to the vehicle now, A (0: none). */
  offeredCurrentA?: number;
  /** The limit in force, A per phase, and who set it: a charging profile, a local limit, or the EVSE's own maximum. */
  limit: LimitInForce;
  pilot?: PilotStatusView;
}

export interface PilotStatusView {
  name: string;
  health: PilotHealth['state'];
  failure?: string;
  cableRatingA?: number;
  boardErrors: readonly string[];
}

export interface CardReaderStatusView {
  name: string;
  evseId: number;
  driver: string;
  health: CardReaderHealth['state'];
  lastError?: string;
}

/** The meter's last good reading, with how old it is: stale while the meter has failed (it is the last before the failure). */
export type LatestReadingView = MeterReading & { ageS: number; stale: boolean };

export interface StationStatusView {
  identity: string;
  ocppVersion: string;
  version: string;
  startedAt: string;
  uptimeS: number;
  connection: { url: string; connected: boolean; bootState: string; connectedSince: string | null; connectedForS: number | null; lastMessageAt: string | null };
  storage: { queuedTransactionMessages: number; journalWritable: boolean; journalDamage: readonly JournalDamage[] };
  evses: EvseStatusView[];
  readers: CardReaderStatusView[];
  /** The hardware is simulated (the status page's developer panel); the local API sets it. */
  simulated?: boolean;
}

const seconds = (ms: number): number => Math.round(ms / 100) / 10;
const roundWh = (wh: number): number => Math.round(wh * 1000) / 1000;

/**
 * The whole story of the station for GET /api/status: what every EVSE does and why (faults with
 * their causes, the LED pattern shown, an authorization waiting for its cable with the time left),
 * the transaction by the core's id and the CSMS's, energy of the session beside the register,
 * and how long the agent and its OCPP connection have been up. It follows the station's events
 * from before the station starts, so that no fault's cause is missed.
 */
export class StationStatus {
  private readonly now: () => number;
  private readonly startedAt: number;
  private connectedAt: number | undefined;
  private readonly faultCauses = new Map<string, { cause: string; since: Date }>();
  /** Per EVSE: when an authorization without a cable times out (null: it waits without limit). */
  private readonly cableDeadline = new Map<number, number | null>();
  private readonly subscriptions: Subscription[] = [];
  private readonly readerHealth = new Map<string, CardReaderHealth>();

  constructor(private readonly s: StatusSources) {
    const clock = s.clock ?? systemClock;
    this.now = () => clock.nowMs();
    this.startedAt = this.now();
    for (const r of s.hardware.readers) this.subscriptions.push(r.reader.health$.subscribe((h) => this.readerHealth.set(r.config.name, h)));
    this.subscriptions.push(
      s.station.events$.subscribe((e) => {
        if (e.type !== 'FaultChanged') return;
        const key = `${e.evseId ?? 'station'}/${e.fault}`;
        if (e.active) this.faultCauses.set(key, { cause: e.detail, since: e.timestamp });
        else this.faultCauses.delete(key);
      }),
      s.client.connected$.subscribe((connected) => {
        if (!connected) this.connectedAt = undefined;
        else this.connectedAt ??= this.now();
      }),
    );
    for (const evse of s.station.evses) this.subscriptions.push(evse.authorization$.subscribe((auth) => this.followAuthorization(evse, auth !== undefined)));
  }

  /** E03.FR.05 / F02.FR.07: an authorization made before the cable waits EVConnectionTimeOut for it. */
  private followAuthorization(evse: Evse, authorized: boolean): void {
    if (!authorized || evse.connectors.some((c) => c.inputs.plugged)) {
      this.cableDeadline.delete(evse.id);
      return;
    }
    const timeoutS = this.s.adapter.chargingSettings().evConnectionTimeoutS;
    this.cableDeadline.set(evse.id, timeoutS > 0 ? this.now() + timeoutS * 1000 : null);
  }

  build(): StationStatusView {
    const { config, client, adapter } = this.s;
    const now = this.now();
    return {
      identity: config.station.identity,
      ocppVersion: config.ocpp.version,
      version: this.s.firmwareVersion,
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeS: seconds(now - this.startedAt),
      connection: {
        url: maskedUrl(config.ocpp.url),
        connected: client.isConnected,
        bootState: adapter.bootState$.value,
        connectedSince: this.connectedAt !== undefined && client.isConnected ? new Date(this.connectedAt).toISOString() : null,
        connectedForS: this.connectedAt !== undefined && client.isConnected ? seconds(now - this.connectedAt) : null,
        lastMessageAt: client.lastFrameAtMs === undefined ? null : new Date(client.lastFrameAtMs).toISOString(),
      },
      storage: {
        queuedTransactionMessages: adapter.queue.length,
        journalWritable: adapter.queue.storeHealthy,
        journalDamage: this.s.journal()?.damage ?? [],
      },
      evses: this.s.station.snapshot().map((e) => this.evse(e, now)),
      readers: this.s.hardware.readers.map(({ config: r }) => {
        const h = this.readerHealth.get(r.name);
        return { name: r.name, evseId: r.evseId, driver: r.driver, health: h?.state ?? 'unknown', lastError: h?.lastError };
      }),
    };
  }

  private evse(e: EvseSnapshot, now: number): EvseStatusView {
    const hw = this.s.hardware.evses.find((h) => h.evseId === e.evseId);
    const meter = hw?.meter;
    const pilot = hw?.pilot;
    const tx = e.transaction;
    const registerWh = meter?.latest?.energyImportWh;
    const csmsId = tx && this.s.adapter.csmsTransactionId ? { csmsTransactionId: this.s.adapter.csmsTransactionId(tx.id) ?? null } : {};
    const meterFailed = meter?.health.state === 'failed';
    return {
      evseId: e.evseId,
      operative: e.operative,
      leds: this.s.ledsOf(e.evseId) ?? null,
      faults: this.faultsOf(e, meterFailed, meter?.health.lastFault),
      authorization: this.authorization(e, now),
      safetyTrip: e.trippedBy ? { cause: e.trippedBy, resumesWith: this.resumesWith() } : null,
      connectors: e.connectors.map((c) => this.connector(e.evseId, c)),
      transaction: tx
        ? {
            id: tx.id,
            ...csmsId,
            idToken: tx.idToken ?? null,
            energyWh: roundWh(tx.energyWh),
            registerWh: registerWh ?? null,
            startedAt: tx.startedAt.toISOString(),
            meterStartWh: tx.meterStartWh,
            chargingState: tx.chargingState,
          }
        : null,
      meter: meter
        ? {
            name: meter.name,
            health: meter.health.state,
            failure: meterFailed && meter.health.lastFault ? meter.health.lastFault.message : undefined,
            registerWh: registerWh ?? null,
            sessionEnergyWh: tx ? roundWh(tx.energyWh) : null,
            latest: meter.latest ? { ...meter.latest, ageS: seconds(Math.max(0, now - meter.latest.timestamp.getTime())), stale: meterFailed } : null,
          }
        : null,
      limit: this.s.limitOf?.(e.evseId) ?? { valueA: this.s.config.evses.find((c) => c.id === e.evseId)?.maxCurrentA ?? 0, source: 'evse' },
      vehicleState: pilot ? (pilot.status?.vehicleState ?? null) : undefined,
      offeredCurrentA: pilot?.offeredCurrentA,
      pilot: pilot
        ? {
            name: pilot.name,
            health: pilot.health.state,
            failure: pilot.health.state === 'failed' ? pilot.health.lastFault?.message : undefined,
            cableRatingA: pilot.status?.cableRatingA,
            boardErrors: pilot.status?.boardErrors ?? [],
          }
        : undefined,
    };
  }

  private connector(evseId: number, c: ConnectorSnapshot): EvseStatusView['connectors'][number] {
    const ocpp = this.s.adapter.describeConnector?.(evseId, c.connectorId);
    return { ...c, ocppStatus: ocpp };
  }

  /** What brings energy back after a trip, as safety.resumeAfterTrip and the authorization mode allow. */
  private resumesWith(): string {
    const { config } = this.s;
    const replugOnly = config.safety.resumeAfterTrip === 'replug' || config.charging.authorization === 'free';
    const release = 'once the fault is gone: ';
    return release + (replugOnly ? 'unplug the vehicle and plug it in again' : 'unplug the vehicle and plug it in again, or a new authorization (a card, a remote start)');
  }

  /** Every active fault of the EVSE, a failed meter included, each with its cause. */
  private faultsOf(e: EvseSnapshot, meterFailed: boolean, lastMeterFault: { message: string; at: Date } | undefined): FaultStatus[] {
    const kinds = new Set<FaultKind>(e.connectors.flatMap((c) => c.faults));
    if (meterFailed || this.faultCauses.has(`${e.evseId}/meter`)) kinds.add('meter');
    return [...kinds].map((fault) => {
      const own = this.faultCauses.get(`${e.evseId}/${fault}`);
      const station = this.faultCauses.get(`station/${fault}`);
      const known = own ?? station;
      const fallback = fault === 'meter' && lastMeterFault ? { cause: lastMeterFault.message, since: lastMeterFault.at } : undefined;
      const found = known ?? fallback;
      return {
        fault,
        scope: !own && station ? 'station' : 'evse',
        cause: found?.cause ?? 'unknown (raised before the agent started following)',
        since: found ? found.since.toISOString() : null,
      };
    });
  }

  /** Who may charge, and whether the EVSE waits for the cable (with the time left). */
  private authorization(e: EvseSnapshot, now: number): AuthorizationStatusView | null {
    const evse = this.s.station.evse(e.evseId);
    const auth = evse?.authorizedBy;
    if (!auth) return null;
    const waiting = !e.connectors.some((c) => c.plugged);
    const deadline = this.cableDeadline.get(e.evseId);
    const secondsLeft = waiting && deadline != null ? Math.max(0, Math.ceil((deadline - now) / 1000)) : undefined;
    const text = !waiting ? 'authorized' : secondsLeft !== undefined ? `authorized, waiting for the cable (${secondsLeft} s left)` : 'authorized, waiting for the cable';
    return {
      idToken: auth.idToken,
      by: auth.source,
      waitingForCable: waiting,
      secondsLeft,
      text,
    };
  }

  stop(): void {
    for (const s of this.subscriptions) s.unsubscribe();
  }
}
