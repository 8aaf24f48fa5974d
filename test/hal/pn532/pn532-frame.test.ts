import assert from 'node:assert/strict';
import {
  ACK_FRAME,
  ERROR_FRAME,
  HSU_WAKEUP,
  NACK_FRAME,
  Pn532Command,
  encodeCommand,
  encodeResponse,
  parseFrames,
  parseTypeATargets,
  uidToHex,
  type Pn532Frame,
} from '../../../src/hal/drivers/pn532/pn532-frame.js';

/** Feeds `bytes` in chunks of `size`, keeping the rest between calls, as a driver does. */
function parseInChunks(bytes: Buffer, size: number): Pn532Frame[] {
  const frames: Pn532Frame[] = [];
  let rest: Buffer = Buffer.alloc(0);
  for (let i = 0; i < bytes.length; i += size) {
    const out = parseFrames(Buffer.concat([rest, bytes.subarray(i, i + size)]));
    frames.push(...out.frames);
    rest = out.rest;
  }
  assert.equal(rest.length <= 1, true, 'nothing but a possible start byte is left over');
  return frames;
}

describe('PN532 frame codec (UM0701-02 chapter 6)', () => {
  it('encodes GetFirmwareVersion as the manual frames it', () => {
    // 00 00 FF, LEN 2, LCS FE, TFI D4, 02, DCS 2A (D4 + 02 + 2A = 0x100), postamble 00.
    assert.deepEqual(encodeCommand(Pn532Command.GetFirmwareVersion), Buffer.from('0000ff02fed4022a00', 'hex'));
  });

  it('encodes SAMConfiguration in normal mode with its checksums', () => {
    const frame = encodeCommand(Pn532Command.SAMConfiguration, [0x01, 0x14, 0x01]);
    assert.deepEqual(frame, Buffer.from('0000ff05fbd4140114010200', 'hex'));
  });

  it('parses ACK, NACK, the error frame and an answer in one stream', () => {
    const answer = encodeResponse(Pn532Command.GetFirmwareVersion, [0x32, 0x01, 0x06, 0x07]);
    const { frames, rest } = parseFrames(Buffer.concat([ACK_FRAME, answer, NACK_FRAME, ERROR_FRAME]));
    assert.deepEqual(frames, [
      { kind: 'ack' },
      { kind: 'info', tfi: 0xd5, data: Buffer.from([0x03, 0x32, 0x01, 0x06, 0x07]) },
      { kind: 'nack' },
      { kind: 'error' },
    ]);
    assert.equal(rest.length <= 1, true);
  });

  it('skips the HSU wake-up in front of a command', () => {
    const { frames } = parseFrames(Buffer.concat([HSU_WAKEUP, encodeCommand(Pn532Command.SAMConfiguration, [1, 0x14, 1])]));
    assert.deepEqual(frames, [{ kind: 'info', tfi: 0xd4, data: Buffer.from([0x14, 0x01, 0x14, 0x01]) }]);
  });

  it('gives the same frames however the bytes are split, down to one byte at a time', () => {
    const stream = Buffer.concat([
      ACK_FRAME,
      encodeResponse(Pn532Command.InListPassiveTarget, [1, 1, 0, 0x44, 0, 7, 4, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6]),
      ACK_FRAME,
      encodeResponse(Pn532Command.InListPassiveTarget, [0]),
    ]);
    const whole = parseFrames(stream).frames;
    assert.equal(whole.length, 4);
    for (const size of [1, 2, 3, 5, 7, 11]) assert.deepEqual(parseInChunks(stream, size), whole, `chunks of ${size}`);
  });

  it('keeps an unfinished frame as the rest', () => {
    const frame = encodeResponse(Pn532Command.SAMConfiguration);
    const { frames, rest } = parseFrames(frame.subarray(0, 6));
    assert.deepEqual(frames, []);
    assert.deepEqual(rest, frame.subarray(1, 6), "from the start code on");
  });

  it('reports a wrong data checksum and still finds the next good frame', () => {
    const bad = encodeResponse(Pn532Command.GetFirmwareVersion, [0x32, 1, 6, 7]);
    bad.writeUInt8(bad.readUInt8(bad.length - 2) ^ 0x01, bad.length - 2); // DCS
    const good = encodeResponse(Pn532Command.SAMConfiguration);
    const frames = parseInChunks(Buffer.concat([bad, good]), 3);
    assert.deepEqual(frames, [{ kind: 'corrupt', reason: 'data checksum (DCS) wrong' }, { kind: 'info', tfi: 0xd5, data: Buffer.from([0x15]) }]);
  });

  it('reports a wrong length checksum', () => {
    const bad = encodeResponse(Pn532Command.SAMConfiguration);
    bad.writeUInt8(bad.readUInt8(4) ^ 0x10, 4); // LCS
    const { frames } = parseFrames(bad);
    assert.deepEqual(frames[0], { kind: 'corrupt', reason: 'length checksum (LCS) wrong' });
  });

  it('reads a data byte flipped on the line as corrupt, never as a frame', () => {
    const frame = encodeResponse(Pn532Command.InListPassiveTarget, [1, 1, 0, 4, 8, 4, 0xde, 0xad, 0xbe, 0xef]);
    for (let i = 5; i < frame.length - 2; i++) {
      const copy = Buffer.from(frame);
      copy.writeUInt8(copy.readUInt8(i) ^ 0x40, i);
      const infos = parseFrames(copy).frames.filter((f) => f.kind === 'info');
      assert.deepEqual(infos, [], `byte ${i} flipped`);
    }
  });

  it('refuses a frame over 254 data bytes', () => {
    assert.throws(() => encodeCommand(0x40, new Array<number>(254).fill(0)), RangeError);
  });

  it('reads 4-, 7- and 10-byte NFCID1s and no target from InListPassiveTarget', () => {
    assert.deepEqual(parseTypeATargets(Buffer.from([0])), []);
    const four = parseTypeATargets(Buffer.from([1, 1, 0x00, 0x04, 0x08, 4, 0xde, 0xad, 0xbe, 0xef]));
    assert.equal(uidToHex(four[0]?.uid ?? Buffer.alloc(0)), 'DEADBEEF');
    const seven = parseTypeATargets(Buffer.from([1, 1, 0x00, 0x44, 0x00, 7, 0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6]));
    assert.equal(uidToHex(seven[0]?.uid ?? Buffer.alloc(0)), '04A1B2C3D4E5F6');
    // A 10-byte UID on an ISO/IEC 14443-4 card (SEL_RES bit 6) with an ATS after it.
    const ten = parseTypeATargets(Buffer.from([1, 1, 0x03, 0x44, 0x20, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 3, 0x78, 0x80]));
    assert.equal(uidToHex(ten[0]?.uid ?? Buffer.alloc(0)), '0102030405060708090A');
    assert.equal(ten[0]?.selRes, 0x20);
  });

  it('refuses an NFCID1 of another length or a cut answer', () => {
    assert.throws(() => parseTypeATargets(Buffer.from([1, 1, 0, 4, 8, 5, 1, 2, 3, 4, 5])), /4, 7 or 10/);
    assert.throws(() => parseTypeATargets(Buffer.from([1, 1, 0, 4, 8, 4, 1, 2])), /cut/);
    assert.throws(() => parseTypeATargets(Buffer.alloc(0)), /NbTg/);
  });
});
