import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import type { EvseConfig } from '../../src/config/station-config.js';
import { ModbusBusRegistry } from '../../src/hal/drivers/modbus/modbus-bus.js';
import { ModbusSlave } from '../../src/hal/drivers/simulated/modbus-slave.js';
import { meterSignedDataOf } from '../../src/hal/meter-signed-data.js';
import { MeterOcmfSigner, parseOcmf, readingsOf, verifyOcmf } from '../../src/services/signed-metering/index.js';
import { SimulatedSigningMeter } from '../../src/services/signed-metering/simulated-signing-meter.js';
import { repoRoot } from '../helpers/cli.js';

/**
 * The hardware layer's side of meter-signed OCMF (issue 17): an EVSE meter whose profile has
 * signedData exposes its holding registers (EvseHardware.meterSignedData), on the meter's own Modbus
 * bus (here Modbus TCP on 127.0.0.1, served by a simulated WM3M4C), and MeterOcmfSigner signs through them.
 */

describe('hal: meterSignedDataOf (the meter\'s signedData registers)', () => {
  const loaded = loadConfig(path.join(repoRoot, 'config', 'simulator-signed-meter.json')).config;
  let slave: ModbusSlave | undefined;
  let buses: ModbusBusRegistry | undefined;

  afterEach(async () => {
    await buses?.closeAll();
    await slave?.close();
  });

  it('a Modbus meter: the registers on its bus; the meter signs a begin that verifies with its key', async () => {
    const evse = loaded.evses[0]!;
    const spec = evse.meter.profile.signedData!;
    const meter = new SimulatedSigningMeter({ unitId: 7, spec, serial: '79001111', energyRegister: evse.meter.profile.values.energyImportWh.register, energyWh: () => 123_456 });
    slave = new ModbusSlave([meter]);
    const port = await slave.listenTcp('127.0.0.1', 0, 'mbap');
    const onBus: EvseConfig = { ...evse, meter: { ...evse.meter, driver: 'modbus-tcp', unitId: 7, link: { kind: 'tcp', host: '127.0.0.1', port, framing: 'mbap' } } as EvseConfig['meter'] };
    buses = new ModbusBusRegistry();
    const data = meterSignedDataOf(onBus, buses, undefined);
    assert.ok(data);
    assert.equal(data.simulated, undefined);
    const signer = new MeterOcmfSigner(data, data.spec, { pollIntervalMs: 10 });
    assert.equal(await signer.publicKeyHex(), meter.publicKeyHex);
    const begin = await signer.begin({ gatewayId: 'CS-1' });
    assert.equal(verifyOcmf(begin, meter.publicKeyHex), true);
    assert.deepEqual(readingsOf(parseOcmf(begin)).map((r) => [r.type, r.energyWh]), [['B', 123_456]]);
  });

  it('a profile without signedData: none', () => {
    const evse = loaded.evses[0]!;
    const plain: EvseConfig = { ...evse, meter: { ...evse.meter, profile: { ...evse.meter.profile, signedData: undefined } } };
    assert.equal(meterSignedDataOf(plain, new ModbusBusRegistry(), undefined), undefined);
  });
});
