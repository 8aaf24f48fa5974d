import type { TriggerMessageRequest, TriggerMessageResponse } from 'ocpp-messages/v2.0/index.js';
import type { V201Context } from '../context.js';

/** What TriggerMessage can ask for, each sent by the part of the adapter that builds it. */
export interface TriggerTargets {
  bootNotification(): Promise<void>;
  heartbeat(): Promise<void>;
  /** Resolves false when there is nothing to send for that EVSE/connector. */
  statusNotification(evseId?: number, connectorId?: number): Promise<boolean>;
  meterValues(evseId?: number): Promise<boolean>;
  transactionEvent(evseId?: number): Promise<boolean>;
  logStatusNotification(): Promise<void>;
  firmwareStatusNotification(): Promise<void>;
  /** A02: a new key, its CSR and SignCertificate; absent when the station does not renew its certificate. */
  signChargingStationCertificate?(): Promise<void>;
}

/**
 * F06 TriggerMessage: answer first (F06.FR.04), then send the message with current information
 * (F06.FR.09). A missing evse means every EVSE (F06.FR.11).
 */
export const triggerMessage =
  (ctx: V201Context, targets: TriggerTargets) =>
  (payload: unknown): TriggerMessageResponse => {
    const request = payload as TriggerMessageRequest;
    const evseId = request.evse?.id;
    const connectorId = request.evse?.connectorId;
    if (evseId !== undefined && evseId !== 0 && !ctx.station.evse(evseId)) return { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } };
    const later = (send: () => Promise<unknown>): TriggerMessageResponse => {
      setImmediate(() => void send().catch((err: Error) => ctx.log.warning(`triggered ${request.requestedMessage} not sent: ${err.message}`)));
      return { status: 'Accepted' };
    };
    switch (request.requestedMessage) {
      case 'BootNotification':
        if (ctx.bootState() === 'Accepted') return { status: 'Rejected' }; // F06.FR.17
        return later(() => targets.bootNotification());
      case 'Heartbeat':
        return later(() => targets.heartbeat());
      case 'StatusNotification':
        // F06.FR.10: what is Accepted is sent, so a connector that does not exist is Rejected.
        if (evseId !== undefined && evseId !== 0 && connectorId !== undefined && !ctx.station.evse(evseId)!.connectors.some((c) => c.connectorId === connectorId)) {
          return { status: 'Rejected', statusInfo: { reasonCode: 'UnknownConnector' } };
        }
        return later(() => targets.statusNotification(evseId, connectorId));
      case 'MeterValues':
        return later(() => targets.meterValues(evseId));
      case 'TransactionEvent': {
        const running = ctx.station.transactions().filter((t) => evseId === undefined || t.evseId === evseId);
        if (running.length === 0) return { status: 'Rejected', statusInfo: { reasonCode: 'NoTransaction' } };
        return later(() => targets.transactionEvent(evseId));
      }
      case 'LogStatusNotification':
        return later(() => targets.logStatusNotification());
      case 'FirmwareStatusNotification':
        return later(() => targets.firmwareStatusNotification());
      case 'SignChargingStationCertificate': {
        // A02.FR.02: the key pair is made after the answer is sent.
        const renew = targets.signChargingStationCertificate;
        return renew ? later(() => renew()) : { status: 'NotImplemented' };
      }
      default:
        // V2G certificates and firmware publishing are not implemented (F06.FR.08).
        return { status: 'NotImplemented' };
    }
  };
