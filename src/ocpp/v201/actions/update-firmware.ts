import type { UpdateFirmwareRequest, UpdateFirmwareResponse } from 'ocpp-messages/v2.0/index.js';
import { firmwareRequestOf, type FirmwareUpdates } from '../../../services/firmware/index.js';

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
    const { signingCertificate, signature } = request.firmware;
    const status = firmware.request(firmwareRequestOf(request));
    if (status === 'Rejected' && signingCertificate === undefined && signature === undefined) {
      return { status, statusInfo: { reasonCode: 'UnsignedNotAllowed' } };
    }
    return { status };
  };
