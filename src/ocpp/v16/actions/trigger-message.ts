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

/** The answer goes first, then the message: sent once the call's answer is out. */
export function sendAfterAnswer(ctx: V16Context, what: string, send: () => Promise<unknown> | void): 'Accepted' {
  setImmediate(() => {
    void Promise.resolve()
      .then(send)
      .catch((err: Error) => ctx.log.warning(`triggered ${what} not sent: ${err.message}`));
  });
  return 'Accepted';
}

/** A connectorId that does not exist: the trigger is Rejected. */
export function unknownConnector16(ctx: V16Context, connectorId: number | undefined): boolean {
  return connectorId !== undefined && connectorId !== 0 && !ctx.numbering.fromOcpp16(connectorId);
}

/**
 * The messages TriggerMessage and the whitepaper's ExtendedTriggerMessage (5.5) ask for alike:
 * BootNotification, Heartbeat, StatusNotification, MeterValues; undefined for any other. Without
 * a connectorId, every connector (for StatusNotification connector 0 too).
 */
export function triggerCoreMessage16(ctx: V16Context, targets: TriggerTargets16, requestedMessage: string, connectorId: number | undefined): 'Accepted' | undefined {
  const later = (send: () => Promise<unknown> | void): 'Accepted' => sendAfterAnswer(ctx, requestedMessage, send);
  switch (requestedMessage) {
    case 'BootNotification':
      return later(() => targets.bootNotification());
    case 'Heartbeat':
      return later(() => targets.heartbeat());
    case 'StatusNotification':
      return later(() => targets.statusNotification(connectorId));
    case 'MeterValues':
      return later(() => targets.meterValues(connectorId === 0 ? undefined : connectorId));
    default:
      return undefined;
  }
}

/** 5.17 / Remote Trigger profile: the core messages, DiagnosticsStatusNotification and FirmwareStatusNotification. */
export const triggerMessage16 =
  (ctx: V16Context, targets: TriggerTargets16) =>
  (payload: unknown): TriggerMessageResponse => {
    const request = payload as TriggerMessageRequest;
    const connectorId = request.connectorId;
    if (unknownConnector16(ctx, connectorId)) return { status: 'Rejected' };
    const core = triggerCoreMessage16(ctx, targets, request.requestedMessage, connectorId);
    if (core) return { status: core };
    switch (request.requestedMessage) {
      case 'DiagnosticsStatusNotification':
        return { status: sendAfterAnswer(ctx, request.requestedMessage, () => targets.diagnosticsStatusNotification()) };
      case 'FirmwareStatusNotification':
        return { status: sendAfterAnswer(ctx, request.requestedMessage, () => targets.firmwareStatusNotification()) };
      default:
        return { status: 'NotImplemented' };
    }
  };
