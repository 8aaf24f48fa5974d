import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { Secret } from '../../src/config/station-config.js';
import { classifyConnectionError, HandshakeRejected, InsecureCipherSuite, type ConnectionFailure } from '../../src/ocpp/transport/connection-failure.js';
import { openOcppWebSocket, type OcppWebSocketOptions } from '../../src/ocpp/transport/ocpp-websocket.js';
import { ConnectionFailureStreak, connectionSecurityEvent, type SecurityEvent } from '../../src/services/security-events/index.js';
import { silentLogger } from '../../src/process/logger.js';

/**
 * A00.FR.310/.413 InvalidCsmsCertificate, A00.FR.316/.419 InvalidTLSVersion, FailedToAuthenticationAtCsms
 * (appendix): the transport's classification of a failed attempt, on made-up errors and on the
 * errors Node really gives against TLS and HTTP servers on loopback.
 */

const tlsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tls');
const pem = (name: string): Buffer => readFileSync(path.join(tlsDir, name));
const withCode = (code: string): Error => Object.assign(new Error(code), { code });

describe('connection failures: classification (A00.FR.310/.413/.316/.419)', () => {
  it('A00.FR.310/.413 certificate verification codes are csms-certificate', () => {
    for (const code of [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'CERT_HAS_EXPIRED',
      'CERT_NOT_YET_VALID',
      'CERT_REVOKED',
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ]) {
      assert.deepEqual(classifyConnectionError(withCode(code)), { kind: 'csms-certificate', code }, code);
    }
  });

  it('A00.FR.316/.419 the server refusing TLS 1.2 and 1.3 is tls-version; a peer not speaking TLS is not', () => {
    assert.equal(classifyConnectionError(withCode('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION')).kind, 'tls-version');
    assert.equal(classifyConnectionError(withCode('ERR_SSL_UNSUPPORTED_PROTOCOL')).kind, 'tls-version');
    const eproto = (message: string): Error => Object.assign(new Error(message), { code: 'EPROTO' });
    assert.equal(classifyConnectionError(eproto('write EPROTO 80CC:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:rec_layer_s3.c:1601:SSL alert number 70')).kind, 'tls-version');
    assert.equal(classifyConnectionError(eproto('write EPROTO 80CC:error:0A000102:SSL routines:ssl_choose_client_version:unsupported protocol:statem_lib.c:1953:')).kind, 'tls-version');
    assert.equal(classifyConnectionError(eproto('write EPROTO 80CC:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:ssl3_record.c:354:')).kind, 'other');
    assert.equal(classifyConnectionError(withCode('ERR_SSL_WRONG_VERSION_NUMBER')).kind, 'other');
  });

  it('A00.FR.323/.426 InsecureCipherSuite (the probe found an unoffered suite) is tls-cipher; a bare handshake failure is other; InvalidTLSCipherSuite raised', () => {
    const insecure = new InsecureCipherSuite('ECDHE-ECDSA-AES128-SHA');
    assert.deepEqual(classifyConnectionError(insecure), { kind: 'tls-cipher', code: 'INSECURE_CIPHER_SUITE' });
    assert.equal(classifyConnectionError(withCode('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE')).kind, 'other');
    const event = connectionSecurityEvent({ kind: 'tls-cipher', code: 'INSECURE_CIPHER_SUITE', host: 'csms:443', message: insecure.message, at: new Date(0) });
    assert.equal(event?.type, 'InvalidTLSCipherSuite');
  });

  it('HTTP 401 to the upgrade is authentication; other statuses, network errors and plain errors are other', () => {
    assert.deepEqual(classifyConnectionError(new HandshakeRejected(401)), { kind: 'authentication', code: 'HTTP 401' });
    assert.deepEqual(classifyConnectionError(new HandshakeRejected(404)), { kind: 'other', code: 'HTTP 404' });
    assert.deepEqual(classifyConnectionError(withCode('ECONNREFUSED')), { kind: 'other', code: 'ECONNREFUSED' });
    // A generic handshake_failure alert does not tell a cipher suite mismatch from other causes.
    assert.equal(classifyConnectionError(withCode('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE')).kind, 'other');
    assert.deepEqual(classifyConnectionError(new Error('x')), { kind: 'other' });
    assert.deepEqual(classifyConnectionError('not an error'), { kind: 'other' });
    assert.deepEqual(classifyConnectionError({ code: 42 }), { kind: 'other' });
  });
});

describe('connection failures: 2.0.1 security events, once per failure streak', () => {
  const failure = (kind: ConnectionFailure['kind'], code?: string): ConnectionFailure => ({ kind, ...(code ? { code } : {}), host: 'csms.example:443', message: 'm', at: new Date() });

  it('A00.FR.310 InvalidCsmsCertificate, A00.FR.316 InvalidTLSVersion, FailedToAuthenticationAtCsms, with the code and host as techInfo; nothing for other', () => {
    assert.deepEqual(connectionSecurityEvent(failure('csms-certificate', 'CERT_HAS_EXPIRED')), {
      type: 'InvalidCsmsCertificate',
      techInfo: 'CERT_HAS_EXPIRED connecting to csms.example:443: m',
    });
    assert.equal(connectionSecurityEvent(failure('tls-version', 'ERR_SSL_UNSUPPORTED_PROTOCOL'))?.type, 'InvalidTLSVersion');
    assert.equal(connectionSecurityEvent(failure('authentication', 'HTTP 401'))?.type, 'FailedToAuthenticationAtCsms');
    assert.equal(connectionSecurityEvent(failure('other', 'ECONNREFUSED')), undefined);
  });

  it('A00.FR.316 note: each event once for repeated failed attempts, again after a connection was made', () => {
    const raised: SecurityEvent[] = [];
    const streak = new ConnectionFailureStreak((e) => raised.push(e));
    for (let i = 0; i < 3; i += 1) streak.failed(failure('csms-certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'));
    streak.failed(failure('other', 'ECONNREFUSED'));
    streak.failed(failure('authentication', 'HTTP 401'));
    streak.failed(failure('authentication', 'HTTP 401'));
    assert.deepEqual(
      raised.map((e) => e.type),
      ['InvalidCsmsCertificate', 'FailedToAuthenticationAtCsms'],
    );
    streak.connected();
    streak.failed(failure('csms-certificate', 'CERT_HAS_EXPIRED'));
    assert.deepEqual(
      raised.map((e) => e.type),
      ['InvalidCsmsCertificate', 'FailedToAuthenticationAtCsms', 'InvalidCsmsCertificate'],
    );
  });
});

describe('connection failures: what Node really reports (loopback servers)', () => {
  const servers: Array<tls.Server | http.Server> = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      if (s instanceof http.Server) s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  async function listen(server: tls.Server | http.Server, host = '127.0.0.1'): Promise<number> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return (server.address() as AddressInfo).port;
  }

  function tlsServer(options: tls.TlsOptions, host?: string): Promise<number> {
    const server = tls.createServer(options, (socket) => socket.destroy());
    server.on('tlsClientError', () => undefined);
    return listen(server, host);
  }

  async function attempt(options: Partial<OcppWebSocketOptions> & { url: string }): Promise<ReturnType<typeof classifyConnectionError>> {
    const socket = await openOcppWebSocket(
      { identity: 'CS001', version: '2.0.1', securityProfile: 2, password: new Secret('a-long-enough-password'), caFile: path.join(tlsDir, 'ca.pem'), ...options },
      silentLogger,
    ).then(
      (s) => s,
      (err: unknown) => err,
    );
    assert.ok(socket instanceof Error, 'the attempt failed');
    return classifyConnectionError(socket);
  }

  it('A00.FR.310 a CSMS certificate from a CA the station does not trust: csms-certificate', async () => {
    const port = await tlsServer({ cert: pem('other-server.pem'), key: pem('other-server.key') });
    assert.deepEqual(await attempt({ url: `wss://127.0.0.1:${port}/ocpp` }), { kind: 'csms-certificate', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('A00.FR.310 a certificate for another host name: csms-certificate (ERR_TLS_CERT_ALTNAME_INVALID)', async () => {
    // The certificate names 127.0.0.1 and localhost; 127.0.0.2 is loopback too on Linux.
    const port = await tlsServer({ cert: pem('server.pem'), key: pem('server.key') }, '127.0.0.2');
    assert.deepEqual(await attempt({ url: `wss://127.0.0.2:${port}/ocpp` }), { kind: 'csms-certificate', code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('A00.FR.316 a CSMS that allows only TLS 1.0 and 1.1: tls-version', async () => {
    const port = await tlsServer({ cert: pem('server.pem'), key: pem('server.key'), minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    // Under https.request the alert surfaces in a write: EPROTO, with OpenSSL's reason in the message.
    assert.equal((await attempt({ url: `wss://127.0.0.1:${port}/ocpp` })).kind, 'tls-version');
  });

  it('FailedToAuthenticationAtCsms: a CSMS answering the upgrade with 401: authentication (ws unexpected-response)', async () => {
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="OCPP"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    const port = await listen(server);
    assert.deepEqual(await attempt({ url: `ws://127.0.0.1:${port}/ocpp`, securityProfile: 1, caFile: undefined }), { kind: 'authentication', code: 'HTTP 401' });
  });
});
