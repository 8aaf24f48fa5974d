import type { VehicleState } from '../../roles/board-support.js';
import { RapiEvseState, RapiFrameError, RapiLineSplitter, formatFrame, parseFrame } from '../openevse/rapi-codec.js';
import { openSerialPortLink, type OpenSerialLink, type SerialLink } from '../serial-link.js';
import { SimulatedVehicle } from './simulated-vehicle.js';

/** Faults of the simulated board: silent is a broken wire; board puts it in one of its fault states (GFCI, no ground...). */
export type SimulatedOpenEvseFault = { mode: 'none' } | { mode: 'silent' } | { mode: 'board'; evseState: number };

export interface SimulatedOpenEvseOptions {
  vehicle?: SimulatedVehicle;
  /** The hardware's most current for the service level, A. */
  maxA?: number;
  /** The capacity in EEPROM, the one the board comes up with. */
  savedCapacityA?: number;
  /** Newer firmware gives the pilot state and flags in GS; old firmware only `evsestate elapsed`. */
  reportsPilotState?: boolean;
  /** Firmware before the V flag takes `SC amps` only and answers NK to `SC amps V`. */
  acceptsVolatileSc?: boolean;
  /** Sends `$AT` when its state changes, and `$AB` after reboot() (as the firmware does when RAPI is on serial). */
  notifyStateChanges?: boolean;
  /** How often serve() looks at the vehicle for a state change to notify, ms. */
  notifyCheckMs?: number;
}

const MIN_A = 6;
const VEHICLE_RAW: Record<VehicleState, number> = {
  A: RapiEvseState.A,
  B: RapiEvseState.B,
  C: RapiEvseState.C,
  D: RapiEvseState.D,
  // The firmware's pilot reading has no E or F: a shorted diode (or a pilot pulled to 0 V) fails its diode check.
  E: RapiEvseState.DiodeCheckFailed,
  F: RapiEvseState.DiodeCheckFailed,
};
/** ECVF_EV_CONNECTED in the vflags (open_evse.h). */
const VFLAG_EV_CONNECTED = 0x0100;

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * An OpenEVSE controller as its RAPI line shows it (rapi_proc.h), with a simulated vehicle behind
 * its pilot: GS gives the state computed from the vehicle and the current offered now; SC sets
 * the capacity (clamped to 6..maxA, NK with what it set when outside); FS sleeps it (no PWM),
 * FE enables it, FD disables it. reboot() forgets a volatile SC and comes up enabled, as the board
 * does after a power cycle.
 */
export class SimulatedOpenEvse {
  readonly vehicle: SimulatedVehicle;
  fault: SimulatedOpenEvseFault = { mode: 'none' };
  readonly maxA: number;
  savedCapacityA: number;
  capacityA: number;
  mode: 'enabled' | 'sleeping' | 'disabled' = 'enabled';
  reportsPilotState: boolean;
  acceptsVolatileSc: boolean;
  /** Every command line received, for tests (e.g. that SC went out again). */
  readonly received: string[] = [];
  private readonly notify: boolean;
  private readonly notifyCheckMs: number;
  private link: SerialLink | undefined;
  private notifyTimer: ReturnType<typeof setInterval> | undefined;
  /** The evse and pilot states last notified, e.g. 'fe/02': the firmware notifies a change of either. */
  private lastNotified: string | undefined;

  constructor(options: SimulatedOpenEvseOptions = {}) {
    this.vehicle = options.vehicle ?? new SimulatedVehicle();
    this.maxA = options.maxA ?? 32;
    this.savedCapacityA = options.savedCapacityA ?? 16;
    this.capacityA = this.savedCapacityA;
    this.reportsPilotState = options.reportsPilotState ?? true;
    this.acceptsVolatileSc = options.acceptsVolatileSc ?? true;
    this.notify = options.notifyStateChanges ?? false;
    this.notifyCheckMs = options.notifyCheckMs ?? 10;
  }

  /** The current the pilot's PWM offers now, A (0: asleep, disabled or in a fault). */
  get offeredCurrentA(): number {
    return this.mode === 'enabled' && this.fault.mode !== 'board' ? this.capacityA : 0;
  }

  /** The vehicle's state as the pilot reads it (the PWM, or its absence, is what the vehicle sees). */
  get pilotState(): number {
    return VEHICLE_RAW[this.vehicle.pilotState(this.offeredCurrentA)];
  }

  get evseState(): number {
    if (this.fault.mode === 'board') return this.fault.evseState;
    if (this.mode === 'sleeping') return RapiEvseState.Sleeping;
    if (this.mode === 'disabled') return RapiEvseState.Disabled;
    return this.pilotState;
  }

  /** A power cycle: the volatile capacity is gone, the board comes up enabled and says so (`$AB 00`). */
  reboot(): void {
    this.capacityA = this.savedCapacityA;
    this.mode = 'enabled';
    if (this.notify) this.send(formatFrame('AB', ['00', '8.2.2']));
  }

  /** The answer to one command line (without `\r`), as the board writes it; '' when silent. */
  handleLine(line: string): string {
    if (this.fault.mode === 'silent') return '';
    this.received.push(line);
    let frame;
    try {
      frame = parseFrame(line);
    } catch (err) {
      // The firmware answers NK to a command it cannot take, a wrong checksum included.
      return err instanceof RapiFrameError ? formatFrame('NK') : '';
    }
    return this.answer(frame.code, frame.args);
  }

  private answer(code: string, args: readonly string[]): string {
    const ok = (...values: (string | number)[]): string => formatFrame('OK', values);
    switch (code) {
      case 'GS': {
        const state = this.evseState;
        if (!this.reportsPilotState) return ok(hex(state), 0);
        return ok(hex(state), 0, hex(this.pilotState), (this.vehicle.plugged ? VFLAG_EV_CONNECTED : 0).toString(16).padStart(4, '0'));
      }
      case 'GC':
        return ok(MIN_A, this.maxA, this.capacityA, this.maxA);
      case 'GV':
        return ok('8.2.2', '5.1.2');
      case 'SC': {
        const asked = Number(args[0]);
        const volatile = args.length === 2;
        if (args[0] === undefined || !/^\d+$/.test(args[0]) || args.length > (this.acceptsVolatileSc ? 2 : 1)) return formatFrame('NK');
        const set = Math.min(this.maxA, Math.max(MIN_A, asked));
        this.capacityA = set;
        if (!volatile) this.savedCapacityA = set;
        return formatFrame(set === asked ? 'OK' : 'NK', [set]);
      }
      case 'FS':
        this.mode = 'sleeping';
        return ok();
      case 'FE':
        this.mode = 'enabled';
        return ok();
      case 'FD':
        this.mode = 'disabled';
        return ok();
      default:
        return formatFrame('NK');
    }
  }

  /** Answers RAPI on a serial line (one end of a socat pty pair) until close(). */
  async serve(path: string, baudRate = 115200, openLink: OpenSerialLink = openSerialPortLink): Promise<void> {
    const link = await openLink(path, baudRate);
    this.link = link;
    const splitter = new RapiLineSplitter();
    link.onData((chunk) => {
      for (const line of splitter.push(chunk)) {
        const answer = this.handleLine(line);
        if (answer) this.send(answer);
        this.notifyIfChanged();
      }
    });
    link.onGone(() => undefined);
    if (this.notify) {
      this.lastNotified = `${hex(this.evseState)}/${hex(this.pilotState)}`;
      this.notifyTimer = setInterval(() => this.notifyIfChanged(), this.notifyCheckMs);
    }
  }

  /** `$AT evsestate pilotstate capacity vflags` when either state differs from the last one sent. */
  notifyIfChanged(): void {
    if (!this.notify || this.fault.mode === 'silent') return;
    const state = this.evseState;
    const both = `${hex(state)}/${hex(this.pilotState)}`;
    if (both === this.lastNotified) return;
    this.lastNotified = both;
    this.send(formatFrame('AT', [hex(state), hex(this.pilotState), this.capacityA, (this.vehicle.plugged ? VFLAG_EV_CONNECTED : 0).toString(16).padStart(4, '0')]));
  }

  private send(text: string): void {
    if (this.fault.mode === 'silent') return;
    this.link?.write(Buffer.from(text, 'latin1'));
  }

  async close(): Promise<void> {
    if (this.notifyTimer) clearInterval(this.notifyTimer);
    this.notifyTimer = undefined;
    const link = this.link;
    this.link = undefined;
    await link?.close().catch(() => undefined);
  }
}
