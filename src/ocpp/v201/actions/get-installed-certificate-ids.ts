import type { CertificateHashDataChainType, GetCertificateIdUseEnumType, GetInstalledCertificateIdsResponse } from 'ocpp-messages/v2.0/GetInstalledCertificateIdsResponse.js';
import type { GetInstalledCertificateIdsRequest } from 'ocpp-messages/v2.0/index.js';
import type { CertificateStore, InstalledCertificate } from '../../../services/certificates/index.js';

const LISTED: readonly GetCertificateIdUseEnumType[] = ['V2GRootCertificate', 'MORootCertificate', 'CSMSRootCertificate', 'V2GCertificateChain', 'ManufacturerRootCertificate'];

/** The schema takes at most four sub-CAs under a V2G certificate. */
const MAX_CHILDREN = 4;

function chainEntry(cert: InstalledCertificate & { type: GetCertificateIdUseEnumType }): CertificateHashDataChainType {
  const entry: CertificateHashDataChainType = { certificateType: cert.type, certificateHashData: cert.hashData };
  const children = cert.childHashData?.slice(0, MAX_CHILDREN);
  if (cert.type === 'V2GCertificateChain' && children && children.length > 0) entry.childCertificateHashData = children as CertificateHashDataChainType['childCertificateHashData'];
  return entry;
}

/**
 * M03 GetInstalledCertificateIds: the hash data of each installed certificate of the types asked
 * (all of GetCertificateIdUseEnumType when none), Accepted (M03.FR.03/04), or NotFound (M03.FR.02).
 * A V2G chain's sub-CAs go under its leaf as childCertificateHashData (M03.FR.05). The Charging
 * Station Certificate is not one of the types and is never listed.
 */
export const getInstalledCertificateIds =
  (store: CertificateStore) =>
  (payload: unknown): GetInstalledCertificateIdsResponse => {
    const request = payload as GetInstalledCertificateIdsRequest;
    const types = request.certificateType ?? LISTED;
    const found = store.list(types).filter((c): c is InstalledCertificate & { type: GetCertificateIdUseEnumType } => (LISTED as readonly string[]).includes(c.type));
    const [first, ...rest] = found.map(chainEntry);
    if (!first) return { status: 'NotFound', statusInfo: { reasonCode: 'NotFound', additionalInfo: `no certificate of ${types.join(', ')}` } };
    return { status: 'Accepted', certificateHashDataChain: [first, ...rest] };
  };
