import type { Clock, TimerHandle } from '../../../station/clock.js';
import { EV_KEY, KEY_PRESSED, type InputEvent } from './input-event.js';

/**
 * What a keyboard-wedge card reader types, turned back into a card UID. Key codes are the Linux
 * ones of linux/input-event-codes.h (they follow the keyboard's layout, not the alphabet: KEY_A
 * is 30, KEY_B 48). The readers type digits on the main row or on the keypad and end a card with
 * Enter; hex readers type A-F, some with Shift held (Shift is a key of its own and is ignored).
 */
const KEY_CHARS: ReadonlyMap<number, string> = new Map<number, string>([
  // KEY_1..KEY_9, KEY_0
  [2, '1'], [3, '2'], [4, '3'], [5, '4'], [6, '5'], [7, '6'], [8, '7'], [9, '8'], [10, '9'], [11, '0'],
  // KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F
  [30, 'A'], [48, 'B'], [46, 'C'], [32, 'D'], [18, 'E'], [33, 'F'],
  // KEY_KP7, KEY_KP8, KEY_KP9, KEY_KP4, KEY_KP5, KEY_KP6, KEY_KP1, KEY_KP2, KEY_KP3, KEY_KP0
  [71, '7'], [72, '8'], [73, '9'], [75, '4'], [76, '5'], [77, '6'], [79, '1'], [80, '2'], [81, '3'], [82, '0'],
]);

/** KEY_ENTER and KEY_KPENTER. */
const END_KEYS: ReadonlySet<number> = new Set([28, 96]);

/** The character a key types, or undefined for a key that is not part of a UID. */
export function keyChar(code: number): string | undefined {
  return KEY_CHARS.get(code);
}

export function isEndKey(code: number): boolean {
  return END_KEYS.has(code);
}

export interface CardFormat {
  /** What the reader types: the UID as a decimal number or as hex digits. */
  typed: 'decimal' | 'hex';
  /** The UID's length in bytes (4, 7 or 10 for ISO 14443); the typed value is padded to it. */
  byteLength: number;
  /**
   * The order of the UID's bytes in the typed number. Many readers type a 4-byte UID as a 10-digit
   * decimal of the bytes read little-endian; 'little' turns them back into the card's order.
   */
  byteOrder: 'big' | 'little';
}

export const DEFAULT_CARD_FORMAT: CardFormat = { typed: 'decimal', byteLength: 4, byteOrder: 'little' };

/**
 * The UID in the upper-case hex OCPP carries for ISO 14443 cards, or an Error saying why what was
 * typed is not a UID in this format (letters in a decimal, too long for the length).
 */
export function typedToUid(typed: string, format: CardFormat): string | Error {
  if (!Number.isInteger(format.byteLength) || format.byteLength < 1) return new Error(`byte length ${format.byteLength} is not a positive integer`);
  let hex: string;
  if (format.typed === 'decimal') {
    if (!/^\d+$/.test(typed)) return new Error(`"${typed}" is not a decimal number`);
    hex = BigInt(typed).toString(16).toUpperCase();
  } else {
    if (!/^[0-9A-F]+$/i.test(typed)) return new Error(`"${typed}" is not hex`);
    hex = typed.toUpperCase().replace(/^0+(?=.)/, '');
  }
  const digits = format.byteLength * 2;
  if (hex.length > digits) return new Error(`"${typed}" does not fit in ${format.byteLength} bytes`);
  hex = hex.padStart(digits, '0');
  if (format.byteOrder === 'big') return hex;
  const bytes = hex.match(/../g) ?? [];
  return bytes.reverse().join('');
}

/**
 * Collects key presses into what was typed for one card: a press of a UID key adds its character,
 * Enter ends the card. Only presses count (value 1): autorepeat (2) and releases (0) are not new
 * characters. A gap longer than `interKeyTimeoutMs` between keys (on the Clock) throws away a
 * partial card, so a read cut short (card pulled away, reader unplugged) cannot prefix the next.
 */
export class TypedCardAssembler {
  private typed = '';
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly interKeyTimeoutMs: number,
    private readonly onCard: (typed: string) => void,
    private readonly onDiscard: (partial: string) => void = () => undefined,
  ) {}

  /** Feeds one event; every event that is not a key press is ignored. */
  handle(event: InputEvent): void {
    if (event.type !== EV_KEY || event.value !== KEY_PRESSED) return;
    if (isEndKey(event.code)) {
      const typed = this.typed;
      this.clear();
      if (typed !== '') this.onCard(typed);
      return;
    }
    const ch = keyChar(event.code);
    if (ch === undefined) return; // Shift, NumLock and the like
    this.typed += ch;
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => this.discard(), this.interKeyTimeoutMs);
  }

  /** Throws away a partial card (the device went away) and its timer. */
  discard(): void {
    const partial = this.typed;
    this.clear();
    if (partial !== '') this.onDiscard(partial);
  }

  /** What has been typed of the current card so far. */
  get pending(): string {
    return this.typed;
  }

  private clear(): void {
    this.typed = '';
    this.timer?.cancel();
    this.timer = undefined;
  }
}
