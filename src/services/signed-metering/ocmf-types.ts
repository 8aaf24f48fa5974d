/**
 * The Open Charge Metering Format's vocabulary (OCMF-en.md, revision 1.4.1): the payload's keys and
 * the values its tables allow. Field names are the spec's own, so a document reads like the spec.
 */

/** The format version this codec writes (FV, "<major>.<minor>", Table 1). */
export const OCMF_FORMAT_VERSION = '1.4';

/** TX, meter reading reason (Table 7): Begin, Charging, eXception, End, Local / Remote / Abort / Power end, Suspended, Tariff change. */
export type OcmfTransactionReason = 'B' | 'C' | 'X' | 'E' | 'L' | 'R' | 'A' | 'P' | 'S' | 'T';
export const OCMF_TRANSACTION_REASONS: readonly OcmfTransactionReason[] = ['B', 'C', 'X', 'E', 'L', 'R', 'A', 'P', 'S', 'T'];

/** ST, state of the meter at the reading (Table 10); G is "working correctly". */
export type OcmfMeterStatus = 'N' | 'G' | 'T' | 'D' | 'R' | 'M' | 'X' | 'I' | 'O' | 'S' | 'E' | 'F';
export const OCMF_METER_STATUSES: readonly OcmfMeterStatus[] = ['N', 'G', 'T', 'D', 'R', 'M', 'X', 'I', 'O', 'S', 'E', 'F'];

/** The time's synchronisation flag after TM (Table 19): Unknown, Informative, Synchronized, Relative. */
export type OcmfTimeStatus = 'U' | 'I' | 'S' | 'R';

/** RU (Table 20, energy units only here). */
export type OcmfEnergyUnit = 'kWh' | 'Wh';

/** IL, identification level (Table 11). */
export type OcmfIdentificationLevel =
  | 'NONE' | 'HEARSAY' | 'TRUSTED' | 'VERIFIED' | 'CERTIFIED' | 'SECURE'
  | 'MISMATCH' | 'INVALID' | 'OUTDATED' | 'UNKNOWN';

/** IF, identification flags (Tables 13-16). */
export type OcmfIdentificationFlag =
  | 'RFID_NONE' | 'RFID_PLAIN' | 'RFID_RELATED' | 'RFID_PSK'
  | 'OCPP_NONE' | 'OCPP_RS' | 'OCPP_AUTH' | 'OCPP_RS_TLS' | 'OCPP_AUTH_TLS' | 'OCPP_CACHE' | 'OCPP_WHITELIST' | 'OCPP_CERTIFIED'
  | 'ISO15118_NONE' | 'ISO15118_PNC'
  | 'PLMN_NONE' | 'PLMN_RING' | 'PLMN_SMS';

/** IT, identification type (Table 17). */
export type OcmfIdentificationType =
  | 'NONE' | 'DENIED' | 'UNDEFINED' | 'ISO14443' | 'ISO15693' | 'EMAID' | 'EVCCID' | 'EVCOID' | 'ISO7812'
  | 'CARD_TXN_NR' | 'CENTRAL' | 'CENTRAL_1' | 'CENTRAL_2' | 'LOCAL' | 'LOCAL_1' | 'LOCAL_2' | 'PHONE_NUMBER' | 'KEY_CODE';

/** SA (Table 22). Node's crypto signs the secp and brainpool curves alike; this codec writes the default. */
export type OcmfSignatureMethod =
  | 'ECDSA-secp192k1-SHA256' | 'ECDSA-secp256k1-SHA256' | 'ECDSA-secp192r1-SHA256' | 'ECDSA-secp256r1-SHA256'
  | 'ECDSA-brainpool256r1-SHA256' | 'ECDSA-secp384r1-SHA256' | 'ECDSA-brainpool384r1-SHA256';

/** SA's default "since OCMF Version 0.4" (Table 22). */
export const DEFAULT_SIGNATURE_METHOD: OcmfSignatureMethod = 'ECDSA-secp256r1-SHA256';

/** One object of RD (Table 7). */
export interface OcmfPayloadReading {
  TM: string;
  TX?: OcmfTransactionReason;
  RV: number;
  RI?: string;
  RU: string;
  RT?: 'AC' | 'DC';
  CL?: number;
  EF?: string;
  ST: OcmfMeterStatus;
}

/** The payload data section (Tables 1-7), in the spec's order. */
export interface OcmfPayload {
  FV?: string;
  GI?: string;
  GS?: string;
  GV?: string;
  PG: string;
  MV?: string;
  MM?: string;
  MS: string;
  MF?: string;
  IS?: boolean;
  IL?: OcmfIdentificationLevel;
  IF?: OcmfIdentificationFlag[];
  IT?: OcmfIdentificationType;
  ID?: string;
  TT?: string;
  CF?: string;
  CT?: 'EVSEID' | 'CBIDC';
  CI?: string;
  RD: OcmfPayloadReading[];
}

/** The signature section (Table 8). SE and SM absent mean hex and application/x-der. */
export interface OcmfSignature {
  SA?: OcmfSignatureMethod;
  SE?: 'hex' | 'base64';
  SM?: 'application/x-der';
  SD: string;
}

/** Who made the signature: the signing component plays the spec's "gateway". */
export interface OcmfSigner {
  readonly signatureMethod: OcmfSignatureMethod;
  /** The public key as OCMF / the OCA whitepaper print it: hex of the DER SubjectPublicKeyInfo. */
  readonly publicKeyHex: string;
  /** A DER ECDSA signature (SM application/x-der) over `data`, hashed as signatureMethod says. */
  sign(data: Uint8Array): Buffer;
}

/** A malformed OCMF text: not three sections, not JSON, or a field the spec does not allow. */
export class OcmfFormatError extends Error {
  override readonly name = 'OcmfFormatError';
}
