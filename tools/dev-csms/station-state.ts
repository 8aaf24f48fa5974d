import type { MeterValuesRequest as MeterValues16 } from 'ocpp-messages/v1.6/MeterValues.js';
import type { StartTransactionRequest } from 'ocpp-messages/v1.6/StartTransaction.js';
import type { StartTransactionResponse } from 'ocpp-messages/v1.6/StartTransactionResponse.js';
import type { StatusNotificationRequest as StatusNotification16 } from 'ocpp-messages/v1.6/StatusNotification.js';
import type { StopTransactionRequest } from 'ocpp-messages/v1.6/StopTransaction.js';
import type { BootNotificationRequest as BootNotification201 } from 'ocpp-messages/v2.0/BootNotificationRequest.js';
import type { MeterValuesRequest as MeterValues201 } from 'ocpp-messages/v2.0/MeterValuesRequest.js';
import type { StatusNotificationRequest as StatusNotification201 } from 'ocpp-messages/v2.0/StatusNotificationRequest.js';
import type { MeterValueType, TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import type { OcppVersion } from '../../src/config/station-config.js';

/**
 * What the development CSMS knows about one station, built from the messages it answered: the
 * last boot, connector statuses and transactions. Only schema-valid requests with valid answers
 * reach it, so payloads are read as their OCPP types.
 */

export interface BootInfo {
  at: string;
  /** 2.0.1 only. */
  reason?: string;
  vendor: string;
  model: string;
  serialNumber?: string;
  firmwareVersion?: string;
  /** What this CSMS answered: Accepted, Pending or Rejected. */
  status: string;
  intervalS: number;
}

export interface ConnectorStatus {
  /** 2.0.1 only. */
  evseId?: number;
  /** 1.6: 0 is the whole charge point. */
  connectorId: number;
  status: string;
  /** 1.6 only. */
  errorCode?: string;
  at: string;
}

export interface TransactionView {
  /** 2.0.1: the station's transaction id; 1.6: the integer this CSMS assigned. */
  transactionId: string | number;
  evseId?: number;
  connectorId?: number;
  /** 2.0.1 idToken.idToken, 1.6 idTag. */
  idToken?: string;
  running: boolean;
  /** What running says, in words: an ended transaction reads "ended" (in views only). */
  state?: 'running' | 'ended';
  startedAt: string;
  endedAt?: string;
  /** 2.0.1: every seqNo received, in arrival order (a repeat means the station resent). */
  seqNos?: number[];
  /** 2.0.1: the last triggerReason and chargingState. */
  triggerReason?: string;
  chargingState?: string;
  /** 2.0.1 stoppedReason, 1.6 reason (Local when absent, as 1.6 defines). */
  stoppedReason?: string;
  /**
   * False when this CSMS did not see the transaction start (2.0.1 Started, 1.6 StartTransaction):
   * it was restarted mid-transaction. Then the session's start is unknown, and so is its energy:
   * no meterStartWh nor energyWh, only the register. Absent when the start was seen.
   */
  startSeen?: false;
  /** The energy register: 1.6 meterStart and meterStop; 2.0.1 the first (from the Started on) and the Ended meter value. */
  meterStartWh?: number;
  meterStopWh?: number;
  /** The latest register value seen, from transaction messages and MeterValues. */
  meterLatestWh?: number;
  /** Energy delivered so far: latest (or stop) minus start; never when the start was not seen. */
  energyWh?: number;
}

export interface StationState {
  identity: string;
  /** Of the current connection, else of the last one. */
  version: OcppVersion;
  connected: boolean;
  connectedAt?: string;
  disconnectedAt?: string;
  boot?: BootInfo;
  lastHeartbeatAt?: string;
  connectors: ConnectorStatus[];
  transactions: Record<string, TransactionView>;
}

const ENERGY_REGISTER = 'Energy.Active.Import.Register';

function energyWh201(meterValues: readonly MeterValueType[] | undefined): number | undefined {
  let latest: number | undefined;
  for (const mv of meterValues ?? []) {
    for (const sv of mv.sampledValue) {
      // The register itself, not a per-phase share of it; measurand defaults to the register.
      if ((sv.measurand ?? ENERGY_REGISTER) !== ENERGY_REGISTER || sv.phase !== undefined) continue;
      const unit = sv.unitOfMeasure?.unit ?? 'Wh';
      const scale = 10 ** (sv.unitOfMeasure?.multiplier ?? 0) * (unit === 'kWh' ? 1000 : 1);
      if (unit === 'Wh' || unit === 'kWh') latest = sv.value * scale;
    }
  }
  return latest;
}

function energyWh16(meterValues: MeterValues16['meterValue'] | undefined): number | undefined {
  let latest: number | undefined;
  for (const mv of meterValues ?? []) {
    for (const sv of mv.sampledValue) {
      if ((sv.measurand ?? ENERGY_REGISTER) !== ENERGY_REGISTER || sv.phase !== undefined || sv.format === 'SignedData') continue;
      const value = Number(sv.value);
      const unit = sv.unit ?? 'Wh';
      if (!Number.isFinite(value) || (unit !== 'Wh' && unit !== 'kWh')) continue;
      latest = unit === 'kWh' ? value * 1000 : value;
    }
  }
  return latest;
}

/** What the line says of a session whose start this CSMS did not see: never an energy counted from a later value. */
/** The fields sessionNote reads, of whichever transaction message (either version) it is given. */
interface SessionFields {
  transactionInfo?: { transactionId?: string };
  eventType?: string;
  evseId?: number;
  connectorId?: number;
  transactionId?: number | string;
  meterStop?: number;
  meterValue?: unknown;
}

export const START_NOT_SEEN = 'session energy unknown (start not seen)';

function withEnergy(tx: TransactionView, registerWh: number | undefined, ended: boolean): void {
  if (registerWh !== undefined) {
    // The first value of a session whose start was not seen is no start: the energy before it is unknown.
    if (tx.startSeen !== false) tx.meterStartWh ??= registerWh;
    tx.meterLatestWh = registerWh;
    if (ended) tx.meterStopWh = registerWh;
  }
  const end = tx.meterStopWh ?? tx.meterLatestWh;
  if (tx.meterStartWh !== undefined && end !== undefined) tx.energyWh = Math.round((end - tx.meterStartWh) * 1000) / 1000;
}

export class StationModel {
  private boot: BootInfo | undefined;
  private lastHeartbeatAt: string | undefined;
  private readonly connectors = new Map<string, ConnectorStatus>();
  private readonly transactions = new Map<string, TransactionView>();

  /** Takes one answered request into account. */
  apply(version: OcppVersion, action: string, request: unknown, response: unknown, at: Date): void {
    if (version === '2.0.1') this.apply201(action, request, response, at);
    else this.apply16(action, request, response, at);
  }

  view(identity: string, version: OcppVersion, connection: { connected: boolean; connectedAt?: Date; disconnectedAt?: Date }): StationState {
    const connectors = [...this.connectors.values()].sort((a, b) => (a.evseId ?? 0) - (b.evseId ?? 0) || a.connectorId - b.connectorId);
    return {
      identity,
      version,
      connected: connection.connected,
      ...(connection.connectedAt ? { connectedAt: connection.connectedAt.toISOString() } : {}),
      ...(connection.disconnectedAt ? { disconnectedAt: connection.disconnectedAt.toISOString() } : {}),
      ...(this.boot ? { boot: { ...this.boot } } : {}),
      ...(this.lastHeartbeatAt ? { lastHeartbeatAt: this.lastHeartbeatAt } : {}),
      connectors: connectors.map((c) => ({ ...c })),
      transactions: Object.fromEntries(
        [...this.transactions].map(([id, tx]) => [id, { ...tx, state: tx.running ? 'running' : 'ended', ...(tx.seqNos ? { seqNos: [...tx.seqNos] } : {}) }]),
      ),
    };
  }

  /** Every transaction's id as the station model keys it (2.0.1: the station's id; 1.6: the integer as text). */
  transactionIds(): string[] {
    return [...this.transactions.keys()];
  }

  /**
   * What a transaction message means for its session, for the printout, read before the message
   * is applied: "session 1.234 kWh" (the register minus the session's start), "ended, session ...".
   */
  sessionNote(version: OcppVersion, action: string, request: unknown): string | undefined {
    const r = request as SessionFields;
    let tx: TransactionView | undefined;
    let registerWh: number | undefined;
    let ended = false;
    // A message of a transaction whose start this CSMS did not see (it was restarted since).
    let startNotSeen: boolean;
    if (version === '2.0.1' && action === 'TransactionEvent') {
      tx = this.transactions.get(String(r['transactionInfo']?.['transactionId']));
      registerWh = energyWh201(r['meterValue'] as MeterValueType[] | undefined);
      ended = r['eventType'] === 'Ended';
      if (!tx && r['eventType'] === 'Started') return registerWh !== undefined ? 'session 0.000 kWh' : undefined;
      startNotSeen = !tx || tx.startSeen === false;
    } else if (version === '2.0.1' && action === 'MeterValues') {
      tx = this.running().find((t) => t.evseId === r['evseId']);
      registerWh = energyWh201(r['meterValue'] as MeterValueType[] | undefined);
      startNotSeen = tx?.startSeen === false;
    } else if (version === '1.6' && action === 'MeterValues') {
      const named = r['transactionId'] !== undefined;
      tx = named ? this.transactions.get(String(r['transactionId'])) : this.running().find((t) => t.connectorId === r['connectorId']);
      registerWh = energyWh16(r['meterValue'] as MeterValues16['meterValue'] | undefined);
      startNotSeen = tx ? tx.startSeen === false : named;
    } else if (version === '1.6' && action === 'StopTransaction') {
      tx = this.transactions.get(String(r['transactionId']));
      registerWh = typeof r['meterStop'] === 'number' ? r['meterStop'] : undefined;
      ended = true;
      startNotSeen = !tx || tx.startSeen === false;
    } else {
      return undefined;
    }
    if (startNotSeen) {
      if (ended) return `ended, ${START_NOT_SEEN}`;
      return registerWh !== undefined ? START_NOT_SEEN : undefined;
    }
    const start = tx?.meterStartWh;
    const session = start !== undefined && registerWh !== undefined ? `session ${((registerWh - start) / 1000).toFixed(3)} kWh` : undefined;
    if (ended) return session ? `ended, ${session}` : 'ended';
    return session;
  }

  /** The running transactions, oldest first. */
  running(): TransactionView[] {
    return [...this.transactions.values()].filter((tx) => tx.running);
  }

  private bootInfo(response: unknown, at: Date, info: Omit<BootInfo, 'at' | 'status' | 'intervalS'>): void {
    const answer = response as { status: string; interval: number };
    this.boot = { at: at.toISOString(), ...info, status: answer.status, intervalS: answer.interval };
  }

  private apply201(action: string, request: unknown, response: unknown, at: Date): void {
    switch (action) {
      case 'BootNotification': {
        const r = request as BootNotification201;
        const cs = r.chargingStation;
        this.bootInfo(response, at, {
          reason: r.reason,
          vendor: cs.vendorName,
          model: cs.model,
          ...(cs.serialNumber !== undefined ? { serialNumber: cs.serialNumber } : {}),
          ...(cs.firmwareVersion !== undefined ? { firmwareVersion: cs.firmwareVersion } : {}),
        });
        return;
      }
      case 'Heartbeat':
        this.lastHeartbeatAt = at.toISOString();
        return;
      case 'StatusNotification': {
        const r = request as StatusNotification201;
        this.connectors.set(`${r.evseId}/${r.connectorId}`, { evseId: r.evseId, connectorId: r.connectorId, status: r.connectorStatus, at: r.timestamp });
        return;
      }
      case 'TransactionEvent':
        this.transactionEvent(request as TransactionEventRequest);
        return;
      case 'MeterValues': {
        // Outside the transaction messages: credited to the EVSE's running transaction, if any.
        const r = request as MeterValues201;
        const tx = this.running().find((t) => t.evseId === r.evseId);
        if (tx) withEnergy(tx, energyWh201(r.meterValue), false);
        return;
      }
      default:
        return;
    }
  }

  private transactionEvent(r: TransactionEventRequest): void {
    const id = r.transactionInfo.transactionId;
    let tx = this.transactions.get(id);
    if (!tx) {
      // Also for an Updated or Ended whose Started this CSMS never saw (it was restarted): then
      // startedAt is that message's time, and the session's energy is unknown.
      tx = { transactionId: id, running: true, startedAt: r.timestamp, seqNos: [], ...(r.eventType === 'Started' ? {} : { startSeen: false as const }) };
      this.transactions.set(id, tx);
    }
    tx.seqNos?.push(r.seqNo);
    tx.triggerReason = r.triggerReason;
    if (r.evse) {
      tx.evseId = r.evse.id;
      if (r.evse.connectorId !== undefined) tx.connectorId = r.evse.connectorId;
    }
    if (r.idToken) tx.idToken = r.idToken.idToken;
    if (r.transactionInfo.chargingState) tx.chargingState = r.transactionInfo.chargingState;
    const ended = r.eventType === 'Ended';
    if (ended) {
      tx.running = false;
      tx.endedAt = r.timestamp;
      if (r.transactionInfo.stoppedReason) tx.stoppedReason = r.transactionInfo.stoppedReason;
    }
    withEnergy(tx, energyWh201(r.meterValue), ended);
  }

  private apply16(action: string, request: unknown, response: unknown, at: Date): void {
    switch (action) {
      case 'BootNotification': {
        const r = request as { chargePointVendor: string; chargePointModel: string; chargePointSerialNumber?: string; firmwareVersion?: string };
        this.bootInfo(response, at, {
          vendor: r.chargePointVendor,
          model: r.chargePointModel,
          ...(r.chargePointSerialNumber !== undefined ? { serialNumber: r.chargePointSerialNumber } : {}),
          ...(r.firmwareVersion !== undefined ? { firmwareVersion: r.firmwareVersion } : {}),
        });
        return;
      }
      case 'Heartbeat':
        this.lastHeartbeatAt = at.toISOString();
        return;
      case 'StatusNotification': {
        const r = request as StatusNotification16;
        this.connectors.set(String(r.connectorId), {
          connectorId: r.connectorId,
          status: r.status,
          errorCode: r.errorCode,
          at: r.timestamp ?? at.toISOString(),
        });
        return;
      }
      case 'StartTransaction': {
        const r = request as StartTransactionRequest;
        const id = (response as StartTransactionResponse).transactionId;
        const tx: TransactionView = { transactionId: id, connectorId: r.connectorId, idToken: r.idTag, running: true, startedAt: r.timestamp };
        withEnergy(tx, r.meterStart, false);
        this.transactions.set(String(id), tx);
        return;
      }
      case 'StopTransaction': {
        const r = request as StopTransactionRequest;
        const key = String(r.transactionId);
        let tx = this.transactions.get(key);
        if (!tx) {
          // Its StartTransaction came before this CSMS was restarted: meterStart unknown.
          tx = { transactionId: r.transactionId, running: true, startedAt: r.timestamp, startSeen: false };
          this.transactions.set(key, tx);
        }
        tx.running = false;
        tx.endedAt = r.timestamp;
        tx.stoppedReason = r.reason ?? 'Local';
        if (r.idTag !== undefined) tx.idToken ??= r.idTag;
        withEnergy(tx, r.meterStop, true);
        return;
      }
      case 'MeterValues': {
        const r = request as MeterValues16;
        const tx =
          r.transactionId !== undefined ? this.transactions.get(String(r.transactionId)) : this.running().find((t) => t.connectorId === r.connectorId);
        if (tx?.running) withEnergy(tx, energyWh16(r.meterValue), false);
        return;
      }
      default:
        return;
    }
  }
}
