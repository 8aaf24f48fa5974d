import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Secret } from '../../../src/config/station-config.js';
import { AttemptPlan, NetworkProfiles, type ConnectionCertificates, type NetworkProfilesOptions } from '../../../src/services/network-profiles/index.js';
import { JsonFileStore } from '../../../src/store/json-file-store.js';
import { capturingLogger } from '../../helpers/logging.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { durableUnder } from '../../../src/store/disk-sync.js';

describe('network profiles: the attempt plan (B10)', () => {
  it('B10.FR.03 NetworkProfileConnectionAttempts failures per slot, then the next slot; after the last, the first again', () => {
    const plan = new AttemptPlan(() => [2, 1], () => 2, () => undefined);
    const seen: Array<number | undefined> = [];
    for (let i = 0; i < 6; i++) {
      seen.push(plan.current());
      plan.failed();
    }
    assert.deepEqual(seen, [2, 2, 1, 1, 2, 2]);
  });

  it('B10.FR.07 the slot of the last connection is tried at the end of each round when the priority lacks it', () => {
    const plan = new AttemptPlan(() => [2], () => 1, () => 1);
    const seen: Array<number | undefined> = [];
    for (let i = 0; i < 4; i++) {
      seen.push(plan.current());
      plan.failed();
    }
    assert.deepEqual(seen, [2, 1, 2, 1]);
  });

  it('a connection made stays on its slot; once lost, the next attempt starts at the first slot again', () => {
    const plan = new AttemptPlan(() => [2, 1], () => 1, () => undefined);
    plan.failed();
    assert.equal(plan.current(), 1);
    plan.connected();
    assert.equal(plan.current(), 1);
    plan.restart();
    assert.equal(plan.current(), 2);
  });
});

describe('network profiles: slots, security profile, attempts', () => {
  const PASSWORD = new Secret('station-password-0001');
  let dir: string;
  let priority: number[];
  let certificates: ConnectionCertificates | undefined;
  const lines: string[] = [];
  const make = (config: Partial<NetworkProfilesOptions['config']> = {}): NetworkProfiles =>
    new NetworkProfiles({
      store: new JsonFileStore(dir),
      config: { url: 'ws://csms.example:9000/ocpp', securityProfile: 1, ...config },
      slots: [1, 2, 3],
      priority: () => priority,
      attemptsPerSlot: () => 2,
      password: () => PASSWORD,
      certificates: () => certificates,
      log: capturingLogger(lines),
    });

  beforeEach(() => {
    dir = makeTempDir('network-profiles');
    priority = [1];
    certificates = undefined;
    lines.length = 0;
  });

  it('slot 1 is the config connection; each attempt gets its URL, profile and the live password', () => {
    const network = make();
    assert.deepEqual(network.connectionOptions(), {
      url: 'ws://csms.example:9000/ocpp',
      securityProfile: 1,
      password: PASSWORD,
      caFile: undefined,
      clientCertificateFile: undefined,
      clientKeyFile: undefined,
    });
    assert.equal(network.activeSlot, 1);
    assert.equal(network.securityProfile, 1);
  });

  it('B09.FR.05 an unknown slot and B09.FR.04 a lower security profile are refused; a stored one survives a restart, without secrets in the file', async () => {
    const network = make();
    assert.match(network.setProfile({ slot: 7, url: 'ws://other:1/ocpp', securityProfile: 1 }) ?? '', /no configuration slot 7/);
    assert.match(network.setProfile({ slot: 2, url: 'ws://other:1/ocpp', securityProfile: 0 }) ?? '', /lower/);
    assert.match(network.setProfile({ slot: 2, url: 'ws://other:1/ocpp', securityProfile: 2 }) ?? '', /does not go with ws:/);
    assert.equal(network.setProfile({ slot: 2, url: 'ws://other:1/ocpp', securityProfile: 1, messageTimeoutS: 30 }), undefined);
    await durableUnder(dir);
    assert.deepEqual(make().profile(2), { slot: 2, url: 'ws://other:1/ocpp', securityProfile: 1, messageTimeoutS: 30 });
    assert.doesNotMatch(readFileSync(path.join(dir, 'network-profiles.json'), 'utf8'), /station-password/);
  });

  it('B10.FR.03 falls back to the next slot after the attempts; the connection made there is remembered; A05.FR.06 a higher profile raises the station and removes the lower slots', async () => {
    certificates = { caFile: () => '/ca.pem', stationCertificateFiles: () => undefined };
    const network = make();
    assert.equal(network.setProfile({ slot: 2, url: 'wss://new.example/ocpp', securityProfile: 2 }), undefined);
    priority = [2, 1];
    assert.equal(network.connectionOptions().url, 'wss://new.example/ocpp');
    network.attemptFailed();
    assert.equal(network.connectionOptions().url, 'wss://new.example/ocpp');
    network.attemptFailed();
    assert.equal(network.connectionOptions().url, 'ws://csms.example:9000/ocpp');
    assert.equal(network.activeSlot, 1);
    assert.deepEqual(network.connected(), { removedSlots: [] });
    // Lost: back to the first slot, which now answers.
    network.connectionLost();
    assert.equal(network.connectionOptions().url, 'wss://new.example/ocpp');
    assert.equal(network.connectionOptions().caFile, '/ca.pem');
    assert.deepEqual(network.connected(), { raisedTo: 2, removedSlots: [1] });
    await durableUnder(dir);
    const after = make();
    assert.equal(after.securityProfile, 2);
    assert.match(after.slotProblem(1) ?? '', /lower/);
    assert.equal(after.slotProblem(2), undefined);
  });

  it('A05.FR.02/03 a higher profile needs a CSMS root, profile 3 a station certificate', () => {
    const network = make();
    assert.equal(network.setProfile({ slot: 2, url: 'wss://new.example/ocpp', securityProfile: 3 }), undefined);
    assert.match(network.slotProblem(2) ?? '', /CSMS root/);
    certificates = { caFile: () => '/ca.pem', stationCertificateFiles: () => undefined };
    assert.match(network.slotProblem(2) ?? '', /charging station certificate/);
    certificates = { caFile: () => '/ca.pem', stationCertificateFiles: () => ({ certFile: '/s.pem', keyFile: '/s.key' }) };
    assert.equal(network.slotProblem(2), undefined);
    assert.match(network.slotProblem(3) ?? '', /no network connection profile/);
  });

  it('1.6 A05: an upgrade goes to wss:// on the same host, falls back after the failed attempts (A05.FR.08), and is kept once connected', async () => {
    const network = make();
    assert.match(network.requestUpgrade(1) ?? '', /A05\.FR\.01/);
    assert.match(network.requestUpgrade(2) ?? '', /CSMS root/);
    certificates = { caFile: () => '/ca.pem', stationCertificateFiles: () => undefined };
    assert.equal(network.requestUpgrade(2), undefined);
    assert.deepEqual([network.connectionOptions().url, network.connectionOptions().securityProfile], ['wss://csms.example:9000/ocpp', 2]);
    network.attemptFailed();
    network.attemptFailed();
    assert.deepEqual([network.connectionOptions().url, network.connectionOptions().securityProfile], ['ws://csms.example:9000/ocpp', 1]);
    assert.equal(network.securityProfile, 1);
    assert.equal(network.requestUpgrade(2), undefined);
    assert.deepEqual(network.connected(), { raisedTo: 2, removedSlots: [] });
    await durableUnder(dir);
    const after = make();
    assert.equal(after.securityProfile, 2);
    assert.equal(after.connectionOptions().url, 'wss://csms.example:9000/ocpp');
  });

  it('the installer changing the config connection drops what the CSMS set', async () => {
    const network = make();
    network.setProfile({ slot: 2, url: 'ws://other:1/ocpp', securityProfile: 1 });
    await durableUnder(dir);
    assert.ok(make().profile(2));
    assert.equal(make({ url: 'ws://moved.example/ocpp' }).profile(2), undefined);
    assert.ok(lines.some((l) => /stored profiles dropped/.test(l)));
  });
});
