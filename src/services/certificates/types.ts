/**
 * The certificates a station keeps (OCPP 2.0.1 Part 2 M03-M05, A02/A03; 1.6 security whitepaper
 * 2.5-2.7). The names are 2.0.1's GetCertificateIdUseEnumType plus the station's own certificate;
 * the 1.6 adapter maps its CertificateUseEnumType onto them.
 */
export type InstalledCertificateType =
  | 'CSMSRootCertificate'
  | 'ManufacturerRootCertificate'
  | 'V2GRootCertificate'
  | 'MORootCertificate'
  | 'V2GCertificateChain'
  | 'ChargingStationCertificate';

/** The roots a CSMS may install with InstallCertificate (2.0.1 InstallCertificateUseEnumType). */
export type InstallableCertificateType = 'CSMSRootCertificate' | 'ManufacturerRootCertificate' | 'V2GRootCertificate' | 'MORootCertificate';

export const INSTALLED_CERTIFICATE_TYPES: readonly InstalledCertificateType[] = [
  'CSMSRootCertificate',
  'ManufacturerRootCertificate',
  'V2GRootCertificate',
  'MORootCertificate',
  'V2GCertificateChain',
  'ChargingStationCertificate',
];

/** HashAlgorithmEnumType (2.0.1 and the 1.6 whitepaper alike). */
export type HashAlgorithm = 'SHA256' | 'SHA384' | 'SHA512';

/** CertificateHashDataType: identifies a certificate as OCSP's CertID does (RFC 6960 4.1.1). */
export interface CertificateHashData {
  hashAlgorithm: HashAlgorithm;
  /** Hex hash of the DER of the certificate's issuer name. */
  issuerNameHash: string;
  /** Hex hash of the issuer's subjectPublicKey BIT STRING value. */
  issuerKeyHash: string;
  /** Hex, no "0x", no leading zeroes. */
  serialNumber: string;
}

export interface InstalledCertificate {
  type: InstalledCertificateType;
  /** The certificate (for a chain or a station certificate: the leaf first, then its sub-CAs). */
  pem: string;
  /** Of the first (leaf) certificate, with SHA256. */
  hashData: CertificateHashData;
  notBefore: Date;
  notAfter: Date;
  /** V2GCertificateChain / ChargingStationCertificate: the sub-CAs after the leaf (M03.FR.05). */
  childHashData?: CertificateHashData[];
}

/** InstallCertificateStatusEnumType: Accepted, Rejected (invalid, or the limit, M05.FR.06/07), Failed (cannot store, M05.FR.03). */
export type InstallOutcome = { status: 'Accepted' } | { status: 'Rejected' | 'Failed'; reasonCode: CertificateReasonCode; reason: string };

/** DeleteCertificateStatusEnumType (M04). */
export type DeleteOutcome = { status: 'Accepted' | 'NotFound' } | { status: 'Failed'; reasonCode: CertificateReasonCode; reason: string };

/** 2.0.1 statusInfo reason codes (Part 2 appendix, Reason codes) the store's refusals map to. */
export type CertificateReasonCode = 'InvalidCertificate' | 'OutOfStorage' | 'InternalError' | 'UnsupportedRequest';
