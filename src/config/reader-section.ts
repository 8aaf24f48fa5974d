import { DEFAULT_CARD_FORMAT } from '../hal/drivers/evdev/card-keys.js';
import { DEFAULT_INTER_KEY_TIMEOUT_MS } from '../hal/drivers/evdev/evdev-card-reader.js';
import { renderFound } from '../util/json-schema.js';
import type { ConfigContext } from './config-context.js';
import type { RawCardReader, RawConfig } from './raw-config.js';
import type { DeviceClaim } from './shared-lines.js';
import type { CardReaderConfig, CardReaderDriver } from './station-config.js';

/** The PN532's HSU speed after power-up (PN532 UM0701-02, HSU). */
const PN532_BAUD_RATE = 115200;

/** Keys that belong to some reader drivers only. */
const KEYS_OF_DRIVER: Record<string, CardReaderDriver[]> = {
  device: ['pn532', 'evdev'],
  baudRate: ['pn532'],
  format: ['evdev'],
  interKeyTimeoutMs: ['evdev'],
};

const DEVICE_EXAMPLE: Record<CardReaderDriver, string> = {
  pn532: 'the UART of the PN532 (driver pn532), e.g. /dev/serial0',
  evdev: 'the input device of the USB reader (driver evdev), e.g. /dev/input/by-id/usb-...-event-kbd',
  simulated: '',
};

export interface ResolvedReaders {
  readers: CardReaderConfig[];
  /** The devices the readers open, for checkDevicesUsedOnce. */
  claims: DeviceClaim[];
}

function resolveReader(name: string, raw: RawCardReader, evseIds: Set<number>, ctx: ConfigContext): CardReaderConfig {
  const p = `/readers/${name}`;
  for (const [key, value] of Object.entries(raw)) {
    const drivers = KEYS_OF_DRIVER[key];
    if (drivers && !drivers.includes(raw.driver)) {
      ctx.problem(`${p}/${key}`, `absent with driver "${raw.driver}" (it applies to ${drivers.join(', ')})`, renderFound(value));
    }
  }
  if (!evseIds.has(raw.evseId)) {
    ctx.problem(`${p}/evseId`, `the id of a configured EVSE (${[...evseIds].join(', ')}): the one a card held to this reader authorizes at`, String(raw.evseId));
  }
  const reader: CardReaderConfig = { name, driver: raw.driver, evseId: raw.evseId };
  if (raw.driver === 'simulated') return reader;
  if (!raw.device) ctx.problem(`${p}/device`, DEVICE_EXAMPLE[raw.driver], 'nothing');
  reader.device = raw.device;
  if (raw.driver === 'pn532') {
    reader.baudRate = raw.baudRate ?? PN532_BAUD_RATE;
  } else {
    reader.format = { ...DEFAULT_CARD_FORMAT, ...raw.format };
    reader.interKeyTimeoutMs = raw.interKeyTimeoutMs ?? DEFAULT_INTER_KEY_TIMEOUT_MS;
  }
  return reader;
}

/** The card readers, each mapped to a configured EVSE, with the devices they open. */
export function resolveReaders(raw: RawConfig, ctx: ConfigContext): ResolvedReaders {
  const evseIds = new Set(raw.evses.map((e) => e.id));
  const readers: CardReaderConfig[] = [];
  const claims: DeviceClaim[] = [];
  for (const [name, r] of Object.entries(raw.readers)) {
    const reader = resolveReader(name, r, evseIds, ctx);
    readers.push(reader);
    if (reader.device) claims.push({ device: reader.device, what: `reader "${name}" at /readers/${name}`, path: `/readers/${name}/device`, modbusLine: false });
  }
  return { readers, claims };
}
