import type { StationConfig } from '../../config/station-config.js';
import type { MeterReading } from '../../station/meter-reading.js';
import type { Logger } from '../../process/logger.js';
import type { Station } from '../../station/station.js';
import type { CsmsClock } from '../../services/registration/csms-clock.js';
import type { BootState } from '../../services/registration/registration.js';
import type { SmartCharging } from '../../services/smart-charging/smart-charging.js';
import type { OcppClient } from '../ocpp-client.js';
import type { DeviceModel } from './device-model/device-model.js';

export type { BootState };

/** A vendor's DataTransfer handler (P01): answers with a status and optional data. */
export type DataTransferHandler = (messageId: string | undefined, data: unknown) => Promise<{ status: 'Accepted' | 'Rejected'; data?: unknown }>;

/** What the 2.0.1 action handlers share: one object, so that each action stays a small file. */
export interface V201Context {
  readonly config: StationConfig;
  readonly station: Station;
  readonly client: OcppClient;
  readonly deviceModel: DeviceModel;
  readonly clock: CsmsClock;
  readonly log: Logger;
  bootState(): BootState;
  /** Sends a CALL now if the connection and the boot state allow it (B02.FR.02); `triggered` marks one the CSMS asked for. */
  send(action: string, payload: object, options?: { triggered?: boolean }): Promise<unknown>;
  /** The latest good reading of an EVSE's meter. */
  latestReading(evseId: number): MeterReading | undefined;
  /** The station restarts (after a Reset), booting again with this reason. */
  restart(reason: 'RemoteReset' | 'ScheduledReset'): void;
  readonly dataTransferHandlers: Map<string, DataTransferHandler>;
  /** Charging profiles and the composite schedule (block K). */
  readonly smartCharging: SmartCharging;
}

