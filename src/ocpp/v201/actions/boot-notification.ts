import type { BootNotificationRequest, BootReasonEnumType } from 'ocpp-messages/v2.0/BootNotificationRequest.js';
import type { StationConfig } from '../../../config/station-config.js';

/** B01: the station describes itself at every boot (B01.FR.01, B01.FR.03) with the reason (B01.FR.09). */
export function bootNotificationRequest(config: StationConfig, firmwareVersion: string, reason: BootReasonEnumType): BootNotificationRequest {
  return {
    reason,
    chargingStation: {
      vendorName: config.station.vendor,
      model: config.station.model,
      firmwareVersion,
      serialNumber: config.station.serialNumber || undefined,
    },
  };
}
