/** Signed meter values (issue 17): OCMF documents, the station's signer, meter-signed readings. */
export * from './ocmf.js';
export { StationSigner, STATION_SIGNED_GATEWAY, SIGNING_KEY_FILE, type StationSignerOptions } from './station-signer.js';
export { ocppPublicKeyValue, publicKeyFromHex, publicKeyHexOf } from './public-key.js';
export { identificationTypeOf } from './ocmf-identification.js';
export { MeterOcmfSigner, MeterSigningError, type MeterCommand, type MeterOcmfSignerOptions, type MeterSignedInput, type SignedDataPort } from './meter-signed.js';
export { modbusSignedDataPort } from './meter-signed-modbus.js';
export { canonicalDerSignature } from './register-bytes.js';
