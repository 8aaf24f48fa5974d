import assert from 'node:assert/strict';
import { FrameRing, maskFrame } from '../../../src/services/diagnostics/frame-ring.js';

/** The frame ring: bounded each way, in order, and no secret kept. */

const PASSWORD = 'S3cret-Basic-Auth-Pw';
const KEY_HEX = '0123456789abcdef0123456789abcdef';

describe('diagnostics frame ring', () => {
  it('keeps the last N frames each way, in the order they passed', () => {
    let t = Date.UTC(2026, 11, 2, 10, 0, 0);
    const ring = new FrameRing({ capacity: 3, now: () => new Date((t += 1000)) });
    for (let i = 0; i < 10; i++) ring.record('out', JSON.stringify([2, `o${i}`, 'Heartbeat', {}]));
    ring.record('in', JSON.stringify([3, 'o9', { currentTime: '2026-12-02T10:00:00Z' }]));
    const frames = ring.frames();
    assert.equal(frames.filter((f) => f.direction === 'out').length, 3);
    assert.deepEqual(
      frames.map((f) => (JSON.parse(f.text) as unknown[])[1]),
      ['o7', 'o8', 'o9', 'o9'],
    );
    assert.equal(frames[3]?.direction, 'in');
    assert.ok(frames.every((f, i) => i === 0 || Date.parse(f.time) > Date.parse(frames[i - 1]?.time ?? '')));
  });

  it('masks BasicAuthPassword in SetVariables and GetVariables (2.0.1)', () => {
    const set = maskFrame(
      JSON.stringify([2, 'a', 'SetVariables', { setVariableData: [
        { attributeValue: PASSWORD, component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } },
        { attributeValue: '300', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
      ] }]),
    );
    assert.ok(!set.includes(PASSWORD));
    assert.ok(set.includes('"300"'), 'other values stay');
    const got = maskFrame(JSON.stringify([3, 'b', { getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: PASSWORD, component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } }] }]));
    assert.ok(!got.includes(PASSWORD));
  });

  it('masks AuthorizationKey in ChangeConfiguration and GetConfiguration (1.6) but keeps the key names', () => {
    const change = maskFrame(JSON.stringify([2, 'c', 'ChangeConfiguration', { key: 'AuthorizationKey', value: KEY_HEX }]));
    assert.ok(!change.includes(KEY_HEX));
    assert.ok(change.includes('AuthorizationKey'));
    const get = maskFrame(JSON.stringify([3, 'd', { configurationKey: [{ key: 'AuthorizationKey', readonly: false, value: KEY_HEX }, { key: 'HeartbeatInterval', readonly: false, value: '60' }] }]));
    assert.ok(!get.includes(KEY_HEX));
    assert.ok(get.includes('"60"'));
  });

  it('masks URL credentials, private keys, and VPN and APN secrets', () => {
    const getLog = maskFrame(JSON.stringify([2, 'e', 'GetLog', { logType: 'DiagnosticsLog', requestId: 1, log: { remoteLocation: 'ftp://tech:ftp-pw-42@logs.example.com/in/' } }]));
    assert.ok(!getLog.includes('ftp-pw-42') && !getLog.includes('tech:'));
    assert.ok(getLog.includes('logs.example.com/in/'));
    const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBprivatebits\n-----END EC PRIVATE KEY-----';
    const install = maskFrame(JSON.stringify([2, 'f', 'DataTransfer', { vendorId: 'x', data: `cert and ${pem}` }]));
    assert.ok(!install.includes('MHcCAQEEIBprivatebits'));
    const profile = maskFrame(JSON.stringify([2, 'g', 'SetNetworkProfile', { configurationSlot: 1, connectionData: {
      ocppCsmsUrl: 'wss://csms.example.com/ocpp', vpn: { server: 'vpn.example.com', user: 'u', password: 'vpn-pw-7', key: 'vpn-psk-9', type: 'IPSec' },
      apn: { apn: 'internet', apnPassword: 'apn-pw-3', simPin: 1234, apnAuthentication: 'AUTO' } } }]));
    for (const secret of ['vpn-pw-7', 'vpn-psk-9', 'apn-pw-3', '1234']) assert.ok(!profile.includes(secret), secret);
    assert.ok(profile.includes('vpn.example.com'));
    // N01.FR.17: a password may hold an unencoded @.
    const at = maskFrame(JSON.stringify([2, 'e2', 'GetLog', { log: { remoteLocation: 'ftp://tech:p@ss-word@logs.example.com/in/' } }]));
    assert.ok(!at.includes('ss-word') && at.includes('ftp://***@logs.example.com/in/'), at);
    // A frame that is not JSON still loses its URL credentials.
    assert.ok(!maskFrame('[2,"h","GetLog",{"x":"https://a:b-pw@h/"').includes('b-pw'));
  });

  it('bounds a frame\'s size', () => {
    const ring = new FrameRing({ maxFrameChars: 100 });
    ring.record('in', JSON.stringify([2, 'i', 'SendLocalList', { data: 'x'.repeat(10_000) }]));
    assert.ok((ring.frames()[0]?.text.length ?? 0) < 150);
  });
});
