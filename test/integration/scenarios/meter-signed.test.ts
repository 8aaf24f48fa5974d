import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load-config.js';
import type { SimulatedSigningMeter } from '../../../src/services/signed-metering/simulated-signing-meter.js';
import { parseOcmf, readingsOf, StationSigner, verifyOcmf } from '../../../src/services/signed-metering/index.js';
import { repoRoot } from '../../helpers/cli.js';
import { roadLabsVerifies } from '../../services/signed-metering/independent-verifiers.js';
import { startStation, VERSIONS, type AnyDriver } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, calls, CARD, until } from '../harness.js';

/**
 * Signed meter values from the meter itself (issue 17, signedMeterValues.source "meter"), both
 * versions: the EVSE's meter (the simulated Iskra WM3M4C, which signs on its signedData registers
 * with its own key) signs the transaction's start (TX B) and end (TX E); the CSMS receives them
 * (2.0.1 Ended signedMeterValue, 1.6 StopTransaction transactionData SignedData: OCA application
 * note 4.1 and 3.1.4) and the session record keeps them. The end's message waits for the meter's
 * document at most signedMeterValues.meterWaitS, then goes unsigned (the app note allows 30 s).
 */

interface SignedValue {
  context: string;
  ocmf: string;
  publicKeyHex?: string;
}

interface SignedFields {
  signedMeterData: string;
  publicKey: string;
}

function decode(fields: SignedFields, context: string): SignedValue {
  const key = Buffer.from(fields.publicKey, 'base64').toString('utf8').replace(/^oca:base16:asn1:/, '');
  return { context, ocmf: Buffer.from(fields.signedMeterData, 'base64').toString('utf8'), ...(fields.publicKey === '' ? {} : { publicKeyHex: key }) };
}

/** The signed values of the end's message: 2.0.1 TransactionEvent Ended, 1.6 StopTransaction. */
function signedAtEnd(d: AnyDriver): SignedValue[] {
  type Sampled = { context?: string; format?: string; value: string | number; signedMeterValue?: SignedFields };
  if (d.version === '2.0.1') {
    return calls<{ eventType: string; meterValue?: Array<{ sampledValue: Sampled[] }> }>(d.csms, 'TransactionEvent')
      .filter((e) => e.eventType === 'Ended')
      .flatMap((e) => e.meterValue ?? [])
      .flatMap((mv) => mv.sampledValue)
      .filter((v) => v.signedMeterValue)
      .map((v) => decode(v.signedMeterValue!, v.context ?? ''));
  }
  return calls<{ transactionData?: Array<{ sampledValue: Sampled[] }> }>(d.csms, 'StopTransaction')
    .flatMap((s) => s.transactionData ?? [])
    .flatMap((mv) => mv.sampledValue)
    .filter((v) => v.format === 'SignedData')
    .map((v) => decode(JSON.parse(String(v.value)) as SignedFields, v.context ?? ''));
}

function storedOcmf(d: AnyDriver): Array<{ start?: string; end?: string; publicKeyHex?: string } | undefined> {
  const file = path.join(d.agent.config.storage.dir, 'session-history.json');
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8')) as { sessions: Array<{ ocmf?: { start?: string; end?: string; publicKeyHex?: string } }> }).sessions.map((s) => s.ocmf);
}

const meterSigned =
  (waitS: number) =>
  (doc: Record<string, unknown>): void => {
    doc['meter'] = { ...(doc['meter'] as object), profile: 'iskra-wm3m4c' };
    doc['signedMeterValues'] = { source: 'meter', meterWaitS: waitS };
  };

function simulatedMeter(d: AnyDriver): SimulatedSigningMeter {
  const meter = d.agent.hardware.evses[0]!.meterSignedData?.simulated;
  assert.ok(meter, 'the simulated meter of an Iskra profile signs (hal meterSignedData)');
  return meter;
}

function reading(ocmf: string): { energyWh: number | undefined; type?: string } {
  const all = readingsOf(parseOcmf(ocmf));
  assert.equal(all.length, 1);
  return all[0]!;
}

describe('config/simulator-signed-meter.json', () => {
  it('loads: the Iskra WM3M4C profile (with signedData) on the simulated meter, source meter', () => {
    const { config } = loadConfig(path.join(repoRoot, 'config', 'simulator-signed-meter.json'));
    assert.equal(config.signedMeterValues.source, 'meter');
    assert.equal(config.evses[0]!.meter.driver, 'simulated');
    assert.ok(config.evses[0]!.meter.profile.signedData);
  });
});

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: signed meter values from the meter (issue 17)`, function () {
    this.timeout(20000);
    afterEach(afterEachTest);

    it('the CSMS receives the start and end documents signed by the meter\'s key (not the station\'s), verified by verifyOcmf and @road-labs/ocmf; the record holds them', async () => {
      const d = await startStation(version, { config: meterSigned(10) });
      const meter = simulatedMeter(d);
      const tx = await d.startCharging();
      await until(() => (d.agent.station.transactions()[0]?.energyWh ?? 0) >= 2, 5000, 'energy to flow');
      assert.equal((await d.present(CARD.idToken)).outcome, 'stopped');
      const ended = await d.waitForEnded();
      const signed = signedAtEnd(d);
      assert.deepEqual(signed.map((s) => s.context), ['Transaction.Begin', 'Transaction.End']);
      const key = signed[0]!.publicKeyHex;
      assert.equal(key, meter.publicKeyHex, 'the meter\'s key goes with the first signed value');
      assert.notEqual(key, StationSigner.open(d.agent.config.storage.dir).publicKeyHex);
      for (const s of signed) {
        assert.equal(verifyOcmf(s.ocmf, meter.publicKeyHex), true, `${s.context} verifies (ours)`);
        assert.equal(await roadLabsVerifies(s.ocmf, meter.publicKeyHex), true, `${s.context} verifies (@road-labs/ocmf)`);
        const payload = parseOcmf(s.ocmf).payload;
        assert.equal(payload.GS, d.agent.config.station.identity, 'the gateway the meter signed for');
        assert.match(payload.MS ?? '', /^SIM-1-/, 'the meter\'s serial, added by the meter');
        assert.doesNotMatch(payload.GI ?? '', /station-signed/);
      }
      const [begin, end] = signed.map((s) => reading(s.ocmf));
      assert.deepEqual([begin!.type, end!.type], ['B', 'E']);
      // The meter's own registers: at the start no more than the station's start value plus what flowed by then.
      assert.ok(Math.abs(begin!.energyWh! - tx.meterStartWh) <= 5, `begin ${begin!.energyWh} near ${tx.meterStartWh}`);
      assert.ok(end!.energyWh! > begin!.energyWh!, 'energy between the meter\'s begin and end');
      assert.ok(Math.abs(end!.energyWh! - ended.meterStopWh) <= 5, `end ${end!.energyWh} near ${ended.meterStopWh}`);
      await until(() => storedOcmf(d).length === 1, 3000, 'the session record');
      assert.deepEqual(storedOcmf(d)[0], { start: signed[0]!.ocmf, end: signed[1]!.ocmf, publicKeyHex: meter.publicKeyHex });
      assertNoCallErrors(d.csms);
    });

    it('a meter signing slower than meterWaitS: the transaction\'s end reaches the CSMS on time, its end unsigned', async () => {
      const d = await startStation(version, { config: meterSigned(1) });
      const meter = simulatedMeter(d);
      await d.startCharging();
      await until(() => (d.agent.station.transactions()[0]?.energyWh ?? 0) >= 2, 5000, 'energy to flow');
      meter.signingDelayMs = 6000;
      const stoppedAt = Date.now();
      assert.equal((await d.present(CARD.idToken)).outcome, 'stopped');
      await d.waitForEnded(undefined, 4000);
      const tookMs = Date.now() - stoppedAt;
      assert.ok(tookMs < 3000, `the end came after ${tookMs} ms (bound 1 s)`);
      assert.ok(tookMs >= 900, `it waited for the meter's document first (${tookMs} ms)`);
      assert.deepEqual(signedAtEnd(d).map((s) => s.context), ['Transaction.Begin'], 'the start signed in time, the end not');
      await until(() => storedOcmf(d).length === 1, 3000, 'the session record');
      assert.equal(storedOcmf(d)[0]?.end, undefined);
      assertNoCallErrors(d.csms);
    });
  });
}
