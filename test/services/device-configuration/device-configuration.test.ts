import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load-config.js';
import type { StationConfig } from '../../../src/config/station-config.js';
import type { StationHardware } from '../../../src/hal/station-hardware.js';
import type { ProtocolAdapter } from '../../../src/ocpp/protocol-adapter.js';
import { silentLogger } from '../../../src/process/logger.js';
import { LocalAuthorizationList } from '../../../src/services/authorization/index.js';
import { v16DeviceConfiguration, v201DeviceConfiguration, type DeviceConfiguration } from '../../../src/services/device-configuration/index.js';
import type { StateStore } from '../../../src/station/ports.js';
import { repoRoot } from '../../helpers/cli.js';
import { durableUnder } from '../../../src/store/disk-sync.js';

/**
 * The device configuration: the settings the core and the services read, the same shape for both
 * versions, read from the version's store at each use (a change the CSMS made is in effect at once)
 * and kept by it across a restart.
 */

class MemoryStore implements StateStore {
  readonly docs = new Map<string, unknown>();
  read<T>(name: string): T | undefined {
    return this.docs.get(name) as T | undefined;
  }
  write(name: string, value: unknown): void {
    this.docs.set(name, value);
  }
}

function configIn(file: string, dir: string): StationConfig {
  const { config } = loadConfig(path.join(repoRoot, 'config', file));
  return { ...config, storage: { ...config.storage, dir } };
}

function v201(config: StationConfig): DeviceConfiguration {
  return v201DeviceConfiguration(config, '1.2.3', silentLogger, {
    station: () => undefined,
    // Only the live variables read these, and these tests read none of them.
    hardware: { evses: [] } as unknown as StationHardware,
    localList: new LocalAuthorizationList(new MemoryStore()),
    adapter: (): ProtocolAdapter => {
      throw new Error('no adapter in this test');
    },
  });
}

describe('device configuration (services/device-configuration)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evse-device-configuration-'));
  });
  // What is written behind is in place before the folder goes (issue 18).
  afterEach(async () => {
    await durableUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('OCPP 1.6: the configuration keys as the view', () => {
    it('maps the keys to the core charging rules: PowerPathClosed start, EV-side disconnect stops, ConnectionTimeOut, invalid-id rules, the config for the rest', () => {
      const config = configIn('simulator-ocpp16.json', dir);
      const settings = v16DeviceConfiguration(config, silentLogger);
      assert.ok(settings.configuration);
      assert.equal(settings.deviceModel, undefined);
      const charging = settings.charging();
      assert.deepEqual(charging.txStartPoints, ['PowerPathClosed']);
      assert.deepEqual(charging.txStopPoints, ['EVConnected', 'Authorized'], 'StopTransactionOnEVSideDisconnect is true');
      assert.equal(charging.evConnectionTimeoutS, config.charging.evConnectionTimeoutS);
      assert.equal(charging.stopTxOnInvalidId, settings.configuration.getBool('StopTransactionOnInvalidId'));
      assert.equal(charging.maxEnergyOnInvalidIdWh, 0);
      assert.equal(charging.evIdleCurrentA, config.charging.evIdleCurrentA);
      assert.equal(charging.onMeterFailure, config.charging.onMeterFailure);
    });

    it('a ChangeConfiguration is in effect at the next read, and kept across a restart', async () => {
      const config = configIn('simulator-ocpp16.json', dir);
      const settings = v16DeviceConfiguration(config, silentLogger);
      assert.equal(settings.localAuthorization().localPreAuthorize, false);
      assert.deepEqual(await settings.configuration!.changeConfiguration({ key: 'ConnectionTimeOut', value: '42' }), { status: 'Accepted' });
      assert.deepEqual(await settings.configuration!.changeConfiguration({ key: 'LocalPreAuthorize', value: 'true' }), { status: 'Accepted' });
      assert.deepEqual(await settings.configuration!.changeConfiguration({ key: 'MessageTimeout', value: '7' }), { status: 'Accepted' });
      assert.equal(settings.charging().evConnectionTimeoutS, 42);
      assert.equal(settings.localAuthorization().localPreAuthorize, true);
      assert.equal(settings.callTimeoutMs(), 7000);
      const again = v16DeviceConfiguration(config, silentLogger);
      assert.equal(again.charging().evConnectionTimeoutS, 42);
      assert.equal(again.localAuthorization().localPreAuthorize, true);
    });

    it('what 1.6 has no key for comes from the config: the back-off, a cache lifetime of a day', () => {
      const config = configIn('simulator-ocpp16.json', dir);
      const settings = v16DeviceConfiguration(config, silentLogger);
      assert.deepEqual(settings.backoff(), config.ocpp.reconnect);
      assert.equal(settings.cacheLifetimeS(), 86400);
      assert.equal(settings.pingIntervalS(), settings.configuration!.getInt('WebSocketPingInterval'));
    });
  });

  describe('OCPP 2.0.1: the device model as the view', () => {
    it('maps TxCtrlr to the core charging rules, and the config for the rest', () => {
      const config = configIn('simulator.json', dir);
      const settings = v201(config);
      assert.ok(settings.deviceModel);
      assert.equal(settings.configuration, undefined);
      const charging = settings.charging();
      assert.deepEqual(charging.txStartPoints, config.charging.txStartPoints);
      assert.deepEqual(charging.txStopPoints, config.charging.txStopPoints);
      assert.equal(charging.evConnectionTimeoutS, config.charging.evConnectionTimeoutS);
      assert.equal(charging.stopTxOnInvalidId, config.charging.stopTxOnInvalidId);
      assert.equal(charging.maxEnergyOnInvalidIdWh, 0);
      assert.equal(charging.evIdleAfterS, config.charging.evIdleAfterS);
    });

    it('a SetVariables is in effect at the next read, and kept across a restart', async () => {
      const config = configIn('simulator.json', dir);
      const settings = v201(config);
      const dm = settings.deviceModel!;
      assert.equal((await dm.set('TxCtrlr', 'TxStopPoint', 'Authorized')).status, 'Accepted');
      assert.equal((await dm.set('AuthCtrlr', 'LocalPreAuthorize', 'true')).status, 'Accepted');
      assert.equal((await dm.set('AuthCacheCtrlr', 'LifeTime', '600')).status, 'Accepted');
      assert.deepEqual(settings.charging().txStopPoints, ['Authorized']);
      assert.equal(settings.localAuthorization().localPreAuthorize, true);
      assert.equal(settings.cacheLifetimeS(), 600);
      const again = v201(config);
      assert.deepEqual(again.charging().txStopPoints, ['Authorized']);
      assert.equal(again.localAuthorization().localPreAuthorize, true);
      assert.equal(again.cacheLifetimeS(), 600);
    });

    it('the connection settings start from the config: back-off, ping interval, MessageTimeout', () => {
      const config = configIn('simulator.json', dir);
      const settings = v201(config);
      assert.deepEqual(settings.backoff(), config.ocpp.reconnect);
      assert.equal(settings.pingIntervalS(), config.ocpp.webSocketPingIntervalS);
      assert.equal(settings.callTimeoutMs(), config.ocpp.messageTimeoutS * 1000);
    });
  });
});
