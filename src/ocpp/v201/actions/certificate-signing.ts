import type { CertificateSignedRequest, CertificateSignedResponse, SignCertificateRequest, SignCertificateResponse } from 'ocpp-messages/v2.0/index.js';
import type { CertificateRenewal, RenewalPort } from '../../../services/certificates/certificate-renewal.js';
import type { SecurityEvent } from '../../../services/security-events/security-event-types.js';

/**
 * A02/A03 in 2.0.1: SignCertificate for the Charging Station certificate (certificateType, A02.FR.13)
 * and the CSMS's CertificateSigned, on the version-neutral renewal.
 */

export function signCertificateRequest(csr: string): SignCertificateRequest {
  return { csr, certificateType: 'ChargingStationCertificate' };
}

/** The renewal's port on the 2.0.1 connection. */
export function renewalPort201(send: (action: string, payload: object, triggered: boolean) => Promise<unknown>, raise: (event: SecurityEvent) => void): RenewalPort {
  return {
    signCertificate: async (csr, triggered) => ((await send('SignCertificate', signCertificateRequest(csr), triggered)) as SignCertificateResponse).status,
    raise,
  };
}

export const certificateSigned =
  (renewal: CertificateRenewal) =>
  async (payload: unknown): Promise<CertificateSignedResponse> => {
    const request = payload as CertificateSignedRequest;
    // No ISO 15118 here: a V2G certificate has no key pending for it.
    if (request.certificateType === 'V2GCertificate') return { status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } };
    const status = await renewal.certificateSigned(request.certificateChain);
    return status === 'Accepted' ? { status } : { status, statusInfo: { reasonCode: 'InvalidCertificate' } };
  };
