import { filter, type Observable, type Subscription } from 'rxjs';
import type { StationConfig } from '../config/station-config.js';
import type { Logger } from '../process/logger.js';
import { NOMINAL_VOLTAGE_V } from '../services/smart-charging/charging-profile.js';
import { SmartCharging, type SmartChargingRules } from '../services/smart-charging/smart-charging.js';
import type { Clock } from '../station/clock.js';
import type { Station } from '../station/station.js';
import { ChargingLimits, type LimitUpdate } from './charging-limits.js';

/** The station's smart charging limits where the version's settings do not give them. */
export const DEFAULT_SMART_CHARGING_RULES: SmartChargingRules = { maxProfiles: 20, maxPeriodsPerSchedule: 24, maxStackLevel: 9, rateUnits: ['A', 'W'] };

/**
 * What limits the current each EVSE offers: the charging profiles the CSMS installed (the smart
 * charging service, shared with the adapters) and the local limits, combined per EVSE into the
 * lowest (ChargingLimits) and told to the charging core.
 */
export class ChargingControl {
  readonly smartCharging: SmartCharging;
  readonly limits: ChargingLimits;
  private subscription: Subscription | undefined;

  constructor(
    config: StationConfig,
    private readonly station: Station,
    options: { clock: Clock; log: Logger; rules: () => SmartChargingRules },
  ) {
    const evses = config.evses.map((e) => ({ evseId: e.id, voltageV: NOMINAL_VOLTAGE_V, phases: e.phases, maxCurrentA: e.maxCurrentA }));
    this.smartCharging = new SmartCharging({
      storageDir: config.storage.dir,
      clock: options.clock,
      log: options.log,
      evses,
      rules: options.rules,
      transactionOn: (evseId) => {
        const tx = station.evse(evseId)?.transaction;
        return tx ? { id: tx.id, startedAt: tx.startedAt } : undefined;
      },
    });
    this.limits = new ChargingLimits(station, evses);
  }

  /** Follows the profiles and the local limits (`local`), and starts the profiles' timer; after the station started. */
  start(local: ReadonlyArray<Observable<LimitUpdate>> = []): void {
    this.limits.follow([this.smartCharging.limits$, ...local]);
    this.subscription = this.station.events$.pipe(filter((e) => e.type === 'TransactionStarted' || e.type === 'TransactionEnded')).subscribe((e) => {
      // A TxProfile ends with its transaction; a Relative schedule counts from its start.
      if (e.type === 'TransactionEnded') this.smartCharging.transactionEnded(e.transaction.id);
      else this.smartCharging.reevaluate();
    });
    this.smartCharging.start();
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.smartCharging.stop();
    this.limits.stop();
  }
}
