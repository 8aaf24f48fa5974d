import type { TriggerMessageRequest, TriggerMessageResponse } from 'ocpp-messages/v1.6/index.js';
import type { V16Context } from '../context.js';

/** What TriggerMessage can ask for, each sent by the part of the adapter that builds it. */
export interface TriggerTargets16 {
  bootNotification(): void;
  heartbeat(): Promise<void>;
  statusNotification(connectorId?: number): Promise<void>;
  meterValues(connectorId?: number): Promise<void>;
  diagnosticsStatusNotification(): Promise<void>;
  firmwareStatusNotification(): Promise<void>;
}

/**
 * 5.17 / Remote Trigger profile: the answer goes first, then the message; a connectorId that does
 * not exist is Rejected; without one, every connector (for StatusNotification connector 0 too).
 */
export const triggerMessage16 =
  (ctx: V16Context, targets: TriggerTargets16) =>
  (payload: unknown): TriggerMessageResponse => {
    const request = payload as TriggerMessageRequest;
    const connectorId = request.connectorId;
    if (connectorId !== undefined && connectorId !== 0 && !ctx.numbering.fromOcpp16(connectorId)) return { status: 'Rejected' };
    const later = (send: () => Promise<unknown> | void): TriggerMessageResponse => {
      setImmediate(() => {
        void Promise.resolve()
          .then(send)
          .catch((err: Error) => ctx.log.warning(`triggered ${request.requestedMessage} not sent: ${err.message}`));
      });
      return { status: 'Accepted' };
    };
    switch (request.requestedMessage) {
      case 'BootNotification':
        return later(() => targets.bootNotification());
      case 'Heartbeat':
        return later(() => targets.heartbeat());
      case 'StatusNotification':
        return later(() => targets.statusNotification(connectorId));
      case 'MeterValues':
        return later(() => targets.meterValues(connectorId === 0 ? undefined : connectorId));
      case 'DiagnosticsStatusNotification':
        return later(() => targets.diagnosticsStatusNotification());
      case 'FirmwareStatusNotification':
        return later(() => targets.firmwareStatusNotification());
      default:
        return { status: 'NotImplemented' };
    }
  };
