import { encodeInputEvent, EV_KEY, EV_SYN, KEY_PRESSED, KEY_RELEASED, type InputEvent, type InputEventSize } from '../../../src/hal/drivers/evdev/input-event.js';

/** Key codes from linux/input-event-codes.h, as a keyboard-wedge reader sends them. */
export const KEY = { ENTER: 28, KPENTER: 96, LEFTSHIFT: 42 } as const;

const CODES: Record<string, number> = {
  '1': 2, '2': 3, '3': 4, '4': 5, '5': 6, '6': 7, '7': 8, '8': 9, '9': 10, '0': 11,
  A: 30, B: 48, C: 46, D: 32, E: 18, F: 33, '\n': KEY.ENTER,
};

/**
 * The events a reader sends to type `text` and then Enter (`end`; null for none): per key a press, a SYN, a
 * release and a SYN, as a USB HID keyboard does.
 */
export function keyEventsFor(text: string, end: number | null = KEY.ENTER): InputEvent[] {
  const codes = [...text.toUpperCase()].map((c) => {
    const code = CODES[c];
    if (code === undefined) throw new Error(`no key for ${c}`);
    return code;
  });
  if (end !== null && !text.endsWith('\n')) codes.push(end);
  const out: InputEvent[] = [];
  for (const code of codes) {
    out.push({ timeUs: 0, type: EV_KEY, code, value: KEY_PRESSED }, { timeUs: 0, type: EV_SYN, code: 0, value: 0 });
    out.push({ timeUs: 0, type: EV_KEY, code, value: KEY_RELEASED }, { timeUs: 0, type: EV_SYN, code: 0, value: 0 });
  }
  return out;
}

/** The bytes of `keyEventsFor` as the device file gives them. */
export function keyBytesFor(text: string, size: InputEventSize, end: number | null = KEY.ENTER): Buffer {
  return Buffer.concat(keyEventsFor(text, end).map((e) => encodeInputEvent(e, size)));
}
