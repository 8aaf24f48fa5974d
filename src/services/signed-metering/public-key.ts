import { createPublicKey, type KeyObject } from 'node:crypto';
import type { OcmfSignatureMethod } from './ocmf-types.js';

/**
 * Public keys as OCMF and the OCA signed meter values whitepaper (v1.0, 3.2.2) carry them: the
 * "printed public key" is hex of the DER SubjectPublicKeyInfo (ASN.1 with algorithm and curve).
 * Meters also print the bare curve point; both are read here.
 */

/** Node's (OpenSSL's) curve name for each SA (Table 22). */
const CURVE_BY_METHOD: Readonly<Record<OcmfSignatureMethod, string>> = {
  'ECDSA-secp192k1-SHA256': 'secp192k1',
  'ECDSA-secp256k1-SHA256': 'secp256k1',
  'ECDSA-secp192r1-SHA256': 'prime192v1',
  'ECDSA-secp256r1-SHA256': 'prime256v1',
  'ECDSA-brainpool256r1-SHA256': 'brainpoolP256r1',
  'ECDSA-secp384r1-SHA256': 'secp384r1',
  'ECDSA-brainpool384r1-SHA256': 'brainpoolP384r1',
};

export const curveOfSignatureMethod = (method: OcmfSignatureMethod): string | undefined => CURVE_BY_METHOD[method];

/** The DER prefix of a P-256 SubjectPublicKeyInfo up to the uncompressed point (RFC 5480). */
const P256_SPKI_PREFIX = '3059301306072a8648ce3d020106082a8648ce3d030107034200';

/** The key in `hex` (SPKI DER, or for P-256 the bare point with or without its 04 prefix); undefined when unreadable. */
export function publicKeyFromHex(hex: string, curve?: string): KeyObject | undefined {
  const clean = hex.replace(/^0x/i, '').replace(/[^0-9a-fA-F]/g, '').toLowerCase();
  let der = clean;
  if (curve === 'prime256v1' && clean.length === 128) der = `${P256_SPKI_PREFIX}04${clean}`;
  else if (curve === 'prime256v1' && clean.length === 130 && clean.startsWith('04')) der = `${P256_SPKI_PREFIX}${clean}`;
  try {
    return createPublicKey({ key: Buffer.from(der, 'hex'), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** Hex (upper case, as meters print it) of a key's DER SubjectPublicKeyInfo. */
export const publicKeyHexOf = (key: KeyObject): string =>
  key.export({ format: 'der', type: 'spki' }).toString('hex').toUpperCase();

/**
 * The publicKey field of OCPP 2.0.1 SignedMeterValueType and the MeterPublicKey configuration value
 * (whitepaper 3.2.2): Base64 of "oca:base16:asn1:<printed public key>".
 */
export const ocppPublicKeyValue = (publicKeyHex: string): string =>
  Buffer.from(`oca:base16:asn1:${publicKeyHex}`, 'utf8').toString('base64');
