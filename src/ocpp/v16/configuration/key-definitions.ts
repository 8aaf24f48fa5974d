import type { ChangeConfigurationResponse, GetConfigurationResponse } from 'ocpp-messages/v1.6/index.js';
import type { Secret } from '../../../config/station-config.js';
import type { RpcErrorCode } from '../../rpc/rpc-errors.js';

/**
 * What an OCPP 1.6 configuration key is (chapter 9): its name, type, accessibility and limits, as
 * the station defines it. Key names are CiString50Type (7.17): matched without regard to case.
 */

export type ConfigurationKeyType = 'boolean' | 'integer' | 'decimal' | 'string' | 'CSL';
export type ConfigurationStatus = ChangeConfigurationResponse['status'];
export type KeyValue = NonNullable<GetConfigurationResponse['configurationKey']>[number];

interface KeyDefinitionBase {
  /** The name as the spec spells it, at most 50 characters. */
  key: string;
  type: ConfigurationKeyType;
  /** Accessibility R: GetConfiguration reports it, ChangeConfiguration is Rejected. */
  readonly: boolean;
  /** A new value takes effect only after a restart: ChangeConfiguration answers RebootRequired. */
  rebootRequired?: boolean;
  /** Accessibility W (AuthorizationKey): its value is never reported, logged or announced. */
  writeOnly?: boolean;
  /** integer and decimal: the range. */
  min?: number;
  max?: number;
  /** string: the most characters. */
  maxLength?: number;
  /** CSL: the allowed members, matched without regard to case; absent: any member. */
  members?: readonly string[];
  /** CSL: the key whose integer value is the most members the list may have ([KeyName]MaxLength, 5.3). */
  maxItemsKey?: string;
  /** A check beyond the type; gets the canonical value, returns why it is refused. */
  validate?: (value: string) => string | undefined;
}

/** A value the store keeps: the default until changed, persisted when changed. */
export interface StoredKeyDefinition extends KeyDefinitionBase {
  default: string;
}

/**
 * A value the agent knows at the moment it is asked (e.g. the security profile in use). The store
 * never writes it: one that is not read-only (SecurityProfile) is changed by its own handler.
 */
export interface LiveKeyDefinition extends KeyDefinitionBase {
  read: () => string;
}

export type ConfigurationKeyDefinition = StoredKeyDefinition | LiveKeyDefinition;

export interface ConfigurationChange {
  key: string;
  /** The new value in effect; a mask for a write-only key, whose value is only in `secret`. */
  value: string;
  secret?: Secret;
}

/** A request the station answers with a CALLERROR instead of a response; the caller turns it into one. */
export interface RpcErrorAnswer {
  rpcError: RpcErrorCode;
  description: string;
}

export function isRpcErrorAnswer(answer: object): answer is RpcErrorAnswer {
  return 'rpcError' in answer;
}

/** CiString50Type (7.17). */
export const MAX_KEY_LENGTH = 50;

/** One key of the store with the value in effect. */
export interface Entry {
  readonly def: ConfigurationKeyDefinition;
  /** The value in effect (stored keys only). */
  active: string;
}

export const isStored = (def: ConfigurationKeyDefinition): def is StoredKeyDefinition => !('read' in def);

/** Splits a CSL value into its members; the empty string is the empty list. */
export function listMembers(value: string): string[] {
  return value === '' ? [] : value.split(',');
}
