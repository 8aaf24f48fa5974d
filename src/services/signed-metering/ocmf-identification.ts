import type { OcmfIdentificationFlag, OcmfIdentificationLevel, OcmfIdentificationType, OcmfPayload } from './ocmf-types.js';

/**
 * The user assignment of an OCMF payload (OCMF-en.md Table 4, with Tables 11-17) from the OCPP id
 * token and how the station authorized it.
 */

/** OCPP 2.0.1 IdTokenEnumType to Table 17; a type already in Table 17 stays as it is. */
const TYPE_BY_OCPP: Readonly<Record<string, OcmfIdentificationType>> = {
  ISO14443: 'ISO14443',
  ISO15693: 'ISO15693',
  eMAID: 'EMAID',
  Central: 'CENTRAL',
  Local: 'LOCAL',
  KeyCode: 'KEY_CODE',
  // ISO 15118-2's EVCCID is the vehicle controller's MAC address.
  MacAddress: 'EVCCID',
  NoAuthorization: 'NONE',
};

const TABLE_17: ReadonlySet<string> = new Set([
  'NONE', 'DENIED', 'UNDEFINED', 'ISO14443', 'ISO15693', 'EMAID', 'EVCCID', 'EVCOID', 'ISO7812', 'CARD_TXN_NR',
  'CENTRAL', 'CENTRAL_1', 'CENTRAL_2', 'LOCAL', 'LOCAL_1', 'LOCAL_2', 'PHONE_NUMBER', 'KEY_CODE',
]);

export function identificationTypeOf(ocppType: string): OcmfIdentificationType {
  return TYPE_BY_OCPP[ocppType] ?? (TABLE_17.has(ocppType) ? (ocppType as OcmfIdentificationType) : 'UNDEFINED');
}

/**
 * Level and flags by how the token was authorized. A card's UID read by a plain reader is HEARSAY
 * (Table 11's own example); a start the CSMS sent is TRUSTED ("authorization by backend").
 */
const BY_AUTHORIZATION: Readonly<Record<string, { IL: OcmfIdentificationLevel; IF: OcmfIdentificationFlag[] }>> = {
  Card: { IL: 'HEARSAY', IF: ['RFID_PLAIN', 'OCPP_AUTH'] },
  LocalList: { IL: 'HEARSAY', IF: ['RFID_PLAIN', 'OCPP_WHITELIST'] },
  Cache: { IL: 'HEARSAY', IF: ['RFID_PLAIN', 'OCPP_CACHE'] },
  Remote: { IL: 'TRUSTED', IF: ['RFID_NONE', 'OCPP_RS'] },
};

type UserAssignment = Pick<OcmfPayload, 'IS' | 'IL' | 'IF' | 'IT' | 'ID'>;

export function identificationOf(idToken: { value: string; type: string } | undefined, authorizedBy: string | undefined): UserAssignment {
  const type = idToken === undefined ? 'NONE' : identificationTypeOf(idToken.type);
  if (idToken === undefined || type === 'NONE' || authorizedBy === 'Free') {
    // Table 11: NONE, "there is no user assignment"; IT is still mandatory (Table 4).
    return { IS: false, IL: 'NONE', IT: 'NONE' };
  }
  const how = authorizedBy === undefined ? undefined : BY_AUTHORIZATION[authorizedBy];
  return { IS: true, IL: how?.IL, IF: how?.IF, IT: type, ID: idToken.value };
}
