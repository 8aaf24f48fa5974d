import type { Agent, BootReason } from '../../../src/app/agent.js';
import type { SimulatedWorld } from '../../../src/hal/simulated-world.js';
import type { TokenResult } from '../../../src/station/station.js';
import type { DevCsms, DevCsmsOptions } from '../../../tools/dev-csms/dev-csms.js';
import type { ConfigChanges, Rig } from '../harness.js';

/**
 * What an integration scenario says to a station and expects of it, in the charging core's terms
 * (plug, token, transaction, connector status, reservation), whatever OCPP version it speaks. A
 * driver per version (v16-driver.ts, v201-driver.ts) turns each command into that version's
 * messages and reads each expectation out of what its CSMS recorded. A scenario that needs a
 * detail only one version has asks `driver.version`, or keeps it in a per-version table.
 */

export type OcppVersion = '1.6' | '2.0.1';
export const VERSIONS: readonly OcppVersion[] = ['1.6', '2.0.1'];

/**
 * A connector's status in core terms. 1.6's Preparing, Charging, SuspendedEV, SuspendedEVSE
 * and Finishing are all Occupied here (the 1.6 driver keeps the wire name as well).
 */
export type ServiceStatus = 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted';

/** A transaction as the CSMS saw it start. */
export interface StartedTransaction {
  /** The id the CSMS knows it by: 1.6 the integer the CSMS gave, 2.0.1 the station's string. */
  csmsId: string | number;
  /** The charging core's id of it. */
  localId: string;
  evseId: number;
  /** 2.0.1 leaves it out while no cable is in (TxStartPoint Authorized). */
  connectorId?: number;
  /** The idToken (2.0.1) / idTag (1.6); none when a 2.0.1 transaction starts before authorization. */
  token?: string;
  /** The energy register at the start, in Wh. */
  meterStartWh: number;
  reservationId?: number;
  /** When the station says it started. */
  timestamp: string;
}

/** A transaction as the CSMS saw it end. */
export interface EndedTransaction {
  csmsId: string | number;
  /** The reason on the wire: 1.6 StopTransaction.reason (Local when absent), 2.0.1 stoppedReason (Local when absent). */
  reason: string;
  /** The idToken / idTag of who stopped it, when one did. */
  token?: string;
  /** The energy register at the end, in Wh. */
  meterStopWh: number;
}

export interface StationOptions {
  csms?: Partial<DevCsmsOptions>;
  config?: ConfigChanges;
  program?: (csms: DevCsms) => void;
  /** Default true: resolve once the boot is Accepted and every connector's status is reported. */
  waitForAcceptance?: boolean;
  /** A simulated world (plug, EV, meter register) that outlives the agent, as `run` keeps it across a Reset. */
  world?: SimulatedWorld;
}

export interface ReserveRequest {
  reservationId: number;
  token: string;
  /** None: any EVSE (2.0.1 without evseId, 1.6 connector 0). */
  evseId?: number;
  expiresInS: number;
  /** 2.0.1 groupIdToken (type Central: a group is the CSMS' own id), 1.6 parentIdTag. */
  groupToken?: string;
}

export type TokenType = 'ISO14443' | 'KeyCode' | 'Central' | 'Local';

/** The answer statuses are the same words in both versions (Accepted, Rejected, Scheduled, Occupied, ...). */
export type CommandStatus = string;

export interface StationDriver {
  readonly version: OcppVersion;
  readonly rig: Rig;
  readonly csms: DevCsms;
  readonly agent: Agent;

  // ---- the world around the station ----
  plugIn(evseId?: number): Promise<void>;
  unplug(evseId?: number): Promise<void>;
  /** A card at the reader (default ISO14443; 1.6 idTags have no type). */
  present(token: string, evseId?: number, type?: TokenType): Promise<TokenResult>;
  /** Plug in, present the token, and wait for the CSMS to see the transaction start. */
  startCharging(options?: { token?: string; evseId?: number }): Promise<StartedTransaction>;
  relayClosed(evseId?: number): boolean;
  /** Stops the agent: as a power cut (default) or as SIGTERM ('clean'); the CSMS stays. */
  stop(how?: 'power-cut' | 'clean'): Promise<void>;
  /**
   * A new agent on the same config, as the runner or a reboot starts it; resolves once its boot is
   * Accepted. `started` sees the agent first, before anything it does reaches the CSMS.
   */
  startAgain(options?: { bootReason?: BootReason; world?: SimulatedWorld; started?: (agent: Agent) => void }): Promise<void>;

  // ---- the CSMS' commands and answers ----
  /**
   * From now on, the CSMS answers a transaction's start (1.6 StartTransaction, 2.0.1 the
   * TransactionEvent with the idToken) with this idTokenInfo status: for every token, or only
   * `token`'s (the others as the CSMS otherwise would).
   */
  answerTransactionStartWith(status: 'Invalid' | 'Blocked', token?: string): void;
  /** 1.6 StopTransactionOnInvalidId, 2.0.1 TxCtrlr.StopTxOnInvalidId; asserts Accepted. */
  setStopOnInvalidId(on: boolean): Promise<void>;
  /** 1.6 MaxEnergyOnInvalidId, 2.0.1 TxCtrlr.MaxEnergyOnInvalidId, in Wh; asserts Accepted. */
  setMaxEnergyOnInvalidId(wh: number): Promise<void>;
  /** From now on, the CSMS' Authorize answers Accepted, naming `group` as the group of each of `members` (1.6 parentIdTag, 2.0.1 groupIdToken). */
  answerAuthorizeWithGroup(members: string | readonly string[], group: string): void;
  /** 1.6 RemoteStartTransaction, 2.0.1 RequestStartTransaction (tokenType and remoteStartId are 2.0.1's). */
  remoteStart(options: { token: string; evseId?: number; tokenType?: TokenType; remoteStartId?: number }): Promise<CommandStatus>;
  /** Whether a remote start's token is authorized first (1.6 AuthorizeRemoteTxRequests, 2.0.1 AuthCtrlr.AuthorizeRemoteStart); asserts Accepted. */
  setAuthorizeRemoteStart(on: boolean): Promise<void>;
  remoteStop(transaction: StartedTransaction): Promise<CommandStatus>;
  reserve(request: ReserveRequest): Promise<CommandStatus>;
  cancelReservation(reservationId: number): Promise<CommandStatus>;
  /** Of one EVSE, or of the whole station without evseId. */
  changeAvailability(options: { evseId?: number; operative: boolean }): Promise<CommandStatus>;
  /** The station's reset that ends transactions at once (1.6 Hard, 2.0.1 Immediate). */
  resetNow(): Promise<CommandStatus>;

  // ---- what the CSMS saw ----
  started(): StartedTransaction[];
  waitForStarted(match?: (t: StartedTransaction) => boolean, timeoutMs?: number): Promise<StartedTransaction>;
  ended(): EndedTransaction[];
  waitForEnded(match?: (t: EndedTransaction) => boolean, timeoutMs?: number): Promise<EndedTransaction>;
  /** The energy register values (Wh) the CSMS received during a transaction, before its end. */
  energyDuring(transaction: StartedTransaction): number[];
  /** The statuses reported for an EVSE's (first) connector as sent: 1.6 names, every message. */
  wireStatuses(evseId?: number): string[];
  /** The statuses reported for an EVSE's connector, in core terms, repeats of the same status folded. */
  statusSequence(evseId?: number): ServiceStatus[];
  lastStatus(evseId?: number): ServiceStatus | undefined;
  waitForStatus(status: ServiceStatus, evseId?: number, timeoutMs?: number): Promise<void>;
  /** Whether the station told the CSMS the reservation ended (only 2.0.1 has a message for it: 1.6 always false). */
  reservationEndReported(reservationId: number, reason: 'Expired' | 'Removed'): boolean;
}

/** Folds repeats: [A, A, B, A] is [A, B, A]. */
export function folded<T>(values: readonly T[]): T[] {
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}

/** The object without its undefined members, as a CALL payload must be (the CSMS validates what it sends). */
export function definedOnly<T extends object>(payload: T): T {
  return Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined)) as T;
}
