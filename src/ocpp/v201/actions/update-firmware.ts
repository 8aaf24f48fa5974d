import type { UpdateFirmwareRequest, UpdateFirmwareResponse } from 'ocpp-messages/v2.0/index.js';
import type { FirmwareUpdates } from '../../../services/firmware/index.js';

/**
 * L01 (signed) and L02 (unsigned) UpdateFirmware: the signing certificate is checked before the
 * answer (L01.FR.21/22: InvalidCertificate); an unsigned request is Rejected unless config
 * firmware.allowUnsigned; a newer request cancels the one under way (L01.FR.24: AcceptedCanceled),
 * unless its release is already being installed (L01.FR.27: Rejected). The statuses follow as
 * FirmwareStatusNotification (firmware-status.ts).
 */
export const updateFirmware =
  (firmware: FirmwareUpdates) =>
  (payload: unknown): UpdateFirmwareResponse => {
    const request = payload as UpdateFirmwareRequest;
    const { location, retrieveDateTime, installDateTime, signingCertificate, signature } = request.firmware;
    const status = firmware.request({
      requestId: request.requestId,
      location,
      retrieveAt: new Date(retrieveDateTime),
      installAt: installDateTime === undefined ? undefined : new Date(installDateTime),
      retries: request.retries,
      retryIntervalS: request.retryInterval,
      signingCertificate,
      signature,
    });
    if (status === 'Rejected' && signingCertificate === undefined && signature === undefined) {
      return { status, statusInfo: { reasonCode: 'UnsignedNotAllowed' } };
    }
    return { status };
  };
