import type { CardReaderConfig } from '../config/station-config.js';
import type { Clock } from '../station/clock.js';
import { EvdevCardReader } from './drivers/evdev/evdev-card-reader.js';
import { Pn532CardReader } from './drivers/pn532/pn532-reader.js';
import { SimulatedCardReader } from './drivers/simulated/simulated-card-reader.js';
import type { CardReader } from './roles/card-reader.js';

export interface CardReaderOptions {
  /** Time for the polls, the retries' backoff and the evdev reader's key timeout. */
  clock: Clock;
  /** A simulated reader's part of the simulated world (which outlives the agent); a fresh one when absent. */
  simulated?: SimulatedCardReader;
  /** Where a reader's remarks go (a card typed that is not a UID, a partial card thrown away). */
  log?: (line: string) => void;
}

/**
 * The card reader the config names, on its driver: a PN532 on a UART, a USB reader typing the UID
 * (evdev), or the simulated one. Not started: the caller calls start(), and the reader retries a
 * device that is missing or vanishes until close().
 */
export function createCardReader(reader: CardReaderConfig, options: CardReaderOptions): CardReader {
  const label = (where: string): string => `reader ${reader.name} (${where})`;
  switch (reader.driver) {
    case 'pn532':
      return new Pn532CardReader({
        name: label(`pn532 on ${requireDevice(reader)}`),
        path: requireDevice(reader),
        baudRate: reader.baudRate,
        clock: options.clock,
      });
    case 'evdev':
      return new EvdevCardReader({
        name: label(`evdev on ${requireDevice(reader)}`),
        device: requireDevice(reader),
        format: reader.format,
        interKeyTimeoutMs: reader.interKeyTimeoutMs,
        clock: options.clock,
        log: options.log,
      });
    case 'simulated':
      return options.simulated ?? new SimulatedCardReader(label('simulated'));
  }
}

function requireDevice(reader: CardReaderConfig): string {
  if (!reader.device) throw new Error(`reader ${reader.name}: the ${reader.driver} driver needs a device`);
  return reader.device;
}
