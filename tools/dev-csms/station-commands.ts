import type { ChangeAvailabilityResponse as ChangeAvailabilityResponse16 } from 'ocpp-messages/v1.6/ChangeAvailabilityResponse.js';
import type { ChangeConfigurationResponse } from 'ocpp-messages/v1.6/ChangeConfigurationResponse.js';
import type { GetConfigurationResponse } from 'ocpp-messages/v1.6/GetConfigurationResponse.js';
import type { RemoteStartTransactionRequest } from 'ocpp-messages/v1.6/RemoteStartTransaction.js';
import type { RemoteStartTransactionResponse } from 'ocpp-messages/v1.6/RemoteStartTransactionResponse.js';
import type { RemoteStopTransactionResponse } from 'ocpp-messages/v1.6/RemoteStopTransactionResponse.js';
import type { ResetResponse as ResetResponse16 } from 'ocpp-messages/v1.6/ResetResponse.js';
import type { TriggerMessageResponse as TriggerMessageResponse16 } from 'ocpp-messages/v1.6/TriggerMessageResponse.js';
import type { UnlockConnectorResponse as UnlockConnectorResponse16 } from 'ocpp-messages/v1.6/UnlockConnectorResponse.js';
import type { ChangeAvailabilityResponse as ChangeAvailabilityResponse201 } from 'ocpp-messages/v2.0/ChangeAvailabilityResponse.js';
import type { GetBaseReportRequest } from 'ocpp-messages/v2.0/GetBaseReportRequest.js';
import type { GetBaseReportResponse } from 'ocpp-messages/v2.0/GetBaseReportResponse.js';
import type { GetVariablesRequest } from 'ocpp-messages/v2.0/GetVariablesRequest.js';
import type { GetVariablesResponse } from 'ocpp-messages/v2.0/GetVariablesResponse.js';
import type { IdTokenEnumType, IdTokenType, RequestStartTransactionRequest } from 'ocpp-messages/v2.0/RequestStartTransactionRequest.js';
import type { RequestStartTransactionResponse } from 'ocpp-messages/v2.0/RequestStartTransactionResponse.js';
import type { RequestStopTransactionResponse } from 'ocpp-messages/v2.0/RequestStopTransactionResponse.js';
import type { ResetResponse as ResetResponse201 } from 'ocpp-messages/v2.0/ResetResponse.js';
import type { SetVariablesRequest } from 'ocpp-messages/v2.0/SetVariablesRequest.js';
import type { SetVariablesResponse } from 'ocpp-messages/v2.0/SetVariablesResponse.js';
import type { TriggerMessageResponse as TriggerMessageResponse201 } from 'ocpp-messages/v2.0/TriggerMessageResponse.js';
import type { UnlockConnectorResponse as UnlockConnectorResponse201 } from 'ocpp-messages/v2.0/UnlockConnectorResponse.js';
import type { OcppVersion } from '../../src/config/station-config.js';
import type { CallOptions } from '../../src/ocpp/rpc/rpc-endpoint.js';
import type { StationRecord } from './station-record.js';

export interface CommandResult<R = unknown> {
  action: string;
  request: object;
  response: R;
}

export type DevCsmsErrorKind = 'unknownStation' | 'wrongVersion' | 'badRequest' | 'conflict';

/** A command that cannot be sent as asked: no such station, the wrong version, or missing details. */
export class DevCsmsError extends Error {
  override readonly name = 'DevCsmsError';
  constructor(
    readonly kind: DevCsmsErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** The idToken (2.0.1, type Central) and idTag (1.6) of remote starts that name none. */
export const DEV_ID_TOKEN = 'DEV-CSMS';

/**
 * The development CSMS' commands to a station, typed: the ones that work either version's way
 * (remoteStart, resetStation, ...) and the ones of one version. DevCsms sends them with call()
 * and keeps the records of the stations they go to.
 */
export abstract class StationCommands {
  private nextRemoteStartId = 1;
  private nextRequestId = 1;

  /** Every station that ever connected, by identity. */
  protected abstract readonly stationRecords: ReadonlyMap<string, StationRecord>;

  /** Sends a CALL to the station and resolves with its CALLRESULT payload (see DevCsms.call). */
  abstract call(identity: string, action: string, payload: object, options?: CallOptions): Promise<unknown>;

  /** Starts charging the version's way: 2.0.1 RequestStartTransaction, 1.6 RemoteStartTransaction. */
  async remoteStart(
    identity: string,
    options: { evseId?: number; connectorId?: number; idToken?: string; idTokenType?: IdTokenEnumType } = {},
  ): Promise<CommandResult<RequestStartTransactionResponse | RemoteStartTransactionResponse>> {
    if (this.requireStation(identity).version === '2.0.1') {
      if (options.connectorId !== undefined && options.evseId === undefined) {
        throw new DevCsmsError('badRequest', 'OCPP 2.0.1 starts on an EVSE: give evseId, not connectorId');
      }
      const request = this.requestStartPayload({
        evseId: options.evseId,
        idToken: { idToken: options.idToken ?? DEV_ID_TOKEN, type: options.idTokenType ?? 'Central' },
      });
      return this.command(identity, 'RequestStartTransaction', request);
    }
    const connectorId = options.connectorId ?? options.evseId;
    const request = { idTag: options.idToken ?? DEV_ID_TOKEN, connectorId };
    return this.command(identity, 'RemoteStartTransaction', request);
  }

  /**
   * Stops a transaction the version's way: 2.0.1 RequestStopTransaction, 1.6
   * RemoteStopTransaction. Without a transactionId, the station's one running transaction.
   */
  async remoteStop(
    identity: string,
    options: { transactionId?: string | number } = {},
  ): Promise<CommandResult<RequestStopTransactionResponse | RemoteStopTransactionResponse>> {
    const station = this.requireStation(identity);
    let transactionId = options.transactionId;
    if (transactionId === undefined) {
      const running = station.model.running();
      if (running.length === 0) throw new DevCsmsError('conflict', `${identity} has no running transaction`);
      if (running.length > 1) {
        throw new DevCsmsError('badRequest', `${identity} has ${running.length} running transactions (${running.map((t) => t.transactionId).join(', ')}): give transactionId`);
      }
      transactionId = running[0]!.transactionId;
    }
    if (station.version === '2.0.1') return this.command(identity, 'RequestStopTransaction', { transactionId: this.knownTransactionId(station, String(transactionId)) });
    const id = typeof transactionId === 'number' ? transactionId : /^-?\d+$/.test(transactionId.trim()) ? Number(transactionId) : NaN;
    if (!Number.isSafeInteger(id)) {
      throw new DevCsmsError(
        'badRequest',
        `an OCPP 1.6 transactionId is an integer, the one this CSMS gave in StartTransaction (GET /stations/${identity}; the station's /api/status shows it as csmsTransactionId), got ${JSON.stringify(transactionId)}`,
      );
    }
    return this.command(identity, 'RemoteStopTransaction', { transactionId: id });
  }

  /** 2.0.1 ChangeAvailability of the station, an EVSE or a connector; 1.6 of a connector (0 or none: the charge point). */
  async changeAvailability(
    identity: string,
    options: { evseId?: number; connectorId?: number; operative: boolean },
  ): Promise<CommandResult<ChangeAvailabilityResponse201 | ChangeAvailabilityResponse16>> {
    const status = options.operative ? 'Operative' : 'Inoperative';
    if (this.requireStation(identity).version === '2.0.1') {
      return this.command(identity, 'ChangeAvailability', { operationalStatus: status, ...this.evse201(options) });
    }
    return this.command(identity, 'ChangeAvailability', { connectorId: options.connectorId ?? options.evseId ?? 0, type: status });
  }

  /** TriggerMessage of `message` (a MessageTriggerEnumType of the version), optionally for one EVSE or connector. */
  async triggerMessage(
    identity: string,
    options: { message: string; evseId?: number; connectorId?: number },
  ): Promise<CommandResult<TriggerMessageResponse201 | TriggerMessageResponse16>> {
    if (this.requireStation(identity).version === '2.0.1') {
      return this.command(identity, 'TriggerMessage', { requestedMessage: options.message, ...this.evse201(options) });
    }
    const connectorId = options.connectorId ?? options.evseId;
    return this.command(identity, 'TriggerMessage', { requestedMessage: options.message, connectorId });
  }

  /** Reset of the station: 2.0.1 Immediate or OnIdle (default Immediate), 1.6 Hard or Soft (default Soft). */
  async resetStation(identity: string, options: { type?: string; evseId?: number } = {}): Promise<CommandResult<ResetResponse201 | ResetResponse16>> {
    if (this.requireStation(identity).version === '2.0.1') {
      return this.command(identity, 'Reset', { type: options.type ?? 'Immediate', evseId: options.evseId });
    }
    if (options.evseId !== undefined) throw new DevCsmsError('badRequest', 'an OCPP 1.6 Reset is of the whole charge point: no evseId');
    return this.command(identity, 'Reset', { type: options.type ?? 'Soft' });
  }

  /** UnlockConnector: 2.0.1 needs the EVSE (default 1), 1.6 the connector. */
  async unlockConnector(identity: string, options: { evseId?: number; connectorId: number }): Promise<CommandResult<UnlockConnectorResponse201 | UnlockConnectorResponse16>> {
    if (this.requireStation(identity).version === '2.0.1') {
      return this.command(identity, 'UnlockConnector', { evseId: options.evseId ?? 1, connectorId: options.connectorId });
    }
    return this.command(identity, 'UnlockConnector', { connectorId: options.connectorId });
  }

  // 2.0.1 only

  /** RequestStartTransaction; remoteStartId increases by itself unless given, idToken defaults to DEV-CSMS (Central). */
  async requestStartTransaction(
    identity: string,
    request: Omit<RequestStartTransactionRequest, 'idToken' | 'remoteStartId'> & { idToken?: IdTokenType | string; remoteStartId?: number } = {},
  ): Promise<RequestStartTransactionResponse> {
    this.requireVersion(identity, '2.0.1', 'RequestStartTransaction');
    const given = request.idToken ?? DEV_ID_TOKEN;
    const idToken: IdTokenType = typeof given === 'string' ? { idToken: given, type: 'Central' } : given;
    return (await this.call(identity, 'RequestStartTransaction', this.requestStartPayload({ ...request, idToken }))) as RequestStartTransactionResponse;
  }

  async requestStopTransaction(identity: string, transactionId: string): Promise<RequestStopTransactionResponse> {
    this.requireVersion(identity, '2.0.1', 'RequestStopTransaction');
    return (await this.call(identity, 'RequestStopTransaction', { transactionId })) as RequestStopTransactionResponse;
  }

  async getVariables(identity: string, getVariableData: GetVariablesRequest['getVariableData']): Promise<GetVariablesResponse> {
    this.requireVersion(identity, '2.0.1', 'GetVariables');
    return (await this.call(identity, 'GetVariables', { getVariableData })) as GetVariablesResponse;
  }

  async setVariables(identity: string, setVariableData: SetVariablesRequest['setVariableData']): Promise<SetVariablesResponse> {
    this.requireVersion(identity, '2.0.1', 'SetVariables');
    return (await this.call(identity, 'SetVariables', { setVariableData })) as SetVariablesResponse;
  }

  /** GetBaseReport; the report itself comes as NotifyReport messages with this requestId. */
  async getBaseReport(identity: string, reportBase: GetBaseReportRequest['reportBase'] = 'FullInventory', requestId = this.nextRequestId++): Promise<GetBaseReportResponse> {
    this.requireVersion(identity, '2.0.1', 'GetBaseReport');
    return (await this.call(identity, 'GetBaseReport', { requestId, reportBase })) as GetBaseReportResponse;
  }

  // 1.6 only

  async remoteStartTransaction(identity: string, request: Partial<RemoteStartTransactionRequest> = {}): Promise<RemoteStartTransactionResponse> {
    this.requireVersion(identity, '1.6', 'RemoteStartTransaction');
    return (await this.call(identity, 'RemoteStartTransaction', { ...request, idTag: request.idTag ?? DEV_ID_TOKEN })) as RemoteStartTransactionResponse;
  }

  async remoteStopTransaction(identity: string, transactionId: number): Promise<RemoteStopTransactionResponse> {
    this.requireVersion(identity, '1.6', 'RemoteStopTransaction');
    return (await this.call(identity, 'RemoteStopTransaction', { transactionId })) as RemoteStopTransactionResponse;
  }

  async getConfiguration(identity: string, keys?: string[]): Promise<GetConfigurationResponse> {
    this.requireVersion(identity, '1.6', 'GetConfiguration');
    return (await this.call(identity, 'GetConfiguration', keys ? { key: keys } : {})) as GetConfigurationResponse;
  }

  async changeConfiguration(identity: string, key: string, value: string): Promise<ChangeConfigurationResponse> {
    this.requireVersion(identity, '1.6', 'ChangeConfiguration');
    return (await this.call(identity, 'ChangeConfiguration', { key, value })) as ChangeConfigurationResponse;
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: commands

  protected requireStation(identity: string): StationRecord {
    const station = this.stationRecords.get(identity);
    if (!station) throw new DevCsmsError('unknownStation', `no station ${JSON.stringify(identity)} has connected`);
    return station;
  }

  private requireVersion(identity: string, version: OcppVersion, action: string): void {
    const station = this.requireStation(identity);
    if (station.version !== version) {
      throw new DevCsmsError('wrongVersion', `${identity} speaks OCPP ${station.version}; ${action} is OCPP ${version}`);
    }
  }

  private async command<R>(identity: string, action: string, request: object): Promise<CommandResult<R>> {
    const response = (await this.call(identity, action, request)) as R;
    return { action, request, response };
  }

  /**
   * A 2.0.1 transaction id as a user may have copied it from the printout, where long ids are
   * shortened ("1a2b3c4d..."): the one known transaction it starts with; otherwise as given.
   */
  private knownTransactionId(station: StationRecord, given: string): string {
    const prefix = given.trim().replace(/\.{3}$/, '');
    const known = station.model.transactionIds();
    if (known.includes(prefix)) return prefix;
    const matches = prefix.length >= 4 ? known.filter((id) => id.startsWith(prefix)) : [];
    return matches.length === 1 ? matches[0]! : given;
  }

  private requestStartPayload(request: Omit<RequestStartTransactionRequest, 'remoteStartId'> & { remoteStartId?: number }): RequestStartTransactionRequest {
    return { ...request, remoteStartId: request.remoteStartId ?? this.nextRemoteStartId++ };
  }

  private evse201(options: { evseId?: number; connectorId?: number }): { evse?: { id: number; connectorId?: number } } {
    if (options.evseId === undefined) {
      if (options.connectorId !== undefined) throw new DevCsmsError('badRequest', 'in OCPP 2.0.1 a connector is named within its EVSE: give evseId too');
      return {};
    }
    return { evse: { id: options.evseId, connectorId: options.connectorId } };
  }
}
