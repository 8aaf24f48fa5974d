import type { Clock } from '../../../station/clock.js';
import type { MeterFaultKind } from '../../../station/meter-reading.js';
import { PollLoop } from '../../poll-loop.js';
import type { ControlPilot, PilotReading, PilotStatus } from '../../roles/control-pilot.js';
import { ObservedPilot } from '../../pilot/observed-pilot.js';
import { openSerialPortLink, type OpenSerialLink } from '../serial-link.js';
import { RapiLink, RapiCommandError } from './rapi-link.js';
import {
  RapiEvseState,
  RapiFrameError,
  decodeRapiState,
  isSleepingOrDisabled,
  parseCurrentCapacity,
  parseGetState,
  parseStateNotification,
  vehicleLetter,
  type RapiFrame,
} from './rapi-codec.js';

/**
 * The control pilot role played by an OpenEVSE controller over its RAPI serial line
 * (open_evse firmware, rapi_proc.h). A poll is `GS` (state) then `GC` (capacity the pilot
 * advertises). The offer is `SC amps V` (volatile, so a smart-charging profile does not wear out
 * the EEPROM; old firmware that refuses the V gets plain `SC amps`) and `FE` to enable the PWM;
 * 0 A is `FS`, sleep: the board stops its PWM and opens its relay, the vehicle goes back to B.
 * The agent owns enable / sleep: a board found asleep or disabled while we offer current is
 * woken again, so the board's own delay timer should stay off. Health is tracked as for the
 * Modbus pilot board (failed after failAfterPolls failed polls in a row, status F meanwhile).
 */

export interface OpenEvsePilotOptions {
  name?: string;
  path: string;
  /** RAPI's serial speed on the OpenEVSE controller (115200 baud). */
  baudRate?: number;
  clock: Clock;
  /** Failed polls in a row after which the board is reported failed. */
  failAfterPolls: number;
  openLink?: OpenSerialLink;
  /** How long one command may wait for its answer. */
  answerTimeoutMs?: number;
}

/** IEC 61851-1's least PWM current: below it, no offer. */
const MIN_OFFER_A = 6;

export class OpenEvsePilot extends ObservedPilot implements ControlPilot {
  readonly name: string;
  private readonly clock: Clock;
  private readonly link: RapiLink;
  private readonly loop: PollLoop<PilotReading | undefined>;
  /** The current we want offered, A (0: asleep). */
  private wantedA = 0;
  /** What the board took for wantedA (it clamps SC to its range and answers what it set); undefined until it answered. */
  private acceptedA: number | undefined;
  /** Old firmware answers NK to `SC amps V`; then the plain form is used. */
  private volatileSc = true;
  /** For a sleeping board on firmware that does not report its pilot: was a vehicle connected when last seen? */
  private vehicleConnected = false;
  private writes: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: OpenEvsePilotOptions) {
    super(options.failAfterPolls);
    this.name = options.name ?? `openevse on ${options.path}`;
    this.clock = options.clock;
    this.link = new RapiLink({
      path: options.path,
      baudRate: options.baudRate ?? 115200,
      clock: options.clock,
      openLink: options.openLink ?? openSerialPortLink,
      answerTimeoutMs: options.answerTimeoutMs ?? 1000,
      onNotification: (frame) => this.onNotification(frame),
    });
    this.loop = new PollLoop(this.clock, () => this.doPoll());
  }

  /** The current offered as the board took it (clamped to its range), else as asked; 0: asleep. */
  get offeredCurrentA(): number {
    return this.wantedA === 0 ? 0 : (this.acceptedA ?? this.wantedA);
  }

  setOfferedCurrent(amps: number): void {
    const wanted = Number.isFinite(amps) && amps >= MIN_OFFER_A ? Math.floor(amps) : 0;
    if (wanted !== this.wantedA) this.acceptedA = undefined;
    this.wantedA = wanted;
    void this.applyOffer({ capacity: wanted > 0, enable: wanted > 0, sleep: wanted === 0 }).catch(() => undefined);
  }

  poll(): Promise<PilotReading | undefined> {
    return this.loop.poll();
  }

  start(pollIntervalMs: number): void {
    if (!this.closed) this.loop.start(pollIntervalMs);
  }

  /** Stops polling and puts the board to sleep (no PWM) where it still answers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.loop.stop();
    await this.writes;
    this.wantedA = 0;
    await this.applyOffer({ capacity: false, enable: false, sleep: true }).catch(() => undefined);
    await this.link.close();
    this.completeObservations();
  }

  /** Sends the parts of the offer asked for, in order after any earlier offer; rejects with the first failure. */
  private applyOffer(parts: { capacity: boolean; enable: boolean; sleep: boolean }): Promise<void> {
    const run = async (): Promise<void> => {
      if (parts.sleep) {
        await this.link.command('FS');
        return;
      }
      if (parts.capacity && this.wantedA > 0) await this.sendCapacity(this.wantedA);
      // Enable after the capacity, so the PWM starts at the new current.
      if (parts.enable && this.wantedA > 0) await this.link.command('FE');
    };
    const result = this.writes.then(run, run);
    this.writes = result.catch(() => undefined);
    return result;
  }

  /** `SC amps [V]`: OK or NK both answer the capacity the board set (NK: clamped to its range). */
  private async sendCapacity(amps: number): Promise<void> {
    let answer = await this.link.command('SC', this.volatileSc ? [amps, 'V'] : [amps], { acceptNk: true });
    if (answer.code === 'NK' && answer.args.length === 0 && this.volatileSc) {
      // Firmware before the V flag takes exactly one argument and refuses the rest without a value.
      this.volatileSc = false;
      answer = await this.link.command('SC', [amps], { acceptNk: true });
    }
    const set = answer.args[0] !== undefined ? parseInt(answer.args[0], 10) : NaN;
    if (!Number.isFinite(set)) throw new RapiCommandError('exception', `SC ${amps}: the board answered $${answer.code} without a capacity`);
    if (amps === this.wantedA) this.acceptedA = set;
  }

  /** A state notification (`$ST` / `$AT`) is a fresh status, between polls; `$AB` (boot) means our offer is gone. */
  private onNotification(frame: RapiFrame): void {
    if (this.closed) return;
    if (frame.code === 'AB') {
      this.acceptedA = undefined;
      void this.applyOffer({ capacity: this.wantedA > 0, enable: this.wantedA > 0, sleep: this.wantedA === 0 }).catch(() => undefined);
      return;
    }
    let notified;
    try {
      notified = parseStateNotification(frame);
    } catch {
      return;
    }
    // While failed the status stays F until a poll succeeds; a notification alone does not restore health.
    if (notified) this.notified(this.decode(notified.evseState, notified.pilotState));
  }

  private decode(evseState: number, pilotState: number | undefined): PilotStatus {
    const seen = vehicleLetter(vehicleLetter(evseState) ? evseState : pilotState);
    if (seen) this.vehicleConnected = seen !== 'A';
    return decodeRapiState(evseState, pilotState, this.vehicleConnected);
  }

  private async doPoll(): Promise<PilotReading | undefined> {
    let reading: PilotReading | undefined;
    let fault: { kind: MeterFaultKind; message: string } | undefined;
    // Read after the offers asked for so far went out, so a poll right after setOfferedCurrent sees it.
    await this.writes;
    try {
      const state = parseGetState((await this.link.command('GS')).args);
      const capacity = parseCurrentCapacity((await this.link.command('GC')).args);
      const status = this.decode(state.evseState, state.pilotState);
      const pwm = vehicleLetter(state.evseState) !== undefined;
      reading = { ...status, rawState: state.evseState, offeredCurrentA: pwm ? capacity.pilotA : 0 };
      // A failed repair is not a failed read: the next poll tries again.
      await this.repairOffer(state.evseState, capacity.pilotA).catch(() => undefined);
    } catch (err) {
      fault = describe(err);
    }
    const now = this.clock.now();
    if (reading) {
      this.polledGood(reading, now);
      return reading;
    }
    this.polledFailed(fault!, now);
    return undefined;
  }

  /**
   * Says the offer again where the board lost it (a reboot forgets the volatile SC and wakes it,
   * a button press sleeps it). A board in a fault state is left alone: sleeping it would hide the fault.
   */
  private async repairOffer(evseState: number, pilotA: number): Promise<void> {
    if (this.closed) return;
    const asleep = isSleepingOrDisabled(evseState);
    const normal = evseState >= RapiEvseState.A && evseState <= RapiEvseState.D;
    if (this.wantedA === 0) {
      if (normal) await this.applyOffer({ capacity: false, enable: false, sleep: true });
      return;
    }
    const capacityLost = this.acceptedA === undefined || pilotA !== this.acceptedA;
    if (capacityLost || asleep) await this.applyOffer({ capacity: capacityLost, enable: asleep, sleep: false });
  }
}

function describe(err: unknown): { kind: MeterFaultKind; message: string } {
  if (err instanceof RapiCommandError) return { kind: err.kind, message: err.message };
  if (err instanceof RapiFrameError) return { kind: err.kind === 'checksum' ? 'crc' : 'invalid-value', message: err.message };
  return { kind: 'io', message: err instanceof Error ? err.message : String(err) };
}
