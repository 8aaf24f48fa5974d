import type { ChargingConfig } from '../../config/station-config.js';
import type { ChargingSettings } from '../../station/ports.js';

/** The charging rules only the installer's config sets, whatever the OCPP version (the rest come from the CSMS' variables or keys). */
export type ConfigChargingSettings = Pick<ChargingSettings, 'evIdleCurrentA' | 'evIdleAfterS' | 'maxEnergyWh' | 'maxDurationS' | 'onMeterFailure' | 'resumeAfterPowerLoss'>;

export function configChargingSettings(c: ChargingConfig): ConfigChargingSettings {
  return {
    evIdleCurrentA: c.evIdleCurrentA,
    evIdleAfterS: c.evIdleAfterS,
    maxEnergyWh: c.maxEnergyWh,
    maxDurationS: c.maxDurationS,
    onMeterFailure: c.onMeterFailure,
    resumeAfterPowerLoss: c.resumeAfterPowerLoss,
  };
}
