import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BOOT_ID_ENV, LAST_BOOT_ID_FILE, readKernelBootId, recordCleanStop, recordDeviceStart, takeCleanStop, unrequestedBootReason } from '../../src/process/device-start.js';
import { startSecurityEvent } from '../../src/services/security-events/index.js';

describe('device start: power-up or restart, from the kernel boot id', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evse-device-start-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('no boot id remembered: a power-up, and the id is remembered', () => {
    assert.equal(recordDeviceStart(dir, 'boot-a'), 'power-up');
    assert.equal(readFileSync(path.join(dir, LAST_BOOT_ID_FILE), 'utf8').trim(), 'boot-a');
  });

  it('B01 boot reason of a start not asked for over OCPP: PowerUp, LocalReset after a clean stop, ApplicationReset after a crash; the clean-stop note is used once', () => {
    assert.equal(unrequestedBootReason('power-up', true), 'PowerUp');
    assert.equal(unrequestedBootReason('power-up', false), 'PowerUp');
    assert.equal(takeCleanStop(dir), false, 'nothing noted yet');
    recordCleanStop(dir, new Date());
    assert.equal(unrequestedBootReason('restart', takeCleanStop(dir)), 'LocalReset');
    // The note is gone: a crash after that start is a crash.
    assert.equal(unrequestedBootReason('restart', takeCleanStop(dir)), 'ApplicationReset');
  });

  it('the same boot id as the last start: a restart of the agent, as often as it happens', () => {
    recordDeviceStart(dir, 'boot-a');
    assert.equal(recordDeviceStart(dir, 'boot-a'), 'restart');
    assert.equal(recordDeviceStart(dir, 'boot-a'), 'restart');
  });

  it('another boot id: the machine booted again (power-up), and the new id is remembered', () => {
    recordDeviceStart(dir, 'boot-a');
    assert.equal(recordDeviceStart(dir, 'boot-b'), 'power-up');
    assert.equal(recordDeviceStart(dir, 'boot-b'), 'restart');
  });

  it('no kernel boot id (not Linux): a power-up each time, nothing remembered', () => {
    assert.equal(recordDeviceStart(dir, undefined), 'power-up');
    assert.equal(recordDeviceStart(dir, undefined), 'power-up');
    assert.equal(existsSync(path.join(dir, LAST_BOOT_ID_FILE)), false);
  });

  it("reads the kernel boot id from systemd's EVSE_AGENT_BOOT_ID (%b), else from the kernel's file; both spellings the same id; undefined when there is none", () => {
    const file = path.join(dir, 'boot_id');
    writeFileSync(file, 'E6EEACEC-b2ba-429e-9c88-67b925a7307b\n');
    assert.equal(readKernelBootId(file, {}), 'e6eeacecb2ba429e9c8867b925a7307b');
    assert.equal(readKernelBootId(path.join(dir, 'none'), { [BOOT_ID_ENV]: 'e6eeacecb2ba429e9c8867b925a7307b' }), 'e6eeacecb2ba429e9c8867b925a7307b');
    assert.equal(readKernelBootId(file, { [BOOT_ID_ENV]: '' }), 'e6eeacecb2ba429e9c8867b925a7307b', 'an empty variable is no id');
    writeFileSync(file, '');
    assert.equal(readKernelBootId(file, {}), undefined);
    assert.equal(readKernelBootId(path.join(dir, 'none'), {}), undefined);
  });
});

describe('A04 the security event of a start', () => {
  it('a power-up is StartupOfTheDevice; an agent restart on the same boot is ResetOrReboot', () => {
    assert.equal(startSecurityEvent('PowerUp', 'power-up').type, 'StartupOfTheDevice');
    assert.equal(startSecurityEvent('PowerUp', 'restart').type, 'ResetOrReboot');
  });

  it('a restart after a Reset is ResetOrReboot, whatever the boot id says', () => {
    for (const reason of ['RemoteReset', 'ScheduledReset', 'LocalReset'] as const) {
      assert.deepEqual(startSecurityEvent(reason, 'power-up'), { type: 'ResetOrReboot', techInfo: `restarted by a ${reason}` });
      assert.equal(startSecurityEvent(reason, 'restart').type, 'ResetOrReboot');
    }
  });
});
