import type { StationConfig } from '../../config/station-config.js';
import type { MeterReading } from '../../station/meter-reading.js';
import type { Logger } from '../../process/logger.js';
import type { LocalAuthorizer } from '../../services/authorization/index.js';
import type { Station } from '../../station/station.js';
import type { IdToken } from '../../station/types.js';
import type { CsmsClock } from '../../services/registration/csms-clock.js';
import type { BootState } from '../../services/registration/registration.js';
import type { SmartCharging, SmartChargingRules } from '../../services/smart-charging/smart-charging.js';
import type { ConfigurationStore } from './configuration/configuration-store.js';
import type { ConnectorNumbering } from './connector-numbering.js';

export type DataTransferHandler16 = (messageId: string | undefined, data: string | undefined) => Promise<{ status: 'Accepted' | 'Rejected' | 'UnknownMessageId'; data?: string }>;

/** What the 1.6 action handlers share, so that each action stays a small file. */
export interface V16Context {
  readonly config: StationConfig;
  readonly station: Station;
  readonly configuration: ConfigurationStore;
  readonly numbering: ConnectorNumbering;
  readonly clock: CsmsClock;
  readonly log: Logger;
  readonly localAuthorizer: LocalAuthorizer | undefined;
  bootState(): BootState;
  send(action: string, payload: object, options?: { triggered?: boolean }): Promise<unknown>;
  latestReading(evseId: number): MeterReading | undefined;
  /** The station restarts after a Reset, with the type for the stop reasons. */
  restart(type: 'Hard' | 'Soft'): void;
  /** The local transaction behind a transactionId the CSMS assigned. */
  localTransactionId(csmsTransactionId: number): string | undefined;
  readonly dataTransferHandlers: Map<string, DataTransferHandler16>;
  /** Charging profiles and the composite schedule (3.13). */
  readonly smartCharging: SmartCharging;
  /** The 9.4 keys' limits now (ChargeProfileMaxStackLevel, ...). */
  smartChargingRules(): SmartChargingRules;
}

/**
 * 1.6 knows an idTag, a string of at most 20 characters, not a typed token: the core sees every
 * 1.6 idTag as one type, so that the same tag always matches itself.
 */
export const ID_TAG_TYPE = 'ISO14443' as const;

export function idTokenOf(idTag: string): IdToken {
  return { idToken: idTag, type: ID_TAG_TYPE };
}
