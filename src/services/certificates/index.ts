import type { CertificateStore } from './certificate-store.js';

export { CertificateStore, type CertificateStoreOptions } from './certificate-store.js';
export { certificateHashData, sameHashData } from './hash-data.js';
export type { CertificateSeed } from './seed.js';
export * from './types.js';

/** What the adapters' certificate handlers need: the store, and the connection's security profile now (M04: the CSMS root it depends on). */
export interface CertificateService {
  store: CertificateStore;
  securityProfile(): number;
}
