import type { BootNotificationRequest } from 'ocpp-messages/v1.6/index.js';
import type { StationConfig } from '../../../config/station-config.js';

/** 4.2 BootNotification: vendor and model are CiString20 in 1.6, so longer names are cut. */
export function bootNotificationRequest16(config: StationConfig, firmwareVersion: string, meterModel?: string): BootNotificationRequest {
  return {
    chargePointVendor: config.station.vendor.slice(0, 20),
    chargePointModel: config.station.model.slice(0, 20),
    chargePointSerialNumber: config.station.serialNumber ? config.station.serialNumber.slice(0, 25) : undefined,
    firmwareVersion: firmwareVersion.slice(0, 50),
    meterType: meterModel ? meterModel.slice(0, 25) : undefined,
  };
}
