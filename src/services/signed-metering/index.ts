/** Signed meter values (issue 17): OCMF documents, the station's signer, meter-signed readings. */
export * from './ocmf.js';
export { StationSigner, STATION_SIGNED_GATEWAY, SIGNING_KEY_FILE, type StationSignerOptions } from './station-signer.js';
export { ocppPublicKeyValue, publicKeyFromHex, publicKeyHexOf } from './public-key.js';
export { identificationTypeOf } from './ocmf-identification.js';
