import { createRequire } from 'node:module';
/**
 * A serial line as the drivers need it (the PN532 on its UART, the OpenEVSE board's RAPI line):
 * the hardware edge, so tests may put a fake or a socat pty here.
 */
export interface SerialLink {
  write(bytes: Buffer): void;
  onData(listener: (chunk: Buffer) => void): void;
  /** Called once when the line fails or closes under the driver. */
  onGone(listener: (err: Error) => void): void;
  close(): Promise<void>;
}

export type OpenSerialLink = (path: string, baudRate: number) => Promise<SerialLink>;

/** The real line: a serial port, 8N1 without flow control (the PN532's HSU and OpenEVSE's RAPI UART both want that). */
export const openSerialPortLink: OpenSerialLink = async (path, baudRate) => {
  // serialport (and its native binding) is loaded with the first line opened: a station without one never loads it (issue 18).
  const { SerialPort } = createRequire(import.meta.url)('serialport') as typeof import('serialport');
  const port = new SerialPort({ path, baudRate, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return {
    write: (bytes) => void port.write(bytes),
    onData: (listener) => void port.on('data', listener),
    onGone: (listener) => {
      let told = false;
      const tell = (err: Error): void => {
        if (told) return;
        told = true;
        listener(err);
      };
      port.on('error', tell);
      port.on('close', () => tell(new Error(`${path} closed`)));
    },
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
};
