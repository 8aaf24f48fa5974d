import type { ModbusLink } from '../../src/hal/drivers/modbus/modbus-bus.js';
import type { ModbusSlave } from '../../src/hal/drivers/simulated/modbus-slave.js';
import { openPtyPair, type PtyPair } from './socat.js';

/** A line a charger meets, between the real Modbus driver and a simulated slave. */
export interface LinkUnderTest {
  name: string;
  setUp(slave: ModbusSlave): Promise<ModbusLink>;
  tearDown(): Promise<void>;
}

/**
 * The three links a charger meets: RS485 (a socat pty pair), Modbus TCP, and RTU frames over TCP
 * (a transparent gateway). Each call makes fresh ones (a link keeps its pty between setUp and tearDown).
 */
export function modbusLinks(): LinkUnderTest[] {
  let pty: PtyPair | undefined;
  return [
    {
      name: 'RTU on a serial line (socat pty pair)',
      async setUp(slave) {
        pty = await openPtyPair();
        await slave.openSerial(pty.a, 9600);
        return { kind: 'rtu', path: pty.b, baudRate: 9600, parity: 'none', stopBits: 1 };
      },
      async tearDown() {
        await pty?.close();
        pty = undefined;
      },
    },
    {
      name: 'Modbus TCP',
      async setUp(slave) {
        const port = await slave.listenTcp('127.0.0.1', 0, 'mbap');
        return { kind: 'tcp', host: '127.0.0.1', port, framing: 'mbap' };
      },
      async tearDown() {},
    },
    {
      name: 'RTU frames over TCP (transparent gateway)',
      async setUp(slave) {
        const port = await slave.listenTcp('127.0.0.1', 0, 'rtu');
        return { kind: 'tcp', host: '127.0.0.1', port, framing: 'rtu' };
      },
      async tearDown() {},
    },
  ];
}
