import assert from 'node:assert/strict';
import type { GetConfigurationResponse, StopTransactionRequest } from 'ocpp-messages/v1.6/index.js';
import { StationSigner, verifyOcmf } from '../../../src/services/signed-metering/index.js';
import { afterEachTest, assertNoCallErrors, ID, startCharging16, startRig16, setKey, tag, TAG, waitForStop, type Rig } from './rig.js';

/**
 * The OCA application note "Signed Meter Values in OCPP" (v1.0) 3.3, the 1.6 configuration keys:
 * SampledDataSignReadings (3.3.3) switches the signed start and end values of the StopTransaction.req
 * (3.1.4) on and off, PublicKeyWithSignedMeterValue (3.3.2) says which of them carry the public key,
 * MeterPublicKey[ConnectorID] (3.3.1) gives the key (3.2.2), and the values the station cannot sign
 * are read-only false (2.1).
 */

interface SignedFields {
  signedMeterData: string;
  signingMethod: string;
  encodingMethod: string;
  publicKey: string;
}

const valueOf = (answer: GetConfigurationResponse, key: string): { readonly: boolean; value?: string } | undefined => {
  const found = answer.configurationKey?.find((k) => k.key === key);
  return found ? { readonly: found.readonly, value: found.value } : undefined;
};

/** The SignedData values of a StopTransaction: context -> the fields. */
function signedOf(stop: StopTransactionRequest): Array<{ context: string; fields: SignedFields }> {
  return (stop.transactionData ?? [])
    .flatMap((mv) => mv.sampledValue)
    .filter((v) => v.format === 'SignedData')
    .map((v) => ({ context: v.context ?? '', fields: JSON.parse(v.value) as SignedFields }));
}

const stationSigned = (doc: Record<string, unknown>): void => {
  doc['signedMeterValues'] = { source: 'station' };
};

/** One transaction started and stopped with the tag; its StopTransaction. */
async function chargeAndStop(rig: Rig): Promise<StopTransactionRequest> {
  const { transactionId } = await startCharging16(rig);
  assert.equal((await rig.agent.station.presentIdToken(1, tag(TAG))).outcome, 'stopped');
  return waitForStop(rig.csms, 5000, (s) => s.transactionId === transactionId);
}

/** 3.2.2: Base64 of "oca:base16:asn1:<hex of the SPKI DER key>". */
const ocaKey = (hex: string): string => Buffer.from(`oca:base16:asn1:${hex}`, 'utf8').toString('base64');

describe('OCPP 1.6 integration: signed meter value keys (OCA application note 3.3, issue 17)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('3.3: station-signed, GetConfiguration reports SampledDataSignReadings true, PublicKeyWithSignedMeterValue EveryMeterValue, MeterPublicKey1 as 3.2.2 gives it; the unsignable ones read-only false; ChangeConfiguration refuses a value outside 3.3.2 and a read-only key', async () => {
    const rig = await startRig16({ config: stationSigned });
    const answer = await rig.csms.getConfiguration(ID, ['SampledDataSignReadings', 'PublicKeyWithSignedMeterValue', 'MeterPublicKey1', 'SampledDataSignUpdatedReadings', 'AlignedDataSignReadings', 'AlignedDataSignUpdatedReadings', 'MeterPublicKey2']);
    const key = StationSigner.open(rig.agent.config.storage.dir).publicKeyHex;
    assert.deepEqual(valueOf(answer, 'SampledDataSignReadings'), { readonly: false, value: 'true' });
    assert.deepEqual(valueOf(answer, 'PublicKeyWithSignedMeterValue'), { readonly: false, value: 'EveryMeterValue' });
    assert.deepEqual(valueOf(answer, 'MeterPublicKey1'), { readonly: true, value: ocaKey(key) });
    for (const k of ['SampledDataSignUpdatedReadings', 'AlignedDataSignReadings', 'AlignedDataSignUpdatedReadings']) assert.deepEqual(valueOf(answer, k), { readonly: true, value: 'false' }, k);
    assert.deepEqual(answer.unknownKey, ['MeterPublicKey2'], 'one connector: one key');
    assert.ok(ocaKey(key).length <= 500, '3.3.1: within CiString500Type');
    assert.deepEqual(await rig.csms.changeConfiguration(ID, 'PublicKeyWithSignedMeterValue', 'Sometimes'), { status: 'Rejected' });
    assert.deepEqual(await rig.csms.changeConfiguration(ID, 'SampledDataSignUpdatedReadings', 'true'), { status: 'Rejected' });
    assert.deepEqual(await rig.csms.changeConfiguration(ID, 'MeterPublicKey1', 'x'), { status: 'Rejected' });
    assertNoCallErrors(rig.csms);
  });

  it('3.3.3 SampledDataSignReadings false: the StopTransaction carries no signed value; true again: the start and end are signed', async () => {
    const rig = await startRig16({ config: stationSigned });
    await setKey(rig.csms, 'SampledDataSignReadings', 'false');
    const unsigned = await chargeAndStop(rig);
    assert.deepEqual(signedOf(unsigned), []);
    assert.ok((unsigned.transactionData ?? []).length > 0, 'the unsigned StopTxnSampledData values are still sent');
    await setKey(rig.csms, 'SampledDataSignReadings', 'true');
    const signed = await chargeAndStop(rig);
    assert.deepEqual(
      signedOf(signed).map((s) => s.context),
      ['Transaction.Begin', 'Transaction.End'],
    );
  });

  it('3.3.2 PublicKeyWithSignedMeterValue: OncePerTransaction sends the key with the start only, Never with neither (empty string); the documents verify with MeterPublicKey1', async () => {
    const rig = await startRig16({ config: stationSigned });
    const key = StationSigner.open(rig.agent.config.storage.dir).publicKeyHex;
    await setKey(rig.csms, 'PublicKeyWithSignedMeterValue', 'oncepertransaction');
    const once = signedOf(await chargeAndStop(rig));
    assert.deepEqual(
      once.map((s) => [s.context, s.fields.publicKey]),
      [
        ['Transaction.Begin', ocaKey(key)],
        ['Transaction.End', ''],
      ],
    );
    await setKey(rig.csms, 'PublicKeyWithSignedMeterValue', 'Never');
    const never = signedOf(await chargeAndStop(rig));
    assert.deepEqual(
      never.map((s) => [s.context, s.fields.publicKey]),
      [
        ['Transaction.Begin', ''],
        ['Transaction.End', ''],
      ],
    );
    for (const s of [...once, ...never]) assert.equal(verifyOcmf(Buffer.from(s.fields.signedMeterData, 'base64').toString('utf8'), key), true, `${s.context} verifies`);
    assertNoCallErrors(rig.csms);
  });

  it('signing off (the default): SampledDataSignReadings false and MeterPublicKey1 empty', async () => {
    const rig = await startRig16();
    const answer = await rig.csms.getConfiguration(ID, ['SampledDataSignReadings', 'MeterPublicKey1']);
    assert.deepEqual(valueOf(answer, 'SampledDataSignReadings'), { readonly: false, value: 'false' });
    assert.deepEqual(valueOf(answer, 'MeterPublicKey1'), { readonly: true, value: '' });
  });
});
