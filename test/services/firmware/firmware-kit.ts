import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createCa, issueClientCertificate, type IssuedCertificate, type TestCa } from '../../helpers/test-pki.js';

/**
 * A manufacturer's firmware signing for tests: a root (the station's ManufacturerRootCertificate)
 * and a signing certificate under it, made at run time; the signature of a file as L01 wants it
 * (SHA-256 over the whole file with the signing key, base64).
 */
export interface FirmwareSigner {
  root: TestCa;
  signer: IssuedCertificate;
  /** A signing certificate under another root: InvalidCertificate. */
  stranger: IssuedCertificate;
  sign(file: string, key?: string): string;
}

export async function firmwareSigner(): Promise<FirmwareSigner> {
  const root = await createCa('Test Manufacturer Root');
  const signer = await issueClientCertificate(root, 'Test Firmware Signer');
  const other = await createCa('Someone Else');
  const stranger = await issueClientCertificate(other, 'Test Firmware Signer');
  return {
    root,
    signer,
    stranger,
    sign: (file, key = signer.keyPem) => createSign('sha256').update(readFileSync(file)).sign(key).toString('base64'),
  };
}
