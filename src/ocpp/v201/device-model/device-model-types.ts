import type { StatusInfoType } from 'ocpp-messages/v2.0/SetVariablesResponse.js';
import type { DataType } from './value-format.js';
import type { VariableDefinition } from './variable-catalogue.js';

/** The types the device model's API speaks in. */

export interface DeviceModelOptions {
  definitions: readonly VariableDefinition[];
  /** Where set values are persisted; without it they are kept in memory only. */
  storageDir?: string;
  onWarning?: (message: string) => void;
}

/** The size of the request as received, for BytesPerMessage; default: the payload as JSON (written without recursion). */
export interface RequestSize {
  requestBytes?: number;
}

export type SetStatus = 'Accepted' | 'Rejected' | 'RebootRequired';
export interface SetOutcome {
  status: SetStatus;
  statusInfo?: StatusInfoType;
}

/** A variable as a monitor sees it. */
export interface MonitorableVariable {
  dataType: DataType;
  minLimit?: number;
  maxLimit?: number;
  writeOnly: boolean;
}
