import assert from 'node:assert/strict';
import { keyChar, TypedCardAssembler, typedToUid, type CardFormat } from '../../../src/hal/drivers/evdev/card-keys.js';
import { EV_KEY, EV_SYN, KEY_PRESSED, KEY_RELEASED, KEY_REPEATED, type InputEvent } from '../../../src/hal/drivers/evdev/input-event.js';
import { FakeClock } from '../../../src/station/clock.js';
import { keyEventsFor, KEY } from './typing.js';

describe('evdev: the key table', () => {
  it('maps the Linux key codes of the digits, A-F and the keypad digits', () => {
    assert.equal([2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(keyChar).join(''), '1234567890');
    assert.equal([30, 48, 46, 32, 18, 33].map(keyChar).join(''), 'ABCDEF');
    assert.equal([82, 79, 80, 81, 75, 76, 77, 71, 72, 73].map(keyChar).join(''), '0123456789');
    assert.equal(keyChar(42), undefined); // KEY_LEFTSHIFT
    assert.equal(keyChar(34), undefined); // KEY_G: not a hex digit
  });
});

describe('evdev: typed value to UID', () => {
  const le4: CardFormat = { typed: 'decimal', byteLength: 4, byteOrder: 'little' };
  it('turns the 10-digit little-endian decimal most readers type into the card order hex', () => {
    // UID 04 A2 3B 1C read little-endian is 0x1C3BA204 = 473670148.
    assert.equal(typedToUid('0473670148', le4), '04A23B1C');
    assert.equal(typedToUid('473670148', le4), '04A23B1C');
  });
  it('keeps a big-endian decimal in order and pads it to the byte length', () => {
    assert.equal(typedToUid('77217308', { typed: 'decimal', byteLength: 4, byteOrder: 'big' }), '049A3E1C');
    assert.equal(typedToUid('1', { typed: 'decimal', byteLength: 4, byteOrder: 'big' }), '00000001');
  });
  it('reads 7-byte UIDs beyond 2^53 exactly', () => {
    assert.equal(typedToUid(BigInt('0x04112233445566').toString(), { typed: 'decimal', byteLength: 7, byteOrder: 'big' }), '04112233445566');
    assert.equal(typedToUid(BigInt('0x66554433221104').toString(), { typed: 'decimal', byteLength: 7, byteOrder: 'little' }), '04112233445566');
  });
  it('reads hex in either order and case, padded to the length', () => {
    assert.equal(typedToUid('04a23b1c', { typed: 'hex', byteLength: 4, byteOrder: 'big' }), '04A23B1C');
    assert.equal(typedToUid('1C3BA204', { typed: 'hex', byteLength: 4, byteOrder: 'little' }), '04A23B1C');
    assert.equal(typedToUid('A23B1C', { typed: 'hex', byteLength: 4, byteOrder: 'big' }), '00A23B1C');
  });
  it('refuses what is not a UID of the format', () => {
    assert.ok(typedToUid('12A4', le4) instanceof Error);
    assert.ok(typedToUid('4294967296', le4) instanceof Error); // 2^32: five bytes
    assert.equal(typedToUid('4294967295', le4), 'FFFFFFFF');
    assert.ok(typedToUid('0102030405', { typed: 'hex', byteLength: 4, byteOrder: 'big' }) instanceof Error);
    assert.ok(typedToUid('1', { typed: 'hex', byteLength: 0, byteOrder: 'big' }) instanceof Error);
  });
});

describe('evdev: key presses to cards', () => {
  function setup(timeoutMs = 100): { clock: FakeClock; asm: TypedCardAssembler; cards: string[]; discarded: string[] } {
    const clock = new FakeClock();
    const cards: string[] = [];
    const discarded: string[] = [];
    const asm = new TypedCardAssembler(clock, timeoutMs, (t) => cards.push(t), (p) => discarded.push(p));
    return { clock, asm, cards, discarded };
  }

  it('collects presses up to Enter, ignoring releases, autorepeat, SYN and Shift', () => {
    const { asm, cards } = setup();
    const ev = (code: number, value: number, type = EV_KEY): InputEvent => ({ timeUs: 0, type, code, value });
    const seq = [
      ev(KEY.LEFTSHIFT, KEY_PRESSED),
      ev(30, KEY_PRESSED), ev(30, KEY_REPEATED), ev(30, KEY_RELEASED), ev(0, 0, EV_SYN),
      ev(KEY.LEFTSHIFT, KEY_RELEASED),
      ev(2, KEY_PRESSED), ev(2, KEY_RELEASED),
      ev(KEY.ENTER, KEY_REPEATED), // not an end: a repeat
      ev(82, KEY_PRESSED),
      ev(KEY.ENTER, KEY_PRESSED),
    ];
    for (const e of seq) asm.handle(e);
    assert.deepEqual(cards, ['A10']);
    assert.equal(asm.pending, '');
  });

  it('ends a card on keypad Enter too, and ignores an Enter with nothing typed', () => {
    const { asm, cards } = setup();
    for (const e of keyEventsFor('\n')) asm.handle(e);
    for (const e of keyEventsFor('0473670148', KEY.KPENTER)) asm.handle(e);
    assert.deepEqual(cards, ['0473670148']);
  });

  it('discards a partial card after the inter-key timeout, and the next card reads whole', () => {
    const { clock, asm, cards, discarded } = setup(100);
    for (const e of keyEventsFor('0473', null)) asm.handle(e); // no Enter: the card was pulled away
    clock.advance(99);
    assert.equal(asm.pending, '0473');
    clock.advance(1);
    assert.equal(asm.pending, '');
    assert.deepEqual(discarded, ['0473']);
    for (const e of keyEventsFor('12345678')) asm.handle(e);
    assert.deepEqual(cards, ['12345678']);
    assert.equal(clock.pending, 0, 'no timer left armed after a card');
  });

  it('restarts the timeout on every key: a slow but steady reader is not cut', () => {
    const { clock, asm, cards, discarded } = setup(100);
    for (const e of keyEventsFor('98765')) {
      asm.handle(e);
      if (e.type === EV_KEY && e.value === KEY_PRESSED) clock.advance(60);
    }
    assert.deepEqual(cards, ['98765']);
    assert.deepEqual(discarded, []);
  });
});
