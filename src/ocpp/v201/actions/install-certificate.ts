import type { InstallCertificateRequest, InstallCertificateResponse } from 'ocpp-messages/v2.0/index.js';
import type { CertificateStore } from '../../../services/certificates/index.js';

/**
 * M05 InstallCertificate: a CSMS, manufacturer, V2G or MO root into the store. Accepted
 * (M05.FR.02, also for one already there: M05.FR.17); Rejected for a certificate that is not a
 * valid, unexpired CA certificate (M05.FR.07) or past the store's limit (M05.FR.06); Failed when it
 * cannot be written (M05.FR.03). AdditionalRootCertificateCheck is not supported (M05.FR.09-16).
 */
export const installCertificate =
  (store: CertificateStore) =>
  (payload: unknown): InstallCertificateResponse => {
    const request = payload as InstallCertificateRequest;
    const outcome = store.install(request.certificateType, request.certificate);
    if (outcome.status === 'Accepted') return { status: 'Accepted' };
    return { status: outcome.status, statusInfo: { reasonCode: outcome.reasonCode, additionalInfo: outcome.reason.slice(0, 512) } };
  };
