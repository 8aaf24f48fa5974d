import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseOcmf, readingsOf, StationSigner, verifyOcmf } from '../../../src/services/signed-metering/index.js';
import { roadLabsVerifies } from '../../services/signed-metering/independent-verifiers.js';
import { startStation, VERSIONS, type AnyDriver } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, calls, CARD, ID, sleep, until } from '../harness.js';

/**
 * Signed meter values (issue 17), both versions, station-signed (config signedMeterValues.source
 * "station"): the CSMS receives the transaction's start and end register values signed as OCMF
 * (OCA application note "Signed Meter Values in OCPP": 2.0.1 signedMeterValue 4.1-4.2, 1.6
 * SampledValue format SignedData 3.1.4/3.2.1), each document verifies with the public key sent
 * along (3.2.2 oca:base16:asn1) by our verifier and by an independent one (@road-labs/ocmf on
 * @noble/curves), and holds the unsigned register value to the Wh. Off by default: none is sent.
 */

interface SignedValue {
  context: string;
  /** The unsigned register value the message holds beside it (2.0.1: the same sampled value), Wh. */
  registerWh?: number;
  ocmf: string;
  /** Hex of the SPKI DER key from publicKey, or undefined when it was sent empty. */
  publicKeyHex?: string;
  encodingMethod: string;
  signingMethod: string;
}

interface SignedFields {
  signedMeterData: string;
  signingMethod: string;
  encodingMethod: string;
  publicKey: string;
}

function decode(fields: SignedFields, context: string, registerWh?: number): SignedValue {
  const key = Buffer.from(fields.publicKey, 'base64').toString('utf8');
  if (fields.publicKey !== '') assert.match(key, /^oca:base16:asn1:[0-9a-fA-F]+$/, 'app note 3.2.2 publicKey');
  return {
    context,
    registerWh,
    ocmf: Buffer.from(fields.signedMeterData, 'base64').toString('utf8'),
    publicKeyHex: fields.publicKey === '' ? undefined : key.slice('oca:base16:asn1:'.length),
    encodingMethod: fields.encodingMethod,
    signingMethod: fields.signingMethod,
  };
}

interface SampledValue201 {
  value: number;
  context?: string;
  measurand?: string;
  signedMeterValue?: SignedFields;
}
type TxEvent201 = { eventType: string; meterValue?: Array<{ sampledValue: SampledValue201[] }> };

/** The signed values of the 2.0.1 TransactionEvents of one eventType. */
function signed201(d: AnyDriver, eventType: 'Started' | 'Updated' | 'Ended'): SignedValue[] {
  return calls<TxEvent201>(d.csms, 'TransactionEvent')
    .filter((e) => e.eventType === eventType)
    .flatMap((e) => e.meterValue ?? [])
    .flatMap((mv) => mv.sampledValue)
    .filter((v) => v.signedMeterValue)
    .map((v) => decode(v.signedMeterValue!, v.context ?? '', v.value));
}

interface SampledValue16 {
  value: string;
  context?: string;
  format?: string;
  measurand?: string;
}

/** The signed values of the 1.6 StopTransactions' transactionData and of MeterValues. */
function signed16(d: AnyDriver): SignedValue[] {
  const stops = calls<{ transactionData?: Array<{ sampledValue: SampledValue16[] }> }>(d.csms, 'StopTransaction').flatMap((s) => s.transactionData ?? []);
  const meterValues = calls<{ meterValue: Array<{ sampledValue: SampledValue16[] }> }>(d.csms, 'MeterValues').flatMap((m) => m.meterValue);
  return [...stops, ...meterValues]
    .flatMap((mv) => mv.sampledValue)
    .filter((v) => v.format === 'SignedData')
    .map((v) => {
      assert.equal(v.measurand, 'Energy.Active.Import.Register');
      return decode(JSON.parse(v.value) as SignedFields, v.context ?? '');
    });
}

/** A whole session: plugged, charged with the card for a while (energy flows), stopped with the card. */
async function chargeAndStop(d: AnyDriver): Promise<{ meterStartWh: number; meterStopWh: number }> {
  const tx = await d.startCharging();
  await until(() => (d.agent.station.transactions()[0]?.energyWh ?? 0) >= 2, 5000, 'energy to flow');
  assert.equal((await d.present(CARD.idToken)).outcome, 'stopped');
  const ended = await d.waitForEnded();
  return { meterStartWh: tx.meterStartWh, meterStopWh: ended.meterStopWh };
}

/** The one reading of a start or end document, in Wh, with its OCMF TX. */
function readingOf(ocmf: string): { energyWh: number | undefined; type?: string | undefined } {
  const readings = readingsOf(parseOcmf(ocmf));
  assert.equal(readings.length, 1, 'one reading per document (start and end in separate containers, app note 3.1.4 / 4.1.2)');
  return readings[0]!;
}

/** The session records as storage.dir holds them (J3's session history). */
function storedSessions(d: AnyDriver): Array<{ transactionId: string; ocmf?: { start?: string; end?: string; publicKeyHex?: string } }> {
  const file = path.join(d.agent.config.storage.dir, 'session-history.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { sessions: ReturnType<typeof storedSessions> }).sessions : [];
}

const stationSigned = (doc: Record<string, unknown>): void => {
  doc['signedMeterValues'] = { source: 'station' };
};

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: signed meter values (issue 17)`, function () {
    this.timeout(15000);
    afterEach(afterEachTest);

    it('station-signed: the CSMS receives the start and end register values signed as OCMF (2.0.1 signedMeterValue, 1.6 SignedData), verified by our verifier and by @road-labs/ocmf with the public key sent along, equal to the unsigned values to the Wh', async () => {
      const d = await startStation(version, { config: stationSigned });
      const { meterStartWh, meterStopWh } = await chargeAndStop(d);
      assert.ok(meterStopWh > meterStartWh, 'energy was delivered');
      // 2.0.1 with SignReadings (Ended: start and end) and SignStartedReadings (Started: start); 1.6 StopTransaction's transactionData.
      const ended = version === '2.0.1' ? signed201(d, 'Ended') : signed16(d);
      assert.deepEqual(
        ended.map((s) => s.context),
        ['Transaction.Begin', 'Transaction.End'],
      );
      const started = version === '2.0.1' ? signed201(d, 'Started') : [];
      if (version === '2.0.1') assert.deepEqual(started.map((s) => s.context), ['Transaction.Begin'], 'SignStartedReadings: the start in Started too');
      // The key: 1.6 with every value; 2.0.1 OncePerTransaction (the default): with the first signed value only.
      const all = [...started, ...ended];
      const key = all[0]!.publicKeyHex;
      assert.ok(key, 'the public key goes with the first signed value');
      if (version === '2.0.1') assert.deepEqual(all.slice(1).map((s) => s.publicKeyHex), [undefined, undefined], 'OncePerTransaction: empty afterwards');
      else assert.ok(all.every((s) => s.publicKeyHex === key));
      for (const s of all) {
        assert.equal(s.encodingMethod, 'OCMF');
        assert.equal(s.signingMethod, '', 'OCMF names it in SA (app note table 11)');
        assert.ok(s.ocmf.startsWith('OCMF|'));
        assert.equal(verifyOcmf(s.ocmf, key), true, `${s.context} verifies (ours)`);
        assert.equal(await roadLabsVerifies(s.ocmf, key), true, `${s.context} verifies (@road-labs/ocmf)`);
        const payload = parseOcmf(s.ocmf).payload;
        assert.equal(payload.GS, d.agent.config.station.identity);
        assert.match(payload.GI ?? '', /station-signed/, 'marked station-signed: transparency, not legal metrology');
      }
      const [begin, end] = ended as [SignedValue, SignedValue];
      assert.deepEqual([readingOf(begin.ocmf).energyWh, readingOf(begin.ocmf).type], [Math.round(meterStartWh), 'B']);
      assert.deepEqual([readingOf(end.ocmf).energyWh, readingOf(end.ocmf).type], [Math.round(meterStopWh), 'E']);
      if (version === '2.0.1') {
        // The signature rides on the unsigned register value itself: the same reading to the Wh.
        for (const s of all) assert.equal(Math.round(s.registerWh!), readingOf(s.ocmf).energyWh);
        assert.equal(started[0]!.ocmf, begin.ocmf, 'the start is signed once: Started and Ended carry the same document');
      }
      // The session record keeps the very documents the CSMS received, and the key.
      await until(() => storedSessions(d).length === 1, 3000, 'the session record');
      assert.deepEqual(storedSessions(d)[0]!.ocmf, { start: begin.ocmf, end: end.ocmf, publicKeyHex: key });
      // A tampered document fails: one Wh more at the end.
      const tampered = end.ocmf.replace(`"RV":${Math.round(meterStopWh)}`, `"RV":${Math.round(meterStopWh) + 1}`);
      assert.notEqual(tampered, end.ocmf);
      assert.equal(verifyOcmf(tampered, key), false);
      assert.equal(await roadLabsVerifies(tampered, key), false);
      assertNoCallErrors(d.csms);
    });

    it('after a power cut mid-session: the transaction ended at the next start (PowerLoss) carries the start\'s document signed before the cut and a signed end; the record keeps both', async () => {
      const d = await startStation(version, { config: stationSigned });
      const tx = await d.startCharging();
      await until(() => d.agent.hardware.evses[0]!.meter.latest!.energyImportWh > tx.meterStartWh + 2, 3000, 'energy charged');
      const startedDocs = version === '2.0.1' ? signed201(d, 'Started').map((s) => s.ocmf) : [];
      await d.stop(); // as by a power loss
      await d.startAgain();
      const ended = await d.waitForEnded(undefined, 8000);
      assert.equal(ended.reason, 'PowerLoss');
      const signed = version === '2.0.1' ? signed201(d, 'Ended') : signed16(d);
      assert.deepEqual(
        signed.map((s) => s.context),
        ['Transaction.Begin', 'Transaction.End'],
      );
      const [begin, end] = signed as [SignedValue, SignedValue];
      if (version === '2.0.1') assert.deepEqual([begin.ocmf], startedDocs, 'the same start document as before the cut');
      const key = StationSigner.open(d.agent.config.storage.dir).publicKeyHex;
      for (const s of signed) assert.equal(verifyOcmf(s.ocmf, key), true);
      assert.deepEqual([readingOf(begin.ocmf).energyWh, readingOf(end.ocmf).energyWh], [Math.round(tx.meterStartWh), Math.round(ended.meterStopWh)]);
      await until(() => storedSessions(d).length === 1, 3000, 'the session record');
      assert.deepEqual(storedSessions(d)[0]!.ocmf, { start: begin.ocmf, end: end.ocmf, publicKeyHex: key });
    });

    it('off by default: no signed value reaches the CSMS', async () => {
      const d = await startStation(version);
      assert.equal(d.agent.config.signedMeterValues.source, 'off');
      await chargeAndStop(d);
      await sleep(100);
      const signed = version === '2.0.1' ? [...signed201(d, 'Started'), ...signed201(d, 'Updated'), ...signed201(d, 'Ended')] : signed16(d);
      assert.deepEqual(signed, []);
      await until(() => storedSessions(d).length === 1, 3000, 'the session record');
      assert.equal(storedSessions(d)[0]!.ocmf, undefined);
      assertNoCallErrors(d.csms);
    });
  });
}

describe('integration scenarios, OCPP 2.0.1 only: the signing variables (app note 4.3)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  async function set(d: AnyDriver, component: string, variable: string, value: string): Promise<void> {
    const answer = await d.csms.setVariables(ID, [{ component: { name: component }, variable: { name: variable }, attributeValue: value }]);
    assert.equal(answer.setVariableResult[0]!.attributeStatus, 'Accepted', `${component}.${variable}=${value}`);
  }

  it('SignStartedReadings false: the start is signed in Ended only; SignUpdatedReadings true: the TxUpdatedInterval values are signed (OCMF TX C); PublicKeyWithSignedMeterValue EveryMeterValue: the key with each', async () => {
    const d = await startStation('2.0.1', { config: (doc) => (stationSigned(doc), (doc['meterValues'] = { ...doc['meterValues'], txUpdatedIntervalS: 1 })) });
    await set(d, 'SampledDataCtrlr', 'SignStartedReadings', 'false');
    await set(d, 'SampledDataCtrlr', 'SignUpdatedReadings', 'true');
    await set(d, 'OCPPCommCtrlr', 'PublicKeyWithSignedMeterValue', 'EveryMeterValue');
    const tx = await d.startCharging();
    await until(() => signed201(d, 'Updated').length >= 1, 4000, 'a signed updated value');
    assert.equal((await d.present(CARD.idToken)).outcome, 'stopped');
    await d.waitForEnded();
    assert.deepEqual(signed201(d, 'Started'), []);
    const updated = signed201(d, 'Updated');
    const ended = signed201(d, 'Ended');
    assert.deepEqual(ended.map((s) => s.context), ['Transaction.Begin', 'Transaction.End']);
    const key = StationSigner.open(d.agent.config.storage.dir).publicKeyHex;
    for (const s of [...updated, ...ended]) {
      assert.equal(s.publicKeyHex, key, 'EveryMeterValue');
      assert.equal(verifyOcmf(s.ocmf, key), true);
    }
    for (const s of updated) {
      assert.equal(s.context, 'Sample.Periodic');
      assert.equal(readingOf(s.ocmf).type, 'C');
      assert.equal(Math.round(s.registerWh!), readingOf(s.ocmf).energyWh, 'the signature rides on the value it signs');
      assert.ok(readingOf(s.ocmf).energyWh! >= Math.round(tx.meterStartWh));
    }
    assertNoCallErrors(d.csms);
  });

  it('SignReadings false: nothing signed, though the station could', async () => {
    const d = await startStation('2.0.1', { config: stationSigned });
    await set(d, 'SampledDataCtrlr', 'SignReadings', 'false');
    await chargeAndStop(d);
    assert.deepEqual([...signed201(d, 'Started'), ...signed201(d, 'Updated'), ...signed201(d, 'Ended')], []);
    assertNoCallErrors(d.csms);
  });

  it('FiscalMetering.PublicKey of the EVSE (app note 4.3.2): the station\'s key as oca:base16:asn1, Base64 (3.2.2), for a CSMS that gets the key with Never', async () => {
    const d = await startStation('2.0.1', { config: stationSigned });
    const answer = await d.csms.getVariables(ID, [{ component: { name: 'FiscalMetering', evse: { id: 1 } }, variable: { name: 'PublicKey' } }]);
    const key = StationSigner.open(d.agent.config.storage.dir).publicKeyHex;
    assert.equal(answer.getVariableResult[0]!.attributeStatus, 'Accepted');
    assert.equal(Buffer.from(answer.getVariableResult[0]!.attributeValue!, 'base64').toString('utf8'), `oca:base16:asn1:${key}`);
  });

  it('without a source of signed values the signing variables are ReadOnly false', async () => {
    const d = await startStation('2.0.1');
    const answer = await d.csms.setVariables(ID, [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'SignReadings' }, attributeValue: 'true' }]);
    assert.equal(answer.setVariableResult[0]!.attributeStatus, 'Rejected');
    assert.equal(d.agent.deviceModel!.getBool('SampledDataCtrlr', 'SignReadings'), false);
  });
});
