import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  buildOcmfPayload, OBIS_ACTIVE_ENERGY_IMPORT, parseOcmf, parseOcmfTime, publicKeyHexOf, readingsOf, signOcmf,
  STATION_SIGNED_GATEWAY, StationSigner, verifyOcmf, type OcmfSession, type OcmfSigner,
} from '../../../src/services/signed-metering/index.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { opensslVerifies, roadLabsSign, roadLabsVerifies } from './independent-verifiers.js';

/** OCMF documents (OCMF-en.md, revision 1.4.1) built, signed, parsed and verified; checked by second implementations. */

const BEGIN = new Date('2026-03-01T10:00:00.000Z');
const END = new Date('2026-03-01T11:30:15.250Z');

const session = (over: Partial<OcmfSession> = {}): OcmfSession => ({
  gatewayId: 'CS-0042',
  gatewayVersion: '3.1.0',
  pagination: 7,
  meterId: 'SIM-000123',
  meterVendor: 'evse-agent',
  meterModel: 'simulated',
  idToken: { value: '04A1B2C3D4E5F6', type: 'ISO14443' },
  authorizedBy: 'Card',
  chargePoint: { type: 'EVSEID', id: 'DE*ABC*E0042*1' },
  readings: [
    { time: BEGIN, energyWh: 1_234_567, type: 'B', timeStatus: 'S' },
    { time: END, energyWh: 1_245_600, type: 'E', timeStatus: 'S' },
  ],
  ...over,
});

/** A signer with a fresh P-256 key (Node's ECDSA signatures are DER, as SM application/x-der asks). */
function nodeSigner(): OcmfSigner & { privateKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    signatureMethod: 'ECDSA-secp256r1-SHA256',
    publicKeyHex: publicKeyHexOf(publicKey),
    privateKey,
    sign: (data) => sign('sha256', data, privateKey),
  };
}

describe('signed metering: OCMF documents (OCMF-en.md)', () => {
  it('builds the payload field by field as Tables 1-7 define it, in their order', () => {
    const payload = buildOcmfPayload(session());
    assert.deepEqual(Object.keys(payload).filter((k) => payload[k as keyof typeof payload] !== undefined), [
      'FV', 'GS', 'GV', 'PG', 'MV', 'MM', 'MS', 'IS', 'IL', 'IF', 'IT', 'ID', 'CT', 'CI', 'RD',
    ]);
    assert.equal(payload.FV, '1.4', 'FV: <major>.<minor> of the spec revision 1.4.1');
    assert.equal(payload.GS, 'CS-0042');
    assert.equal(payload.GV, '3.1.0');
    assert.equal(payload.PG, 'T7', 'PG: T context, number without leading zeros (Table 2)');
    assert.equal(payload.MS, 'SIM-000123');
    assert.equal(payload.IS, true, 'IS: user assigned (Table 4)');
    assert.equal(payload.IL, 'HEARSAY', 'a plain RFID UID is HEARSAY (Table 11)');
    assert.deepEqual(payload.IF, ['RFID_PLAIN', 'OCPP_AUTH'], 'Tables 13 and 14');
    assert.equal(payload.IT, 'ISO14443', 'Table 17');
    assert.equal(payload.ID, '04A1B2C3D4E5F6');
    assert.equal(payload.CT, 'EVSEID', 'Table 18');
    assert.equal(payload.CI, 'DE*ABC*E0042*1');
    assert.deepEqual(payload.RD, [
      { TM: '2026-03-01T10:00:00,000+0000 S', TX: 'B', RV: 1234.567, RI: '01-00:01.08.00*FF', RU: 'kWh', RT: 'AC', EF: '', ST: 'G' },
      { TM: '2026-03-01T11:30:15,250+0000 S', TX: 'E', RV: 1245.6, RI: '01-00:01.08.00*FF', RU: 'kWh', RT: 'AC', EF: '', ST: 'G' },
    ]);
    assert.equal(OBIS_ACTIVE_ENERGY_IMPORT, '01-00:01.08.00*FF', 'OBIS 1-0:1.8.0*255 in OCMF 1.4 hex form');
  });

  it('writes OCMF|payload|signature with RV keeping its decimals (Table 7: the representation must not be rewritten)', () => {
    const text = signOcmf(buildOcmfPayload(session()), nodeSigner());
    const sections = text.split('|');
    assert.equal(sections.length, 3);
    assert.equal(sections[0], 'OCMF');
    assert.match(sections[1]!, /"RV":1234\.567,/);
    assert.match(sections[1]!, /"RV":1245\.600,/, 'kWh with three decimals: 1245.600, not 1245.6');
    assert.doesNotMatch(sections[1]!, /[\n\r\t]|":\s|,\s"/, 'no white space between tokens: the signed text is exactly what is sent');
    const signature = JSON.parse(sections[2]!) as Record<string, string>;
    assert.deepEqual(Object.keys(signature), ['SA', 'SD']);
    assert.equal(signature.SA, 'ECDSA-secp256r1-SHA256');
    assert.match(signature.SD!, /^30[0-9A-F]+$/, 'SD: hex (SE default) of a DER SEQUENCE (SM default application/x-der)');
    const wh = buildOcmfPayload(session({ unit: 'Wh' }));
    assert.match(signOcmf(wh, nodeSigner()), /"RV":1234567,"RI":"01-00:01.08.00\*FF","RU":"Wh"/);
  });

  it('is verified by two independent implementations (@road-labs/ocmf on @noble/curves, and the openssl CLI) and by verifyOcmf', async () => {
    const signer = nodeSigner();
    const text = signOcmf(buildOcmfPayload(session()), signer);
    assert.equal(await roadLabsVerifies(text, signer.publicKeyHex), true);
    assert.equal(opensslVerifies(text, signer.publicKeyHex), true);
    assert.equal(verifyOcmf(text, signer.publicKeyHex), true);
  });

  it('a tampered document fails every verifier: a changed reading, a changed signature, another key', async () => {
    const signer = nodeSigner();
    const text = signOcmf(buildOcmfPayload(session()), signer);
    const changedReading = text.replace('"RV":1245.600', '"RV":1246.600');
    assert.notEqual(changedReading, text);
    const sd = /"SD":"([0-9A-F]+)"/.exec(text)![1]!;
    const flipped = sd.slice(0, 20) + (sd[20] === 'A' ? 'B' : 'A') + sd.slice(21);
    const changedSignature = text.replace(sd, flipped);
    const otherKey = nodeSigner().publicKeyHex;
    for (const [what, doc, key] of [
      ['reading', changedReading, signer.publicKeyHex],
      ['signature', changedSignature, signer.publicKeyHex],
      ['key', text, otherKey],
    ] as const) {
      assert.equal(verifyOcmf(doc, key), false, `verifyOcmf, changed ${what}`);
      assert.equal(await roadLabsVerifies(doc, key), false, `@road-labs/ocmf, changed ${what}`);
      assert.equal(opensslVerifies(doc, key), false, `openssl, changed ${what}`);
    }
    assert.equal(verifyOcmf('OCMF|{"PG":"T1"}', signer.publicKeyHex), false, 'not three sections');
  });

  it('verifyOcmf accepts a document the independent implementation signed, and the key as a bare curve point', async () => {
    const signer = nodeSigner();
    const payload = { FV: '1.0', PG: 'T3', MS: 'X1', IS: false, IT: 'NONE', RD: [{ TM: '2026-03-01T10:00:00,000+0100 I', TX: 'B', RV: 10.5, RU: 'kWh', ST: 'G' }] };
    const text = await roadLabsSign(payload, signer.privateKey);
    assert.equal(verifyOcmf(text, signer.publicKeyHex), true);
    const point = signer.publicKeyHex.slice(-130);
    assert.equal(verifyOcmf(text, point), true, '04 || X || Y');
    assert.equal(verifyOcmf(text, point.slice(2)), true, 'X || Y, as some meters print it');
    assert.equal(readingsOf(parseOcmf(text))[0]!.energyWh, 10_500);
    assert.equal(readingsOf(parseOcmf(text))[0]!.time.toISOString(), '2026-03-01T09:00:00.000Z', 'TM +0100 read as UTC');
  });

  it('parseOcmf fills fields a reading omits from the one before (Table 7 "Readings") and rejects what is not OCMF', () => {
    const text = 'OCMF|{"PG":"T1","MS":"M","RD":[{"TM":"2026-03-01T10:00:00,000+0000 S","TX":"B","RV":1.00,"RI":"01-00:01.08.00*FF","RU":"kWh","ST":"G"},{"TM":"2026-03-01T10:05:00,000+0000 S","RV":1.50},{"TM":"2026-03-01T10:10:00,000+0000 S","TX":"E","RV":2.00}]}|{"SD":"3000"}';
    const parsed = parseOcmf(text);
    assert.deepEqual(parsed.payload.RD.map((r) => [r.TX, r.RU, r.RI, r.ST]), [
      ['B', 'kWh', '01-00:01.08.00*FF', 'G'],
      ['B', 'kWh', '01-00:01.08.00*FF', 'G'],
      ['E', 'kWh', '01-00:01.08.00*FF', 'G'],
    ]);
    assert.deepEqual(readingsOf(parsed).map((r) => r.energyWh), [1000, 1500, 2000]);
    assert.throws(() => parseOcmf('OCMF|{}'), /3 sections/);
    assert.throws(() => parseOcmf('XCMF|{"PG":"T1","MS":"M","RD":[]}|{"SD":"30"}'), /not OCMF/);
    assert.throws(() => parseOcmf('OCMF|{"PG":"T01","MS":"M","RD":[{}]}|{"SD":"30"}'), /PG/);
    assert.throws(() => parseOcmf('OCMF|{"PG":"T1","MS":"M","RD":[{"TM":"2026-03-01 10:00","RV":1,"RU":"kWh","ST":"G"}]}|{"SD":"30"}'), /TM/);
    assert.throws(() => parseOcmf('OCMF|{"PG":"T1","MS":"M","RD":[{"TM":"2026-03-01T10:00:00,000+0000 S","RV":1,"RU":"kWh","ST":"Q"}]}|{"SD":"30"}'), /Table 10/);
  });

  it('the user assignment follows the token: none, a remote start, an eMAID; a "|" in an id cannot split the sections', () => {
    const none = buildOcmfPayload(session({ idToken: undefined, authorizedBy: undefined }));
    assert.deepEqual([none.IS, none.IL, none.IT, none.ID, none.IF], [false, 'NONE', 'NONE', undefined, undefined]);
    const remote = buildOcmfPayload(session({ idToken: { value: 'DE-ABC-C12345678-X', type: 'eMAID' }, authorizedBy: 'Remote' }));
    assert.deepEqual([remote.IS, remote.IL, remote.IT, remote.IF], [true, 'TRUSTED', 'EMAID', ['RFID_NONE', 'OCPP_RS']]);
    const signer = nodeSigner();
    const text = signOcmf(buildOcmfPayload(session({ idToken: { value: 'a|b', type: 'Central' } })), signer);
    assert.equal(text.split('|').length, 3);
    assert.equal(parseOcmf(text).payload.ID, 'a|b');
    assert.equal(parseOcmf(text).payload.IT, 'CENTRAL');
    assert.equal(verifyOcmf(text, signer.publicKeyHex), true);
    assert.equal(opensslVerifies(text, signer.publicKeyHex), true);
  });

  it('TM reads back with its offset and sync flag (Tables 7, 19)', () => {
    assert.deepEqual(parseOcmfTime('2018-07-24T13:22:04,000+0200 S'), { time: new Date('2018-07-24T11:22:04.000Z'), status: 'S' });
    assert.equal(buildOcmfPayload(session({ readings: [{ time: BEGIN, energyWh: 1, type: 'B' }] })).RD[0]!.TM, '2026-03-01T10:00:00,000+0000 I',
      'a station clock without a sync flag is informative (I)');
  });
});

describe('signed metering: the StationSigner', () => {
  it('makes its ECDSA secp256r1 key on first use in certificates/ocmf-signing-key.pem, mode 0600, and keeps it', () => {
    const dir = makeTempDir('station-signer');
    const first = StationSigner.open(dir);
    const keyFile = path.join(dir, 'certificates', 'ocmf-signing-key.pem');
    assert.equal(first.keyFile, keyFile);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const key = createPrivateKey(readFileSync(keyFile, 'utf8'));
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(StationSigner.open(dir).publicKeyHex, first.publicKeyHex, 'reopened: the same key');
    assert.match(first.publicKeyHex, /^3059301306072A8648CE3D020106082A8648CE3D030107034200/, 'SPKI DER of a P-256 key');
    assert.equal(Buffer.from(first.ocppPublicKey, 'base64').toString(), `oca:base16:asn1:${first.publicKeyHex}`, 'OCA app note 3.2.2');
  });

  it('marks its documents station-signed in GI, counts PG on across restarts, and they verify independently', async () => {
    const dir = makeTempDir('station-signer');
    const signer = StationSigner.open(dir);
    const rest = session({ pagination: undefined });
    const a = signer.signSession(rest);
    const b = signer.signSession(rest);
    const c = StationSigner.open(dir).signSession(rest);
    const d = signer.signSession(rest);
    assert.deepEqual([a, b, c, d].map((t) => parseOcmf(t).payload.PG), ['T1', 'T2', 'T3', 'T4'], 'one counter per storage, whichever signer signs');
    assert.equal(parseOcmf(a).payload.GI, STATION_SIGNED_GATEWAY);
    assert.match(STATION_SIGNED_GATEWAY, /station-signed.*not calibrated/);
    for (const text of [a, b, c, d]) {
      assert.equal(await roadLabsVerifies(text, signer.publicKeyHex), true);
      assert.equal(opensslVerifies(text, signer.publicKeyHex), true);
    }
  });
});
