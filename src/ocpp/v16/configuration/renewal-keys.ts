import type { StoredKeyDefinition } from './key-definitions.js';

/**
 * The security whitepaper's keys for the renewal of the Charge Point certificate (7.3
 * CertificateSignedMaxChainSize, 7.5 CpoName, the CSR's O), and the back-off of 2.0.1's A02.FR.17-19
 * under 2.0.1's names (CertSigningWaitMinimum, CertSigningRepeatTimes): the whitepaper has no keys for
 * it, and the renewal is the same in both versions.
 */

/** A02.FR.17: a minute before the CSR is sent again, unless the Central System sets another. */
const DEFAULT_WAIT_MINIMUM_S = 60;
const DEFAULT_REPEAT_TIMES = 3;
/** 7.3: "a maximum limit of 10.000 characters". */
const MAX_CHAIN_SIZE = 10_000;

/** CpoName is empty until the Central System sets it (A02's prerequisite): the CSR then has no O. */
export function renewalKeyDefinitions(): StoredKeyDefinition[] {
  return [
    { key: 'CpoName', type: 'string', readonly: false, default: '', maxLength: 64 },
    { key: 'CertificateSignedMaxChainSize', type: 'integer', readonly: true, default: String(MAX_CHAIN_SIZE) },
    { key: 'CertSigningWaitMinimum', type: 'integer', readonly: false, default: String(DEFAULT_WAIT_MINIMUM_S), min: 1, max: 86_400 },
    { key: 'CertSigningRepeatTimes', type: 'integer', readonly: false, default: String(DEFAULT_REPEAT_TIMES), min: 0, max: 100 },
  ];
}
