import type { EvseCommand } from '../../src/station/evse-command.js';
import { decide } from '../../src/station/evse-decide.js';
import type { EvseInput } from '../../src/station/evse-input.js';
import { initialEvseState, type Authorization, type DecideEnv, type EvseState } from '../../src/station/evse-state.js';
import type { StationEvent } from '../../src/station/events.js';
import type { MeterReading } from '../../src/station/meter-reading.js';
import { DEFAULT_SAFETY, type ChargingSettings } from '../../src/station/ports.js';

/** Playing inputs through decide() one after another, as the runner does, for tests of the core's decisions. */

export const CARD = { idToken: 'CARD1', type: 'ISO14443' as const };
export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
export const BASE_SETTINGS: ChargingSettings = {
  txStartPoints: ['PowerPathClosed'],
  txStopPoints: ['EVConnected', 'Authorized'],
  evConnectionTimeoutS: 60,
  stopTxOnInvalidId: true,
  evIdleCurrentA: 0.5,
  evIdleAfterS: 10,
  onMeterFailure: 'suspend',
};

export const reading = (energyImportWh: number, atS = 0, amps = 16): MeterReading => ({ energyImportWh, currentL1A: amps, timestamp: new Date(T0 + atS * 1000) });
export const byToken: Authorization = { idToken: CARD, source: 'token' };

export class Play {
  state: EvseState;
  commands: EvseCommand[] = [];
  nowS = 0;
  private ids = 0;
  readonly env: DecideEnv;

  constructor(settings: Partial<ChargingSettings> = {}, state?: EvseState) {
    this.env = { settings: { ...BASE_SETTINGS, ...settings }, safety: DEFAULT_SAFETY, newTransactionId: () => `tx-${++this.ids}` };
    this.state = state ?? initialEvseState({ evseId: 1, maxCurrentA: 16, connectorIds: [1] });
  }

  /** Feeds the inputs, each Then's input right after its decision; returns this round's commands. */
  send(...inputs: EvseInput[]): EvseCommand[] {
    const round: EvseCommand[] = [];
    const queue = [...inputs];
    for (let input = queue.shift(); input; input = queue.shift()) {
      const { state, commands } = decide(this.state, input, new Date(T0 + this.nowS * 1000), this.env);
      this.state = state;
      round.push(...commands);
      for (const c of commands) if (c.type === 'Then') queue.push(c.input);
    }
    this.commands.push(...round);
    return round;
  }

  /** A meter that answers, a vehicle plugged in, a card: the usual start. */
  ready(): this {
    this.send({ type: 'Reading', reading: reading(1000) }, { type: 'Started' });
    return this;
  }
}

export const events = (commands: EvseCommand[]): StationEvent[] => commands.flatMap((c) => (c.type === 'Emit' ? [c.event] : []));
export const txEvents = (commands: EvseCommand[]): string[] => events(commands).flatMap((e) => (e.type.startsWith('Transaction') ? [e.type] : []));
export const find = <K extends StationEvent['type']>(commands: EvseCommand[], type: K): Extract<StationEvent, { type: K }> | undefined =>
  events(commands).find((e): e is Extract<StationEvent, { type: K }> => e.type === type);
export const relayCommands = (commands: EvseCommand[]): boolean[] => commands.flatMap((c) => (c.type === 'SetRelay' ? [c.closed] : []));
export const plug = (plugged: boolean): EvseInput => ({ type: 'PlugChanged', index: 0, plugged, initial: false });
export const authorize = (auth: Authorization = byToken): EvseInput => ({ type: 'Authorize', auth, trigger: 'Authorized' });

