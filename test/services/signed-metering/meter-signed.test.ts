import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { ModbusBus, type ModbusLink } from '../../../src/hal/drivers/modbus/modbus-bus.js';
import { ModbusSlave } from '../../../src/hal/drivers/simulated/modbus-slave.js';
import { loadMeterProfile, type SignedDataSpec } from '../../../src/hal/meter/profile.js';
import {
  canonicalDerSignature, MeterOcmfSigner, MeterSigningError, modbusSignedDataPort, parseOcmf, readingsOf, verifyOcmf,
} from '../../../src/services/signed-metering/index.js';
import { SimulatedSigningMeter, zeroPaddedSignature } from '../../../src/services/signed-metering/simulated-signing-meter.js';
import { modbusLinks, type LinkUnderTest } from '../../helpers/modbus-links.js';
import { opensslVerifies, roadLabsVerifies } from './independent-verifiers.js';

/**
 * Meter-signed OCMF over Modbus TCP on 127.0.0.1: the station side (MeterOcmfSigner) drives the
 * simulated meter that signs like the Iskra WM3M4C (manual chapter 6.5), on the registers of the
 * shipped iskra-wm3m4c profile, through the real Modbus driver.
 */

const UNIT = 33;
const START = Date.parse('2026-03-01T10:00:00.000Z');

describe('signed metering: a meter that signs OCMF itself (profile signedData, WM3M4C registers)', () => {
  let spec: SignedDataSpec;
  let slave: ModbusSlave | undefined;
  let bus: ModbusBus | undefined;
  let meter: SimulatedSigningMeter;
  let energyWh: number;
  let nowMs: number;

  let link: LinkUnderTest | undefined;

  async function connect(options: { zeroPaddedSignature?: boolean; via?: LinkUnderTest } = {}): Promise<MeterOcmfSigner> {
    const profile = loadMeterProfile('iskra-wm3m4c');
    spec = profile.signedData!;
    meter = new SimulatedSigningMeter({
      unitId: UNIT, spec, serial: '79000123', energyRegister: profile.values.energyImportWh.register,
      energyWh: () => energyWh, now: () => nowMs, zeroPaddedSignature: options.zeroPaddedSignature,
    });
    slave = new ModbusSlave([meter]);
    let modbusLink: ModbusLink;
    if (options.via) {
      link = options.via;
      modbusLink = await options.via.setUp(slave);
    } else {
      modbusLink = { kind: 'tcp', host: '127.0.0.1', port: await slave.listenTcp('127.0.0.1', 0, 'mbap'), framing: 'mbap' };
    }
    const opened = new ModbusBus(modbusLink, { timeoutMs: 2000, interRequestDelayMs: 0 });
    bus = opened;
    return new MeterOcmfSigner(modbusSignedDataPort(opened, UNIT), spec, {
      now: () => new Date(nowMs), timeSynchronized: () => true, sleep: async () => undefined, pollIntervalMs: 10,
    });
  }

  beforeEach(() => {
    energyWh = 1_000_000;
    nowMs = START;
  });

  afterEach(async () => {
    await bus?.close();
    await slave?.close();
    await link?.tearDown();
    bus = undefined;
    slave = undefined;
    link = undefined;
  });

  it('the shipped profile describes the interface: status 15 is OK (manual 6.5.9), dataset at 47100 / 7100 on the wire (6.5.7)', () => {
    const profile = loadMeterProfile('iskra-wm3m4c');
    assert.equal(profile.signedData?.statusOk, 15);
    assert.equal(profile.signedData?.registers.input, 7100);
    assert.equal(profile.signedData?.registers.output, 7612);
    assert.equal(profile.signedData?.registers.command, 7051);
  });

  it('begin and end are signed by the meter; the station reads its key, and both documents verify independently', async () => {
    const signer = await connect();
    const key = await signer.publicKeyHex();
    assert.equal(key, meter.publicKeyHex, 'the key read over Modbus is the meter\'s');
    const input = { gatewayId: 'CS-0042', idToken: { value: '04A1B2C3', type: 'ISO14443' }, authorizedBy: 'Card', chargePoint: { type: 'EVSEID' as const, id: 'DE*ABC*E0042*1' } };
    const begin = await signer.begin(input);
    assert.notEqual(await signer.state(), 0, 'a transaction is open in the meter');
    energyWh = 1_007_250;
    nowMs = START + 3_600_000;
    const end = await signer.end('E');
    assert.equal(await signer.state(), 0);

    const [b, e] = [parseOcmf(begin).payload, parseOcmf(end).payload];
    assert.deepEqual([b.PG, e.PG], ['T1', 'T2'], 'the meter paginates');
    assert.equal(b.MS, '79000123');
    assert.deepEqual([b.GS, b.IT, b.ID, b.IL, b.CT, b.CI], ['CS-0042', 'ISO14443', '04A1B2C3', 'HEARSAY', 'EVSEID', 'DE*ABC*E0042*1'], 'the station\'s billing dataset');
    assert.deepEqual(b.RD.map((r) => [r.TM, r.TX, r.RU]), [['2026-03-01T10:00:00,000+0000 S', 'B', 'kWh']], 'time as the station set it, synchronised');
    assert.deepEqual(e.RD.map((r) => [r.TM, r.TX]), [['2026-03-01T11:00:00,000+0000 S', 'E']]);
    assert.match(begin, /"RV":1000\.000,/);
    assert.deepEqual([...readingsOf(parseOcmf(begin)), ...readingsOf(parseOcmf(end))].map((r) => r.energyWh), [1_000_000, 1_007_250]);
    for (const doc of [begin, end]) {
      assert.equal(verifyOcmf(doc, key), true);
      assert.equal(await roadLabsVerifies(doc, key), true);
      assert.equal(opensslVerifies(doc, key), true);
    }
    const tampered = end.replace('"RV":1007.250', '"RV":1008.250');
    assert.notEqual(tampered, end);
    assert.equal(verifyOcmf(tampered, key), false);
    assert.equal(await roadLabsVerifies(tampered, key), false);
    assert.equal(opensslVerifies(tampered, key), false);
  });

  it('"r" ends with begin and end in one document; an end without a begin is refused with the meter\'s status', async () => {
    const signer = await connect();
    await assert.rejects(signer.end('E'), (err: unknown) => err instanceof MeterSigningError && err.status === 131);
    await signer.begin({ gatewayId: 'CS-0042' });
    energyWh += 5_432;
    const both = await signer.end('r');
    assert.deepEqual(parseOcmf(both).payload.RD.map((r) => r.TX), ['B', 'E']);
    assert.deepEqual(readingsOf(parseOcmf(both)).map((r) => r.energyWh), [1_000_000, 1_005_432]);
    assert.equal(parseOcmf(both).payload.IS, false, 'no token: no user assignment');
    assert.equal(opensslVerifies(both, await signer.publicKeyHex()), true);
  });

  it('a signature with superfluous leading zeros (reported of some firmware) is made canonical DER, and verifies', async () => {
    const signer = await connect({ zeroPaddedSignature: true });
    const doc = await signer.begin({ gatewayId: 'CS-0042' });
    assert.equal(opensslVerifies(doc, await signer.publicKeyHex()), true);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const original = sign('sha256', Buffer.from('payload'), privateKey);
    const padded = zeroPaddedSignature(original);
    assert.notDeepEqual(padded, original);
    assert.deepEqual(canonicalDerSignature(padded), original);
    assert.deepEqual(canonicalDerSignature(original), original, 'a canonical signature stays as it is');
  });

  for (const via of modbusLinks()) {
    it(`over ${via.name}: datasets of more than 120 registers go in several requests, and the document verifies`, async () => {
      const signer = await connect({ via });
      // A long tariff text makes the dataset and the signed output exceed one 120-register transfer.
      const begin = await signer.begin({ gatewayId: 'CS-0042', tariffText: 'T'.repeat(250), idToken: { value: 'DE-ABC-C12345678-X', type: 'eMAID' }, authorizedBy: 'Remote' });
      assert.ok(begin.split('|')[1]!.length > 240, 'output longer than 120 registers');
      assert.equal(parseOcmf(begin).payload.TT, 'T'.repeat(250));
      assert.equal(opensslVerifies(begin, await signer.publicKeyHex()), true);
    });
  }
});
