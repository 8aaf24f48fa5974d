import type { ModbusBus } from '../../hal/drivers/modbus/modbus-bus.js';
import type { SignedDataPort } from './meter-signed.js';

/**
 * A signing meter's registers on a Modbus bus, queued with every other request on that line: one
 * register written with function 6, several with 16 (Modbus Application Protocol 1.1b3, 6.6, 6.12).
 */
export function modbusSignedDataPort(bus: ModbusBus, unitId: number): SignedDataPort {
  return {
    readHolding: (start, count) => bus.read(unitId, 3, start, count),
    writeHolding: (start, values) => bus.write(unitId, values.length === 1 ? 6 : 16, start, values),
  };
}
