import type { UnlockConnectorRequest, UnlockConnectorResponse } from 'ocpp-messages/v1.6/index.js';
import type { V16Context } from '../context.js';

/**
 * 5.17 UnlockConnector: unlike 2.0.1, a transaction running on the connector is stopped first
 * (reason UnlockCommand), then the connector unlocked. A fixed cable or a socket without a lock
 * cannot be: NotSupported, as is an unknown connector (errata 3.87).
 */
export const unlockConnector16 = (ctx: V16Context) => async (payload: unknown): Promise<UnlockConnectorResponse> => {
  const request = payload as UnlockConnectorRequest;
  const target = ctx.numbering.fromOcpp16(request.connectorId);
  if (!target) return { status: 'NotSupported' };
  const evse = ctx.station.evse(target.evseId);
  const tx = evse?.transaction;
  if (evse && (evse.authorizedBy || tx) && (tx?.connectorId ?? target.connectorId) === target.connectorId) {
    await evse.abort({ trigger: 'UnlockCommand', stopReason: 'UnlockCommand' });
  }
  // 7.46: NotSupported when "the Charge Point has no connector lock". The core counts a socket
  // without a lock as unlocked (nothing holds the cable), which 1.6 has no word for.
  const hardware = ctx.config.evses.find((e) => e.id === target.evseId)?.connectors.find((c) => c.id === target.connectorId);
  if (hardware && !hardware.tethered && !hardware.lock) return { status: 'NotSupported' };
  const result = await ctx.station.unlockConnector(target.evseId, target.connectorId);
  switch (result) {
    case 'Unlocked':
      return { status: 'Unlocked' };
    case 'FixedCable':
    case 'UnknownConnector':
      return { status: 'NotSupported' };
    default:
      return { status: 'UnlockFailed' };
  }
};
