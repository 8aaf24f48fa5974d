import type { Observable } from 'rxjs';
import type { SafetyInputFunction } from '../../config/station-config.js';

/**
 * The safety input role: an emergency stop or an RCD's trip contact, for the whole station or
 * one EVSE. Active means tripped, whatever the wiring (a normally-closed button is active-low).
 */
export interface SafetyInput {
  /** The input's name in the config (inputs.NAME). */
  readonly name: string;
  readonly function: SafetyInputFunction;
  /** The EVSE it guards; absent: the whole station. */
  readonly evseId?: number;
  /** Whether it is tripped now; replays the current state to a new subscriber. */
  readonly active$: Observable<boolean>;
  readonly active: boolean;
  close(): Promise<void>;
}
