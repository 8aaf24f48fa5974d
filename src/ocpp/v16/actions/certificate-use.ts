import type { InstallableCertificateType } from '../../../services/certificates/index.js';

/** The whitepaper's CertificateUseEnumType. */
export type CertificateUse16 = 'CentralSystemRootCertificate' | 'ManufacturerRootCertificate';

/** The store's name of a 1.6 certificate use (the Central System is 2.0.1's CSMS). */
export const storeTypeOf16 = (use: CertificateUse16): InstallableCertificateType =>
  use === 'CentralSystemRootCertificate' ? 'CSMSRootCertificate' : 'ManufacturerRootCertificate';
