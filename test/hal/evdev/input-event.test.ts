import assert from 'node:assert/strict';
import {
  encodeInputEvent,
  EV_KEY,
  EV_SYN,
  InputEventDecoder,
  inputEventSizeFor,
  type InputEvent,
  type InputEventSize,
} from '../../../src/hal/drivers/evdev/input-event.js';

const events: InputEvent[] = [
  { timeUs: 1_767_268_800_123_456, type: EV_KEY, code: 2, value: 1 },
  { timeUs: 1_767_268_800_123_500, type: EV_SYN, code: 0, value: 0 },
  { timeUs: 1_767_268_800_200_000, type: EV_KEY, code: 2, value: 0 },
  { timeUs: 1_767_268_800_300_000, type: 4, code: 4, value: -458_722 }, // EV_MSC MSC_SCAN, a negative s32
];

describe('evdev: struct input_event', () => {
  it('derives the event size from the architecture: 16 bytes for 32-bit ARM, 24 for 64-bit', () => {
    assert.equal(inputEventSizeFor('arm'), 16);
    assert.equal(inputEventSizeFor('ia32'), 16);
    assert.equal(inputEventSizeFor('arm64'), 24);
    assert.equal(inputEventSizeFor('x64'), 24);
  });

  it('lays out a 64-bit event as the kernel does: timeval of two 8-byte words, then type, code, value', () => {
    const buf = encodeInputEvent({ timeUs: 5_000_007, type: EV_KEY, code: 28, value: 1 }, 24);
    assert.equal(buf.length, 24);
    assert.equal(buf.readBigInt64LE(0), 5n);
    assert.equal(buf.readBigInt64LE(8), 7n);
    assert.equal(buf.readUInt16LE(16), EV_KEY);
    assert.equal(buf.readUInt16LE(18), 28);
    assert.equal(buf.readInt32LE(20), 1);
  });

  it('lays out a 32-bit event with a timeval of two 4-byte words', () => {
    const buf = encodeInputEvent({ timeUs: 5_000_007, type: EV_KEY, code: 96, value: 2 }, 16);
    assert.equal(buf.length, 16);
    assert.equal(buf.readInt32LE(0), 5);
    assert.equal(buf.readInt32LE(4), 7);
    assert.equal(buf.readUInt16LE(8), EV_KEY);
    assert.equal(buf.readUInt16LE(10), 96);
    assert.equal(buf.readInt32LE(12), 2);
  });

  for (const size of [16, 24] as InputEventSize[]) {
    const stream = Buffer.concat(events.map((e) => encodeInputEvent(e, size)));
    // The timestamps are before 2038, so they survive a 32-bit timeval too.
    const expected = events;

    it(`decodes ${size}-byte events read whole`, () => {
      const d = new InputEventDecoder(size);
      assert.deepEqual(d.push(stream), expected);
      assert.equal(d.pendingBytes, 0);
    });

    it(`decodes ${size}-byte events from reads split at every possible byte`, () => {
      for (let cut = 1; cut < stream.length; cut++) {
        const d = new InputEventDecoder(size);
        const got = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
        assert.deepEqual(got, expected, `cut at ${cut}`);
        assert.equal(d.pendingBytes, 0);
      }
    });

    it(`decodes ${size}-byte events read one byte at a time, and forgets a partial one on reset`, () => {
      const d = new InputEventDecoder(size);
      const got: InputEvent[] = [];
      for (const byte of stream) got.push(...d.push(Buffer.from([byte])));
      assert.deepEqual(got, expected);
      d.push(stream.subarray(0, 5));
      assert.equal(d.pendingBytes, 5);
      d.reset();
      assert.deepEqual(d.push(stream.subarray(0, size)), expected.slice(0, 1));
    });
  }
});
