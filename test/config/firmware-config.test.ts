import assert from 'node:assert/strict';
import { resolveConfig, ConfigError } from '../../src/config/load-config.js';
import { simulatorDoc } from '../helpers/cli.js';

/** The "firmware" section (issue 15): unsigned updates off by default, the launcher's settings bounded. */
describe('config: firmware', () => {
  const withFirmware = (firmware?: Record<string, unknown>): Record<string, unknown> => {
    const doc = simulatorDoc();
    doc['storage'] = { dir: '/tmp/evse-firmware-config-test' };
    if (firmware !== undefined) doc['firmware'] = firmware;
    return doc;
  };

  it('defaults: only signed updates (L02 / 1.6 UpdateFirmware off), 3 releases kept, back after 3 failed starts or 600 s', () => {
    const { config } = resolveConfig(withFirmware(), '/tmp/config.json');
    assert.deepEqual(config.firmware, { allowUnsigned: false, keepReleases: 3, maxFailedStarts: 3, confirmTimeoutS: 600 });
  });

  it('takes allowUnsigned and the launcher settings as given', () => {
    const { config } = resolveConfig(withFirmware({ allowUnsigned: true, keepReleases: 5, maxFailedStarts: 2, confirmTimeoutS: 120 }), '/tmp/config.json');
    assert.deepEqual(config.firmware, { allowUnsigned: true, keepReleases: 5, maxFailedStarts: 2, confirmTimeoutS: 120 });
  });

  it('names each wrong key: a string for allowUnsigned, one release kept, an unknown key', () => {
    assert.throws(
      () => resolveConfig(withFirmware({ allowUnsigned: 'yes', keepReleases: 1, rollback: true }), '/tmp/config.json'),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const paths = err.problems.map((p) => p.path).sort();
        assert.ok(paths.includes('/firmware/allowUnsigned'), paths.join(' '));
        assert.ok(paths.includes('/firmware/keepReleases'), paths.join(' '));
        assert.ok(paths.some((p) => p.startsWith('/firmware')) && err.message.includes('rollback'), err.message);
        return true;
      },
    );
  });
});
