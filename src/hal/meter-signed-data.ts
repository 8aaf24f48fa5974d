import type { EvseConfig } from '../config/station-config.js';
import { SimulatedSigningMeter } from '../services/signed-metering/simulated-signing-meter.js';
import type { Clock } from '../station/clock.js';
import type { ModbusBusRegistry } from './drivers/modbus/modbus-bus.js';
import type { SimulatedMeterDevice } from './drivers/simulated/simulated-meter-device.js';
import type { SignedDataSpec } from './meter/profile.js';

/**
 * The holding registers through which an EVSE's meter signs OCMF itself (its profile's
 * "signedData", e.g. the Iskra WM3M4C manual 6.5): what services/signed-metering's MeterOcmfSigner
 * needs. On the Modbus bus of the meter's line (queued with its polls), or, for a simulated meter,
 * a simulated signing meter counting the simulated device's energy.
 */
export interface MeterSignedData {
  spec: SignedDataSpec;
  readHolding(start: number, count: number): Promise<number[]>;
  writeHolding(start: number, values: number[]): Promise<void>;
  /** The simulated signing meter behind a simulated meter (for the simulator and tests). */
  simulated?: SimulatedSigningMeter;
}

export function meterSignedDataOf(evse: EvseConfig, buses: ModbusBusRegistry, device: SimulatedMeterDevice | undefined, clock?: Clock): MeterSignedData | undefined {
  const m = evse.meter;
  const spec = m.profile.signedData;
  if (!spec) return undefined;
  if (device) {
    const energyRegister = m.profile.values.energyImportWh.register;
    const simulated = new SimulatedSigningMeter({
      unitId: m.unitId,
      spec,
      serial: `SIM-${evse.id}-${m.unitId}`,
      energyRegister,
      energyWh: () => device.physics.values().energyImportWh,
      now: clock ? () => clock.nowMs() : undefined,
    });
    return {
      spec,
      simulated,
      readHolding: async (start, count) => simulated.readRegisters(3, start, count),
      writeHolding: async (start, values) => simulated.writeRegisters(values.length === 1 ? 6 : 16, start, values),
    };
  }
  // Modbus Application Protocol 1.1b3, 6.6 and 6.12: one register with function 6, several with 16.
  const bus = buses.get(m.link!, m.timing);
  return {
    spec,
    readHolding: (start, count) => bus.read(m.unitId, 3, start, count),
    writeHolding: (start, values) => bus.write(m.unitId, values.length === 1 ? 6 : 16, start, values),
  };
}
