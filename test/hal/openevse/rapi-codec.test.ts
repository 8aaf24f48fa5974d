import assert from 'node:assert/strict';
import {
  RapiEvseState,
  RapiFrameError,
  RapiLineSplitter,
  decodeRapiState,
  formatFrame,
  isAnswer,
  isNotification,
  parseCurrentCapacity,
  parseFrame,
  parseGetState,
  parseStateNotification,
  sumChecksum,
  xorChecksum,
} from '../../../src/hal/drivers/openevse/rapi-codec.js';
import { SimulatedOpenEvse } from '../../../src/hal/drivers/simulated/simulated-openevse.js';

/** RAPI frames and states (open_evse rapi_proc.h, open_evse.h), with the examples the header gives. */
describe('RAPI codec', () => {
  it('computes the XOR and the additive checksums of the documented examples', () => {
    // rapi_proc.h: $GS^30, $GC^20, $F0 1^43, $SK 0^2C (XOR); $FE*AF, $FS*BD, $S0 0*F7 (sum).
    assert.equal(xorChecksum('$GS'), 0x30);
    assert.equal(xorChecksum('$GC'), 0x20);
    assert.equal(xorChecksum('$F0 1'), 0x43);
    assert.equal(xorChecksum('$SK 0'), 0x2c);
    assert.equal(sumChecksum('$FE'), 0xaf);
    assert.equal(sumChecksum('$FS'), 0xbd);
    assert.equal(sumChecksum('$S0 0'), 0xf7);
  });

  it('formats commands with the XOR checksum (or the legacy sum, or none) and a CR', () => {
    assert.equal(formatFrame('GS'), '$GS^30\r');
    assert.equal(formatFrame('F0', [1]), '$F0 1^43\r');
    assert.equal(formatFrame('FE', [], 'sum'), '$FE*AF\r');
    assert.equal(formatFrame('SC', [16, 'V'], 'none'), '$SC 16 V\r');
  });

  it('parses answers with either checksum, without one, and with a v3 sequence id', () => {
    const ok = parseFrame(formatFrame('OK', ['03', 125, '03', '0140']).trimEnd());
    assert.deepEqual(ok, { code: 'OK', args: ['03', '125', '03', '0140'], checksum: 'xor' });
    assert.ok(isAnswer(ok) && !isNotification(ok));
    assert.deepEqual(parseFrame('$FE*AF'), { code: 'FE', args: [], checksum: 'sum' });
    assert.deepEqual(parseFrame('$NK 32'), { code: 'NK', args: ['32'], checksum: 'none' });
    const body = '$OK 6 32 16 32 :2A';
    const seq = parseFrame(`${body}^${xorChecksum(body).toString(16).padStart(2, '0')}`);
    assert.equal(seq.sequenceId, 0x2a);
    assert.deepEqual(seq.args, ['6', '32', '16', '32']);
  });

  it('refuses a wrong checksum and a line that is no frame', () => {
    assert.throws(() => parseFrame('$GS^31'), (e: unknown) => e instanceof RapiFrameError && e.kind === 'checksum');
    assert.throws(() => parseFrame('$FE*AE'), (e: unknown) => e instanceof RapiFrameError && e.kind === 'checksum');
    assert.throws(() => parseFrame('OK 1'), (e: unknown) => e instanceof RapiFrameError && e.kind === 'malformed');
    assert.throws(() => parseFrame('$'), (e: unknown) => e instanceof RapiFrameError && e.kind === 'malformed');
  });

  it('tells notifications ($AT, $ST, $AB) from answers', () => {
    const at = parseFrame(formatFrame('AT', ['03', '03', 32, '0140']).trimEnd());
    assert.ok(isNotification(at));
    assert.deepEqual(parseStateNotification(at), { evseState: 3, pilotState: 3, capacityA: 32, vflags: 0x140 });
    assert.deepEqual(parseStateNotification(parseFrame('$ST 0a')), { evseState: RapiEvseState.OverTemperature });
    assert.equal(parseStateNotification(parseFrame('$AB 00 8.2.2')), undefined);
  });

  it('cuts a byte stream into frames at CR, across chunks, dropping noise and LF', () => {
    const split = new RapiLineSplitter();
    assert.deepEqual(split.push('\n$OK 01 0^'), []);
    assert.deepEqual(split.push('xx\r\n$ST 02\rgarbage\r$A'), ['$OK 01 0^xx', '$ST 02']);
    assert.deepEqual(split.push(Buffer.from('B 00 8.2.2\r')), ['$AB 00 8.2.2']);
  });

  it('reads GS with and without the pilot state, and GC', () => {
    assert.deepEqual(parseGetState(['fe', '3600', '02', '0100']), { evseState: 0xfe, elapsedS: 3600, pilotState: 2, vflags: 0x100 });
    assert.deepEqual(parseGetState(['3', '12']), { evseState: 3, elapsedS: 12 });
    assert.throws(() => parseGetState(['zz']), RapiFrameError);
    assert.deepEqual(parseCurrentCapacity(['6', '40', '16', '32']), { minA: 6, maxA: 40, pilotA: 16, configuredMaxA: 32 });
    assert.deepEqual(parseCurrentCapacity(['6', '80', '24']), { minA: 6, maxA: 80, pilotA: 24 });
    assert.throws(() => parseCurrentCapacity(['6']), RapiFrameError);
  });

  it('maps EVSE states to vehicle states and board errors', () => {
    const cases: [number, string, string[]][] = [
      [1, 'A', []],
      [2, 'B', []],
      [3, 'C', []],
      [4, 'D', []],
      [5, 'F', ['diode-check']],
      [6, 'F', ['ground-fault']],
      [7, 'F', ['no-ground']],
      [8, 'F', ['stuck-relay']],
      [9, 'F', ['ground-fault']],
      [10, 'F', ['over-temperature']],
      [11, 'F', ['over-current']],
      [0, 'F', ['board-failure']],
    ];
    for (const [raw, letter, errors] of cases) {
      assert.deepEqual(decodeRapiState(raw, undefined, false), { vehicleState: letter, boardErrors: errors }, `state ${raw}`);
    }
  });

  it('keeps the pilot state of a sleeping or disabled board, else the last connection seen', () => {
    assert.equal(decodeRapiState(RapiEvseState.Sleeping, 2, false).vehicleState, 'B');
    assert.equal(decodeRapiState(RapiEvseState.Disabled, 1, true).vehicleState, 'A');
    assert.equal(decodeRapiState(RapiEvseState.Sleeping, undefined, true).vehicleState, 'B');
    assert.equal(decodeRapiState(RapiEvseState.Disabled, undefined, false).vehicleState, 'A');
    assert.deepEqual(decodeRapiState(RapiEvseState.Sleeping, 0, false).boardErrors, []);
  });
});

describe('simulated OpenEVSE, in process', () => {
  const answer = (sim: SimulatedOpenEvse, line: string): { code: string; args: string[] } => {
    const { code, args } = parseFrame(sim.handleLine(line).trimEnd());
    return { code, args };
  };

  it('answers GS from its vehicle and the offer, SC clamped to its range, FS / FE', () => {
    const sim = new SimulatedOpenEvse({ maxA: 32, savedCapacityA: 16 });
    assert.deepEqual(answer(sim, '$GS^30').args, ['01', '0', '01', '0000']);
    sim.vehicle.plugIn();
    assert.deepEqual(answer(sim, '$GS').args.slice(0, 1), ['03']);
    assert.deepEqual(answer(sim, formatFrame('SC', [40, 'V']).trimEnd()), { code: 'NK', args: ['32'] });
    assert.deepEqual(answer(sim, formatFrame('SC', [3]).trimEnd()), { code: 'NK', args: ['6'] });
    assert.deepEqual(answer(sim, formatFrame('SC', [20, 'V']).trimEnd()), { code: 'OK', args: ['20'] });
    assert.deepEqual(answer(sim, '$GC^20').args, ['6', '32', '20', '32']);
    assert.equal(answer(sim, '$FS*BD').code, 'OK');
    assert.deepEqual(answer(sim, '$GS').args.slice(0, 3), ['fe', '0', '02']);
    assert.equal(answer(sim, '$FE').code, 'OK');
    assert.deepEqual(answer(sim, '$GS').args[0], '03');
  });

  it('refuses a wrong checksum and unknown commands, forgets a volatile SC at reboot, and is mute when silent', () => {
    const sim = new SimulatedOpenEvse({ savedCapacityA: 10 });
    assert.equal(answer(sim, '$GS^31').code, 'NK');
    assert.equal(answer(sim, '$XX').code, 'NK');
    answer(sim, formatFrame('SC', [24, 'V']).trimEnd());
    sim.reboot();
    assert.equal(sim.capacityA, 10);
    answer(sim, formatFrame('SC', [24]).trimEnd());
    sim.reboot();
    assert.equal(sim.capacityA, 24);
    sim.fault = { mode: 'silent' };
    assert.equal(sim.handleLine('$GS^30'), '');
  });
});
