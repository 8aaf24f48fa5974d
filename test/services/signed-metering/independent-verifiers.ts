import { execFileSync } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import ocmfLibrary from '@road-labs/ocmf';
import nobleCrypto from '@road-labs/ocmf-crypto-noble';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * Second implementations that check our OCMF documents, so a test does not trust our own verifier
 * alone: @road-labs/ocmf's Verifier on @noble/curves (a pure JavaScript ECDSA, not OpenSSL), and the
 * openssl command line over the payload section's bytes.
 */

const { Verifier, Signer } = ocmfLibrary;
const noble = new nobleCrypto.Crypto();

/** @road-labs/ocmf's verdict on a whole OCMF text, with the public key as SPKI DER hex. */
export async function roadLabsVerifies(text: string, publicKeyHex: string): Promise<boolean> {
  const key = await noble.decodeEcPublicKey(Buffer.from(publicKeyHex, 'hex'), 'spki-der');
  try {
    return (await new Verifier(noble).parseAndVerify(text, key)).verified;
  } catch {
    return false;
  }
}

const derLength = (n: number): Buffer => (n < 0x80 ? Buffer.from([n]) : Buffer.from([0x81, n]));
const derTagged = (tag: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
/** AlgorithmIdentifier { id-ecPublicKey, prime256v1 } (RFC 5480). */
const EC_P256_ALGORITHM = Buffer.from('301306072a8648ce3d020106082a8648ce3d030107', 'hex');

/**
 * A document signed by @road-labs/ocmf (payload serialised by JSON.stringify). Its key decoder wants
 * the curve inside the PKCS#8 private key (RFC 5915 parameters), which Node's PKCS#8 export leaves
 * out: the SEC1 key (which has them) is wrapped in PKCS#8 here.
 */
export async function roadLabsSign(payload: object, privateKey: KeyObject): Promise<string> {
  const sec1 = privateKey.export({ format: 'der', type: 'sec1' });
  const pkcs8 = derTagged(0x30, Buffer.concat([Buffer.from('020100', 'hex'), EC_P256_ALGORITHM, derTagged(0x04, sec1)]));
  const key = await noble.decodeEcPrivateKey(pkcs8, 'pkcs8-der');
  return new Signer(noble).sign(payload as Parameters<InstanceType<typeof Signer>['sign']>[0], key, 'ECDSA-secp256r1-SHA256');
}

/**
 * `openssl dgst -sha256 -verify` over the payload section (the text between the first and second
 * "|") with SD decoded from hex: true when openssl prints "Verified OK".
 */
export function opensslVerifies(text: string, publicKeyHex: string): boolean {
  const [, payload, signature] = text.split('|') as [string, string, string];
  const sd = (JSON.parse(signature) as { SD: string }).SD;
  const dir = makeTempDir('ocmf-openssl');
  const files = { payload: path.join(dir, 'payload'), sig: path.join(dir, 'sig.der'), key: path.join(dir, 'key.der') };
  writeFileSync(files.payload, payload, 'utf8');
  writeFileSync(files.sig, Buffer.from(sd, 'hex'));
  writeFileSync(files.key, Buffer.from(publicKeyHex, 'hex'));
  try {
    const out = execFileSync(
      'openssl',
      ['dgst', '-sha256', '-verify', files.key, '-keyform', 'DER', '-signature', files.sig, files.payload],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return out.trim() === 'Verified OK';
  } catch {
    return false;
  }
}
