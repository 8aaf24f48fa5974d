import { distinctUntilChanged, filter, map, startWith, type Observable, type Subscription } from 'rxjs';
import type { StationConfig } from '../config/station-config.js';
import type { StationHardware } from '../hal/station-hardware.js';
import type { Logger } from '../process/logger.js';
import { LocalLimits, type EvseSession, type ExternalLimitEvent } from '../services/local-limits/local-limits.js';
import { NOMINAL_VOLTAGE_V } from '../services/smart-charging/charging-profile.js';
import { SmartCharging, type SmartChargingRules } from '../services/smart-charging/smart-charging.js';
import type { Clock } from '../station/clock.js';
import type { Station } from '../station/station.js';
import { ChargingLimits } from './charging-limits.js';

/**
 * What limits the current each EVSE offers: the charging profiles the CSMS installed (the smart
 * charging service, shared with the adapters) and the local limits of the supply (load balancing,
 * the grid meter, the grid operator's signal), combined per EVSE into the lowest (ChargingLimits)
 * and told to the charging core.
 */
export class ChargingControl {
  readonly smartCharging: SmartCharging;
  readonly limits: ChargingLimits;
  /** Present with a `supply` section in the config. */
  readonly local: LocalLimits | undefined;
  private readonly subscriptions: Subscription[] = [];

  constructor(
    config: StationConfig,
    private readonly station: Station,
    hardware: Pick<StationHardware, 'evses' | 'supply'>,
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
    if (config.supply) {
      this.local = new LocalLimits({
        clock: options.clock,
        log: options.log,
        evses,
        supply: config.supply,
        sessions$: sessionsOf(station, options.clock),
        gridMeter: hardware.supply?.gridMeter,
        evseMeters: hardware.evses.map((e) => ({ evseId: e.evseId, meter: e.meter })),
        gridOperator: hardware.supply?.gridOperator,
        // The station's maximum from the CSMS is shared among the EVSEs like the supply's.
        stationProfileLimitA$: this.smartCharging.limits$.pipe(
          startWith(undefined),
          map(() => this.smartCharging.composite(0, 1, 'A').periods[0]?.limit),
          distinctUntilChanged(),
        ),
      });
    }
  }

  /** External limits for the CSMS (2.0.1 NotifyChargingLimit / ClearedChargingLimit). */
  get external$(): Observable<ExternalLimitEvent> | undefined {
    return this.local?.external$;
  }

  /** Follows the profiles and the local limits, and starts the profiles' timer; after the station started. */
  start(): void {
    this.limits.follow(this.local ? [this.smartCharging.limits$, this.local.limits$] : [this.smartCharging.limits$]);
    this.subscriptions.push(
      this.station.events$.pipe(filter((e) => e.type === 'TransactionStarted' || e.type === 'TransactionEnded')).subscribe((e) => {
        // A TxProfile ends with its transaction; a Relative schedule counts from its start.
        if (e.type === 'TransactionEnded') this.smartCharging.transactionEnded(e.transaction.id);
        else this.smartCharging.reevaluate();
      }),
    );
    this.smartCharging.start();
    this.local?.start();
  }

  stop(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    this.local?.stop();
    this.smartCharging.stop();
    this.limits.stop();
  }
}

/**
 * The EVSEs with a session (an authorization or a transaction), for load balancing: whether the
 * vehicle wants energy (charging, or paused by the EVSE; not when it paused itself) and since when.
 */
function sessionsOf(station: Station, clock: Clock): Observable<readonly EvseSession[]> {
  const since = new Map<number, Date>();
  return station.events$.pipe(
    startWith(undefined),
    map(() =>
      station.snapshot().flatMap((e): EvseSession[] => {
        if (!e.transaction && !e.authorizedIdToken) {
          since.delete(e.evseId);
          return [];
        }
        const started = e.transaction?.startedAt ?? since.get(e.evseId) ?? clock.now();
        since.set(e.evseId, started);
        const charging = e.connectors.some((c) => c.chargingState === 'Charging' || c.chargingState === 'SuspendedEVSE');
        return [{ evseId: e.evseId, charging, since: started }];
      }),
    ),
    distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)),
  );
}
