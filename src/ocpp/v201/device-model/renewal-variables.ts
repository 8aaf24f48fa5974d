import type { VariableDefinition } from './device-model.js';
import { integer, stored } from './definition-helpers.js';

/**
 * SecurityCtrlr's variables for the renewal of the station certificate (A02/A03; names as in
 * dm_components_vars.csv). OrganizationName, the CSR's O, is among station-variables.ts' SecurityCtrlr.
 */

const SECURITY_CTRLR = { name: 'SecurityCtrlr' };

/** A02.FR.17: until the CSMS sets it, a minute before the CSR is sent again. */
export const DEFAULT_CERT_SIGNING_WAIT_MINIMUM_S = 60;
/** A02.FR.19: resends before the station waits for a trigger. */
export const DEFAULT_CERT_SIGNING_REPEAT_TIMES = 3;
/** A02.FR.16: the most characters of CertificateSigned's certificateChain (its schema's maxLength). */
export const MAX_CERTIFICATE_CHAIN_SIZE = 10_000;

export function renewalVariables(): VariableDefinition[] {
  return [
    stored(SECURITY_CTRLR, 'CertSigningWaitMinimum', 'ReadWrite', integer('s', 1), String(DEFAULT_CERT_SIGNING_WAIT_MINIMUM_S)),
    stored(SECURITY_CTRLR, 'CertSigningRepeatTimes', 'ReadWrite', integer(undefined, 0), String(DEFAULT_CERT_SIGNING_REPEAT_TIMES)),
    stored(SECURITY_CTRLR, 'MaxCertificateChainSize', 'ReadOnly', integer(), String(MAX_CERTIFICATE_CHAIN_SIZE)),
  ];
}
