import assert from 'node:assert/strict';
import { loadMeterProfile } from '../../../src/hal/meter/profile.js';
import { MeterOcmfSigner, parseOcmf, readingsOf, verifyOcmf } from '../../../src/services/signed-metering/index.js';
import { meterReadingSigner } from '../../../src/services/signed-metering/meter-reading-signer.js';
import { SimulatedSigningMeter } from '../../../src/services/signed-metering/simulated-signing-meter.js';
import type { SignedReading, SigningRequest } from '../../../src/services/transactions/signed-readings.js';
import type { TransactionSnapshot } from '../../../src/station/events.js';

/**
 * meterReadingSigner (issue 17, signedMeterValues.source "meter"): the EVSE's meter signs its own
 * readings: B opens its transaction with the billing dataset (the token, GS the station), E closes
 * it; an end asked while the start is still being signed follows it; a transaction the meter still
 * has open from before is aborted (TX A) so that B is accepted. Simulated WM3M4C in-process.
 */

const START = Date.parse('2026-03-01T10:00:00.000Z');

describe('meterReadingSigner: the meter signs the transaction\'s start and end', () => {
  /** The meter's register at each command it signs, in turn (the last one stays). */
  let registerWh: number[];
  let meter: SimulatedSigningMeter;
  let signer: MeterOcmfSigner;

  beforeEach(() => {
    registerWh = [2_000_000, 2_000_500];
    const profile = loadMeterProfile('iskra-wm3m4c');
    const spec = profile.signedData!;
    meter = new SimulatedSigningMeter({ unitId: 1, spec, serial: '79000999', energyRegister: profile.values.energyImportWh.register, energyWh: () => (registerWh.length > 1 ? registerWh.shift()! : registerWh[0]!), now: () => START });
    const port = { readHolding: async (s: number, c: number) => meter.readRegisters(3, s, c), writeHolding: async (s: number, v: number[]) => meter.writeRegisters(16, s, v) };
    signer = new MeterOcmfSigner(port, spec, { now: () => new Date(START), sleep: async () => undefined, pollIntervalMs: 10 });
  });

  const transaction: TransactionSnapshot = {
    id: 't1', evseId: 1, startedAt: new Date(START), meterStartWh: 0, chargingState: 'Charging', energyWh: 0,
    idToken: { idToken: '04A1B2C3', type: 'ISO14443' },
  };
  const request = (type: 'B' | 'E', stationWh: number): SigningRequest => ({ transaction, evseId: 1, type, reading: { energyImportWh: stationWh, timestamp: new Date(START) } });

  it('B then E asked at once: signed in order by the meter\'s key, its own readings, the token and gateway in the dataset', async () => {
    const signing = meterReadingSigner({ meterOf: (evseId) => (evseId === 1 ? signer : undefined), gatewayId: 'CS-1', gatewayVersion: '9.9' });
    const begin = signing.sign(request('B', 1)) as Promise<SignedReading>;
    const end = signing.sign(request('E', 2)) as Promise<SignedReading>;
    const [b, e] = await Promise.all([begin, end]);
    for (const doc of [b, e]) {
      assert.equal(doc.publicKeyHex, meter.publicKeyHex);
      assert.equal(verifyOcmf(doc.ocmf, meter.publicKeyHex), true);
      const payload = parseOcmf(doc.ocmf).payload;
      assert.equal(payload.GS, 'CS-1');
      assert.equal(payload.MS, '79000999');
    }
    assert.equal(parseOcmf(b.ocmf).payload.ID, '04A1B2C3');
    assert.deepEqual([readingsOf(parseOcmf(b.ocmf))[0]!.type, b.energyWh], ['B', 2_000_000], 'the meter\'s register, not the station\'s 1 Wh');
    assert.deepEqual([readingsOf(parseOcmf(e.ocmf))[0]!.type, e.energyWh], ['E', 2_000_500]);
    assert.equal(await signer.state(), 0, 'the meter\'s transaction is closed');
  });

  it('a transaction left open in the meter is aborted first, so that the new start is signed', async () => {
    await signer.begin({ gatewayId: 'CS-1' });
    assert.notEqual(await signer.state(), 0);
    const signing = meterReadingSigner({ meterOf: () => signer, gatewayId: 'CS-1' });
    const b = await signing.sign(request('B', 1));
    assert.equal(readingsOf(parseOcmf(b!.ocmf))[0]!.type, 'B');
  });

  it('an EVSE whose meter does not sign: nothing to wait for', () => {
    const signing = meterReadingSigner({ meterOf: () => undefined, gatewayId: 'CS-1' });
    assert.equal(signing.sign(request('B', 1)), undefined);
  });
});
