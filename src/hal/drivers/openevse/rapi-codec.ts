import type { VehicleState } from '../../roles/board-support.js';
import type { PilotBoardError } from '../../roles/control-pilot.js';

/**
 * OpenEVSE's RAPI text protocol (open_evse firmware, rapi_proc.h), as pure functions: frames are
 * `$CC arg arg...^XX\r` where XX is the 8-bit XOR of every character before `^` in two hex digits
 * (the legacy form `*XX` is the 8-bit sum instead; no checksum at all is for terminals only).
 * Answers are `$OK ...` or `$NK ...`; v3 firmware may put a sequence id `:ss` before the checksum.
 * The board also speaks unasked: `$ST state` (older) or `$AT evse pilot amps vflags` (newer) when
 * its state changes, `$AB postcode fw` after a boot.
 */

export type RapiChecksum = 'xor' | 'sum' | 'none';

export interface RapiFrame {
  /** The two letters after `$`: a command (GS, SC...), OK / NK for answers, AT / ST / AB... for notifications. */
  code: string;
  args: string[];
  checksum: RapiChecksum;
  /** The v3 sequence id (`:ss`), when the frame carries one. */
  sequenceId?: number;
}

export class RapiFrameError extends Error {
  constructor(
    readonly kind: 'checksum' | 'malformed',
    message: string,
  ) {
    super(message);
    this.name = 'RapiFrameError';
  }
}

/** Codes of the notifications the board sends unasked (rapi_proc.h, "asynchronous messages"). */
const NOTIFICATION_CODES = new Set(['AT', 'ST', 'AB', 'AN', 'WF']);

export function isNotification(frame: RapiFrame): boolean {
  return NOTIFICATION_CODES.has(frame.code);
}
export function isAnswer(frame: RapiFrame): boolean {
  return frame.code === 'OK' || frame.code === 'NK';
}

export function xorChecksum(text: string): number {
  let x = 0;
  for (let i = 0; i < text.length; i++) x ^= text.charCodeAt(i) & 0xff;
  return x;
}
export function sumChecksum(text: string): number {
  let s = 0;
  for (let i = 0; i < text.length; i++) s = (s + (text.charCodeAt(i) & 0xff)) & 0xff;
  return s;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** One frame as sent, `\r` included: `$` code, args separated by spaces, then `^XX` (the XOR form rapi_proc.h recommends). */
export function formatFrame(code: string, args: readonly (string | number)[] = [], checksum: RapiChecksum = 'xor'): string {
  const body = ['$' + code, ...args.map(String)].join(' ');
  if (checksum === 'xor') return `${body}^${hex2(xorChecksum(body))}\r`;
  if (checksum === 'sum') return `${body}*${hex2(sumChecksum(body))}\r`;
  return `${body}\r`;
}

/** Parses one line (without its `\r`); throws RapiFrameError on a wrong checksum or a line that is no frame. */
export function parseFrame(line: string): RapiFrame {
  const trimmed = line.replace(/^[\n\s]+|[\n\s]+$/g, '');
  if (!trimmed.startsWith('$')) throw new RapiFrameError('malformed', `not a RAPI frame: ${JSON.stringify(line)}`);
  let body = trimmed;
  let checksum: RapiChecksum = 'none';
  const mark = /([\^*])([0-9A-Fa-f]{2})$/.exec(trimmed);
  if (mark) {
    body = trimmed.slice(0, mark.index);
    const given = parseInt(mark[2]!, 16);
    checksum = mark[1] === '^' ? 'xor' : 'sum';
    const expected = checksum === 'xor' ? xorChecksum(body) : sumChecksum(body);
    if (given !== expected) throw new RapiFrameError('checksum', `checksum ${mark[2]} of ${JSON.stringify(body)}: expected ${hex2(expected)}`);
  }
  const tokens = body.slice(1).split(' ').filter((t) => t.length > 0);
  const code = tokens.shift();
  if (!code || !/^[A-Z0-9]{2}$/.test(code)) throw new RapiFrameError('malformed', `no command code in ${JSON.stringify(line)}`);
  const frame: RapiFrame = { code, args: tokens, checksum };
  const last = tokens[tokens.length - 1];
  if (last && /^:[0-9A-Fa-f]{2}$/.test(last)) {
    frame.sequenceId = parseInt(last.slice(1), 16);
    tokens.pop();
  }
  return frame;
}

/**
 * Cuts the byte stream into lines at `\r` (RAPI's end of frame). Bytes before a `$` are dropped
 * (line noise, the `\n` echo mode adds); a line longer than any RAPI frame is dropped.
 */
export class RapiLineSplitter {
  private pending = '';
  constructor(private readonly maxLength = 128) {}

  push(chunk: Buffer | string): string[] {
    this.pending += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    const lines: string[] = [];
    let end: number;
    while ((end = this.pending.indexOf('\r')) >= 0) {
      const raw = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 1);
      const start = raw.lastIndexOf('$');
      if (start >= 0) lines.push(raw.slice(start));
    }
    if (this.pending.length > this.maxLength) this.pending = '';
    return lines;
  }
}

/** EVSE states (open_evse.h EVSE_STATE_xxx), as `GS`, `$ST` and `$AT` give them in hex. */
export const RapiEvseState = {
  Unknown: 0x00,
  A: 0x01,
  B: 0x02,
  C: 0x03,
  D: 0x04,
  DiodeCheckFailed: 0x05,
  GfciFault: 0x06,
  NoGround: 0x07,
  StuckRelay: 0x08,
  GfiSelfTestFailed: 0x09,
  OverTemperature: 0x0a,
  OverCurrent: 0x0b,
  /** Newer firmware: the relay did not close. */
  RelayClosureFault: 0x0e,
  Sleeping: 0xfe,
  Disabled: 0xff,
} as const;

const FAULT_ERRORS: ReadonlyMap<number, PilotBoardError> = new Map<number, PilotBoardError>([
  [RapiEvseState.DiodeCheckFailed, 'diode-check'],
  [RapiEvseState.GfciFault, 'ground-fault'],
  [RapiEvseState.GfiSelfTestFailed, 'ground-fault'],
  [RapiEvseState.NoGround, 'no-ground'],
  [RapiEvseState.StuckRelay, 'stuck-relay'],
  [RapiEvseState.OverTemperature, 'over-temperature'],
  [RapiEvseState.OverCurrent, 'over-current'],
  [RapiEvseState.RelayClosureFault, 'board-failure'],
]);

const LETTERS: readonly VehicleState[] = ['A', 'B', 'C', 'D'];

/** A (1) to D (4), the vehicle states the board reads on its pilot; undefined for anything else. */
export function vehicleLetter(raw: number | undefined): VehicleState | undefined {
  return raw !== undefined && raw >= 1 && raw <= 4 ? LETTERS[raw - 1] : undefined;
}

export function isSleepingOrDisabled(evseState: number): boolean {
  return evseState === RapiEvseState.Sleeping || evseState === RapiEvseState.Disabled;
}

/** The EVSE state as the role reports it, from the board's state (and its pilot state where the firmware gives it). */
export interface DecodedRapiState {
  vehicleState: VehicleState;
  boardErrors: PilotBoardError[];
}

/**
 * 1-4 are A-D; the fault states are F with their error (IEC 61851-1: EVSE not available). A
 * sleeping or disabled board has no PWM, but its pilot still sees the vehicle: we keep the pilot
 * state the newer firmware reports beside it (1-4), else B when a vehicle was last seen connected,
 * else A (a vehicle plugged in while an old firmware sleeps shows only when the board wakes).
 */
export function decodeRapiState(evseState: number, pilotState: number | undefined, vehicleLastConnected: boolean): DecodedRapiState {
  const letter = vehicleLetter(evseState);
  if (letter) return { vehicleState: letter, boardErrors: [] };
  if (isSleepingOrDisabled(evseState)) {
    return { vehicleState: vehicleLetter(pilotState) ?? (vehicleLastConnected ? 'B' : 'A'), boardErrors: [] };
  }
  return { vehicleState: 'F', boardErrors: [FAULT_ERRORS.get(evseState) ?? 'board-failure'] };
}

function parseHex(token: string | undefined, what: string): number {
  if (token === undefined || !/^[0-9A-Fa-f]{1,4}$/.test(token)) throw new RapiFrameError('malformed', `${what}: ${JSON.stringify(token)} is no hex number`);
  return parseInt(token, 16);
}
function parseDecimal(token: string | undefined, what: string): number {
  if (token === undefined || !/^-?\d{1,10}$/.test(token)) throw new RapiFrameError('malformed', `${what}: ${JSON.stringify(token)} is no number`);
  return parseInt(token, 10);
}

export interface RapiGetState {
  evseState: number;
  elapsedS?: number;
  /** Newer firmware only. */
  pilotState?: number;
  vflags?: number;
}

/** `$OK evsestate elapsed [pilotstate vflags]` (GS); the states and flags in hex, elapsed in seconds. */
export function parseGetState(args: readonly string[]): RapiGetState {
  const out: RapiGetState = { evseState: parseHex(args[0], 'GS evse state') };
  if (args[1] !== undefined) out.elapsedS = parseDecimal(args[1], 'GS elapsed');
  if (args[2] !== undefined) out.pilotState = parseHex(args[2], 'GS pilot state');
  if (args[3] !== undefined) out.vflags = parseHex(args[3], 'GS vflags');
  return out;
}

export interface RapiCurrentCapacity {
  minA: number;
  /** The hardware's most for the service level. */
  maxA: number;
  /** The capacity the pilot advertises (when it has PWM). */
  pilotA: number;
  /** The configured most (EEPROM); absent on old firmware. */
  configuredMaxA?: number;
}

/** `$OK minamps hmaxamps pilotamps [cmaxamps]` (GC), all decimal. */
export function parseCurrentCapacity(args: readonly string[]): RapiCurrentCapacity {
  const out: RapiCurrentCapacity = {
    minA: parseDecimal(args[0], 'GC min'),
    maxA: parseDecimal(args[1], 'GC max'),
    pilotA: parseDecimal(args[2], 'GC pilot'),
  };
  if (args[3] !== undefined) out.configuredMaxA = parseDecimal(args[3], 'GC configured max');
  return out;
}

export interface RapiStateNotification {
  evseState: number;
  pilotState?: number;
  capacityA?: number;
  vflags?: number;
}

/** `$ST state` or `$AT evsestate pilotstate currentcapacity vflags`; undefined for other frames. */
export function parseStateNotification(frame: RapiFrame): RapiStateNotification | undefined {
  if (frame.code === 'ST') return { evseState: parseHex(frame.args[0], 'ST state') };
  if (frame.code !== 'AT') return undefined;
  const out: RapiStateNotification = { evseState: parseHex(frame.args[0], 'AT evse state') };
  if (frame.args[1] !== undefined) out.pilotState = parseHex(frame.args[1], 'AT pilot state');
  if (frame.args[2] !== undefined) out.capacityA = parseDecimal(frame.args[2], 'AT capacity');
  if (frame.args[3] !== undefined) out.vflags = parseHex(frame.args[3], 'AT vflags');
  return out;
}
