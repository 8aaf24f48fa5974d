export { CertificateStore, type CertificateStoreOptions } from './certificate-store.js';
export { certificateHashData, sameHashData } from './hash-data.js';
export type { CertificateSeed } from './seed.js';
export * from './types.js';
