import type { DeleteCertificateRequest, DeleteCertificateResponse } from 'ocpp-messages/v2.0/index.js';
import type { CertificateStore } from '../../../services/certificates/index.js';

/**
 * M04 DeleteCertificate by its hash data (in the hash algorithm the CSMS chose, M04.FR.07):
 * Accepted (M04.FR.02), NotFound (M04.FR.04), Failed (M04.FR.03) when it cannot be removed, for
 * the Charging Station Certificate (M04.FR.06), and for the last CSMS root while the connection's
 * security profile (2 or 3) verifies the CSMS with it (M04.FR.03's note: the last of its type).
 */
export const deleteCertificate =
  (store: CertificateStore, securityProfile: () => number) =>
  (payload: unknown): DeleteCertificateResponse => {
    const request = payload as DeleteCertificateRequest;
    const outcome = store.delete(request.certificateHashData, { protectLastCsmsRoot: securityProfile() >= 2 });
    if (outcome.status !== 'Failed') return { status: outcome.status };
    return { status: 'Failed', statusInfo: { reasonCode: outcome.reasonCode, additionalInfo: outcome.reason.slice(0, 512) } };
  };
