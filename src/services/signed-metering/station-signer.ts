import { createPrivateKey, createPublicKey, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../process/logger.js';
import { writeFileAtomic } from '../../store/durable-files.js';
import { buildOcmfPayload, signOcmf, type OcmfSession } from './ocmf.js';
import type { OcmfSignatureMethod, OcmfSigner } from './ocmf-types.js';
import { ocppPublicKeyValue, publicKeyHexOf } from './public-key.js';

/**
 * The station as OCMF's signing component ("gateway", OCMF-en.md "General Information"), for a meter
 * that does not sign: ECDSA secp256r1 / SHA-256 (Table 22's default) with a key that never leaves
 * `<storage.dir>/certificates/ocmf-signing-key.pem` (mode 0600, made on first use).
 *
 * This is transparency, not legal metrology: the signature proves the record is the one the station
 * wrote, not that a calibrated meter measured it. Documents say so in GI, the field Table 1 gives for
 * the "manufacturer, model, variant" of the system that generated the data; GS is the station id (the
 * serial of that system, which Table 1 makes conditionally mandatory when the gateway signs), MS the
 * meter that measured.
 */

/** GI of every station-signed document. */
export const STATION_SIGNED_GATEWAY = 'evse-agent station-signed (transparency, not calibrated)';

export const SIGNING_KEY_FILE = 'ocmf-signing-key.pem';
const KEY_MODE = 0o600;
const DIR_MODE = 0o700;

export interface StationSignerOptions {
  log?: Logger;
}

export class StationSigner implements OcmfSigner {
  readonly signatureMethod: OcmfSignatureMethod = 'ECDSA-secp256r1-SHA256';
  readonly publicKeyHex: string;
  private page: number;

  private constructor(
    private readonly privateKey: KeyObject,
    readonly keyFile: string,
    private readonly paginationFile: string,
  ) {
    this.publicKeyHex = publicKeyHexOf(createPublicKey(privateKey));
    this.page = this.storedPage();
  }

  /** The counter on disk: the truth when another signer of the same storage (a reopened one) signed since. */
  private storedPage(): number {
    if (!existsSync(this.paginationFile)) return 0;
    const page = Number(readFileSync(this.paginationFile, 'utf8').trim());
    return Number.isInteger(page) && page >= 0 ? page : 0;
  }

  /** The signer of the station whose storage is `storageDir`; makes its key on first use. */
  static open(storageDir: string, options: StationSignerOptions = {}): StationSigner {
    const keyFile = path.join(storageDir, 'certificates', SIGNING_KEY_FILE);
    let privateKey: KeyObject;
    if (existsSync(keyFile)) {
      privateKey = createPrivateKey(readFileSync(keyFile, 'utf8'));
      if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
        throw new Error(`${keyFile} is not an ECDSA secp256r1 key`);
      }
    } else {
      privateKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
      writeFileAtomic(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), KEY_MODE, DIR_MODE);
      options.log?.info(`OCMF signing key created in ${keyFile}`);
    }
    return new StationSigner(privateKey, keyFile, path.join(storageDir, 'signed-metering', 'pagination'));
  }

  /** The publicKey of OCPP's SignedMeterValueType: Base64 of "oca:base16:asn1:<hex>" (OCA whitepaper 3.2.2). */
  get ocppPublicKey(): string {
    return ocppPublicKeyValue(this.publicKeyHex);
  }

  /** The last PG transaction counter used (0 before the first document). */
  get pagination(): number {
    return this.page;
  }

  sign(data: Uint8Array): Buffer {
    // Node's ECDSA signatures are DER (SM application/x-der, Table 8).
    return createSign('sha256').update(data).sign(this.privateKey);
  }

  /**
   * A signed document for the session's readings, marked station-signed, with the next PG counter
   * (continuous pagination lets a checker see no document was removed: "Signing and Verification
   * Process"). The counter is written durably before the document is returned.
   */
  signSession(session: Omit<OcmfSession, 'pagination' | 'gatewayIdentification'>): string {
    const page = Math.max(this.page, this.storedPage()) + 1;
    const payload = buildOcmfPayload({ ...session, gatewayIdentification: STATION_SIGNED_GATEWAY, pagination: page });
    const text = signOcmf(payload, this);
    writeFileAtomic(this.paginationFile, `${page}\n`, 0o644, DIR_MODE);
    this.page = page;
    return text;
  }
}
