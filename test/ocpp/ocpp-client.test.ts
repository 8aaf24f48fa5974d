import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { WebSocket, WebSocketServer } from 'ws';
import { Secret, type OcppVersion } from '../../src/config/station-config.js';
import { OcppClient, type OcppClientOptions } from '../../src/ocpp/ocpp-client.js';
import { NotConnected } from '../../src/ocpp/rpc/rpc-errors.js';
import {
  basicAuthorization,
  connectionUrl,
  openOcppWebSocket,
  TransportRefused,
  transportRefusal,
  type OcppWebSocketOptions,
} from '../../src/ocpp/transport/ocpp-websocket.js';
import { MIN_RECONNECT_DELAY_MS, reconnectDelayMs } from '../../src/ocpp/transport/reconnect-backoff.js';
import { repoRoot } from '../helpers/cli.js';
import { capturingLogger } from '../helpers/logging.js';

// ---------------------------------------------------------------------------------------------
// A CSMS in the test process

const tlsDir = path.join(repoRoot, 'test', 'fixtures', 'tls');
const tlsFile = (name: string): string => path.join(tlsDir, name);
const pem = (name: string): Buffer => readFileSync(tlsFile(name));

const PASSWORD = 'correct-horse-battery-staple';
const NOW = '2025-01-01T00:00:00.000Z';

interface CsmsConnection {
  socket: WebSocket;
  request: http.IncomingMessage;
  received: unknown[][];
  closed: boolean;
  /** The next frame from the station, parsed. */
  next(): Promise<unknown[]>;
}

interface CsmsOptions {
  port?: number;
  /** TLS server options: a wss:// CSMS. */
  tls?: https.ServerOptions;
  /** Which subprotocol to pick; false refuses them all. Default: the first offered. */
  pickProtocol?: (offered: Set<string>, attempt: number) => string | false;
  autoPong?: boolean;
}

class TestCsms {
  readonly connections: CsmsConnection[] = [];
  /** Every WebSocket upgrade request, also those then refused. */
  readonly upgrades: http.IncomingMessage[] = [];
  /** Every TCP connection, also those that never got to HTTP. */
  tcpConnections = 0;
  private readonly waiters: Array<(c: CsmsConnection) => void> = [];

  private constructor(
    private readonly server: http.Server | https.Server,
    private readonly wss: WebSocketServer,
    readonly scheme: 'ws' | 'wss',
  ) {}

  static async start(options: CsmsOptions = {}): Promise<TestCsms> {
    const server = options.tls ? https.createServer(options.tls) : http.createServer();
    const wss = new WebSocketServer({
      server,
      autoPong: options.autoPong ?? true,
      handleProtocols: (offered, request) => {
        csms.upgrades.push(request);
        const pick = options.pickProtocol ?? ((o: Set<string>) => [...o][0] ?? false);
        return pick(offered, csms.upgrades.length);
      },
    });
    const csms = new TestCsms(server, wss, options.tls ? 'wss' : 'ws');
    server.on('connection', () => (csms.tcpConnections += 1));
    server.on('tlsClientError', () => undefined);
    wss.on('connection', (socket, request) => {
      const received: unknown[][] = [];
      const pending: Array<(f: unknown[]) => void> = [];
      const connection: CsmsConnection = {
        socket,
        request,
        received,
        closed: false,
        next: () =>
          new Promise((resolve) => {
            const queued = received.shift();
            if (queued) resolve(queued);
            else pending.push(resolve);
          }),
      };
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as unknown[];
        const waiter = pending.shift();
        if (waiter) waiter(frame);
        else received.push(frame);
      });
      socket.on('close', () => (connection.closed = true));
      socket.on('error', () => undefined);
      csms.connections.push(connection);
      csms.waiters.splice(0).forEach((w) => w(connection));
    });
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    return csms;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The OCPP-J endpoint URL to give the station. */
  get url(): string {
    return `${this.scheme}://127.0.0.1:${this.port}/ocpp`;
  }

  /** Resolves with the connection number `n` (1-based) once it is there. */
  async connection(n: number, timeoutMs = 3000): Promise<CsmsConnection> {
    const deadline = Date.now() + timeoutMs;
    while (this.connections.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`connection ${n} did not come within ${timeoutMs} ms (have ${this.connections.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.connections[n - 1]!;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers


const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let clients: OcppClient[] = [];
let servers: TestCsms[] = [];
let logs: string[] = [];

function client(overrides: Partial<OcppClientOptions> & Pick<OcppClientOptions, 'url'>): OcppClient {
  const c = new OcppClient({
    identity: 'CS001',
    version: '2.0.1',
    securityProfile: 0,
    backoff: () => ({ waitMinimumS: 0.05, randomRangeS: 0, repeatTimes: 2 }),
    pingIntervalS: () => 0,
    callTimeoutMs: () => 2000,
    log: capturingLogger(logs),
    ...overrides,
  });
  clients.push(c);
  return c;
}

async function csms(options: CsmsOptions = {}): Promise<TestCsms> {
  const s = await TestCsms.start(options);
  servers.push(s);
  return s;
}

function connectedHistory(c: OcppClient): boolean[] {
  const history: boolean[] = [];
  c.connected$.subscribe((v) => history.push(v));
  return history;
}

function basicCredentials(request: http.IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  assert.match(header, /^Basic /);
  return Buffer.from(header.slice(6), 'base64').toString('utf8');
}

beforeEach(() => {
  logs = [];
});

afterEach(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await Promise.all(servers.map((s) => s.close()));
  clients = [];
  servers = [];
});

// ---------------------------------------------------------------------------------------------

describe('OcppClient: connecting', () => {
  for (const [version, subprotocol] of [
    ['2.0.1', 'ocpp2.0.1'],
    ['1.6', 'ocpp1.6'],
  ] as Array<[OcppVersion, string]>) {
    it(`${version}: offers ${subprotocol}, appends the percent-encoded identity, and carries RPC both ways`, async () => {
      const server = await csms();
      const c = client({ url: server.url, identity: 'RDAM 123', version });
      c.handle('Reset', () => ({ status: 'Accepted' }));
      c.start();
      const conn = await server.connection(1);
      assert.equal(conn.request.url, '/ocpp/RDAM%20123');
      assert.equal(conn.request.headers['sec-websocket-protocol'], subprotocol);
      assert.equal(conn.socket.protocol, subprotocol);
      await waitFor(() => c.isConnected, 'connected');

      const reply = c.call('Heartbeat', {});
      const frame = await conn.next();
      assert.deepEqual([frame[0], frame[2], frame[3]], [2, 'Heartbeat', {}]);
      conn.socket.send(JSON.stringify([3, frame[1], { currentTime: NOW }]));
      assert.deepEqual(await reply, { currentTime: NOW });

      const reset = version === '1.6' ? { type: 'Soft' } : { type: 'Immediate' };
      conn.socket.send(JSON.stringify([2, 'csms-1', 'Reset', reset]));
      assert.deepEqual(await conn.next(), [3, 'csms-1', { status: 'Accepted' }]);
    });
  }

  it('connection URL: §3.1.1 examples, and no doubled slash', () => {
    assert.equal(connectionUrl('ws://csms.example.com/ocpp', 'CS001').href, 'ws://csms.example.com/ocpp/CS001');
    assert.equal(connectionUrl('wss://csms.example.com/ocppj', 'RDAM 123').href, 'wss://csms.example.com/ocppj/RDAM%20123');
    assert.equal(connectionUrl('ws://csms.example.com/ocpp/', 'CS001').href, 'ws://csms.example.com/ocpp/CS001');
    assert.equal(connectionUrl('ws://csms.example.com', 'a/b?c#d').href, 'ws://csms.example.com/a%2Fb%3Fc%23d');
  });

  it('treats a CSMS that refuses the subprotocol as a failed attempt and retries', async () => {
    const server = await csms({ pickProtocol: (offered, attempt) => (attempt <= 2 ? false : [...offered][0]!) });
    const c = client({ url: server.url });
    const history = connectedHistory(c);
    c.start();
    await server.connection(3);
    await waitFor(() => c.isConnected, 'connected');
    assert.equal(server.upgrades.length, 3);
    assert.deepEqual(history, [false, true]);
    assert.ok(logs.some((l) => l.startsWith('warning connection failed') && /subprotocol/.test(l)));
  });

  it('sends Basic auth (identity:password) with profile 1, never with profile 0', async () => {
    const server = await csms();
    const one = client({ url: server.url, securityProfile: 1, password: new Secret(PASSWORD) });
    one.start();
    const first = await server.connection(1);
    assert.equal(basicCredentials(first.request), `CS001:${PASSWORD}`);

    const zero = client({ url: server.url, identity: 'CS002', securityProfile: 0, password: new Secret(PASSWORD) });
    zero.start();
    const second = await server.connection(2);
    assert.equal(second.request.url, '/ocpp/CS002');
    assert.equal(second.request.headers.authorization, undefined);
    assert.ok(!logs.some((l) => l.includes(PASSWORD)), 'the password is never logged');
  });

  it('1.6 sends the AuthorizationKey as the octets it encodes (OCPP-J 1.6 §6.2.2)', () => {
    const header = basicAuthorization('1.6', 'AL1000', new Secret('0001020304050607FFFFFFFF'));
    const decoded = Buffer.from(header.slice('Basic '.length), 'base64');
    assert.deepEqual(decoded, Buffer.concat([Buffer.from('AL1000:'), Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 255, 255, 255, 255])]));
    const text = basicAuthorization('2.0.1', 'AL1000', new Secret('0001020304050607FFFFFFFF'));
    assert.equal(Buffer.from(text.slice(6), 'base64').toString(), 'AL1000:0001020304050607FFFFFFFF');
  });

  it('call() while disconnected rejects with NotConnected', async () => {
    const c = client({ url: 'ws://127.0.0.1:9/ocpp' });
    await assert.rejects(c.call('Heartbeat', {}), NotConnected);
    c.start();
    await assert.rejects(c.call('Heartbeat', {}), NotConnected);
    await c.stop();
    await assert.rejects(c.call('Heartbeat', {}), NotConnected);
  });
});

describe('OcppClient: TLS', () => {
  const tlsServer = (cert: string, key: string, extra: https.ServerOptions = {}): https.ServerOptions => ({
    cert: pem(cert),
    key: pem(key),
    ...extra,
  });

  it('profile 2 verifies the CSMS certificate against the CA file and sends Basic auth', async () => {
    const server = await csms({ tls: tlsServer('server.pem', 'server.key') });
    const c = client({ url: server.url, securityProfile: 2, password: new Secret(PASSWORD), caFile: tlsFile('ca.pem') });
    c.start();
    const conn = await server.connection(1);
    assert.equal(basicCredentials(conn.request), `CS001:${PASSWORD}`);
    const tlsSocket = conn.request.socket as TLSSocket;
    assert.ok(['TLSv1.2', 'TLSv1.3'].includes(tlsSocket.getProtocol() ?? ''), String(tlsSocket.getProtocol()));
    await waitFor(() => c.isConnected, 'connected');
  });

  it('profile 2 refuses a CSMS certificate from another CA, and the system CAs do not know the test CA', async () => {
    const other = await csms({ tls: tlsServer('other-server.pem', 'other-server.key') });
    const withCa = client({ url: other.url, securityProfile: 2, password: new Secret(PASSWORD), caFile: tlsFile('ca.pem') });
    const ours = await csms({ tls: tlsServer('server.pem', 'server.key') });
    const systemCas = client({ url: ours.url, identity: 'CS002', securityProfile: 2, password: new Secret(PASSWORD) });
    withCa.start();
    systemCas.start();
    await waitFor(() => other.tcpConnections >= 2 && ours.tcpConnections >= 2, 'two attempts each');
    assert.equal(withCa.isConnected, false);
    assert.equal(systemCas.isConnected, false);
    // The TLS handshake failed, so no HTTP request, and no password, ever went out.
    assert.equal(other.upgrades.length, 0);
    assert.equal(ours.upgrades.length, 0);
    assert.ok(logs.some((l) => /connection failed: .*(certificate|issuer)/i.test(l)), logs.join('\n'));
  });

  it('profile 3 presents the client certificate and sends no Authorization header', async () => {
    const server = await csms({
      tls: tlsServer('server.pem', 'server.key', { ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: true }),
    });
    const c = client({
      url: server.url,
      securityProfile: 3,
      // A password left in the config must not be sent with profile 3.
      password: new Secret(PASSWORD),
      caFile: tlsFile('ca.pem'),
      clientCertificateFile: tlsFile('client.pem'),
      clientKeyFile: tlsFile('client.key'),
    });
    c.start();
    const conn = await server.connection(1);
    const peer = (conn.request.socket as TLSSocket).getPeerCertificate();
    assert.equal(peer.subject.CN, 'EVSE-TEST-0001');
    assert.equal(conn.request.headers.authorization, undefined);
  });
});

describe('OcppClient: transport rules', () => {
  const base: OcppWebSocketOptions = { url: 'ws://csms.example.com/ocpp', identity: 'CS001', version: '2.0.1', securityProfile: 0 };
  const pw = new Secret(PASSWORD);

  it('allows a password over plain ws:// only with profile 1', () => {
    assert.equal(transportRefusal({ ...base, securityProfile: 1, password: pw }), undefined);
    assert.match(transportRefusal({ ...base, securityProfile: 2, password: pw }) ?? '', /wss:\/\//);
    assert.match(transportRefusal({ ...base, securityProfile: 3, clientCertificateFile: 'c', clientKeyFile: 'k' }) ?? '', /wss:\/\//);
    assert.equal(transportRefusal({ ...base, url: 'wss://csms.example.com/ocpp', securityProfile: 2, password: pw }), undefined);
    assert.match(transportRefusal({ ...base, url: 'wss://csms.example.com/ocpp', securityProfile: 1, password: pw }) ?? '', /profile 1/);
  });

  it('refuses what would leak or cannot work', () => {
    assert.match(transportRefusal({ ...base, url: 'ws://user:secret@csms.example.com/ocpp' }) ?? '', /credentials/);
    assert.match(transportRefusal({ ...base, url: 'http://csms.example.com/ocpp' }) ?? '', /ws:\/\/ or wss:\/\//);
    assert.match(transportRefusal({ ...base, url: 'not a url' }) ?? '', /not a valid URL/);
    assert.match(transportRefusal({ ...base, securityProfile: 1 }) ?? '', /needs a password/);
    assert.match(transportRefusal({ ...base, securityProfile: 1, password: pw, identity: 'CS:1' }) ?? '', /":"/);
    assert.match(transportRefusal({ ...base, url: 'wss://x/ocpp', securityProfile: 3 }) ?? '', /client certificate/);
    assert.equal(transportRefusal({ ...base, url: 'wss://x/ocpp', securityProfile: 0 }), undefined);
  });

  it('the transport itself refuses a password over ws:// with profile 2: nothing reaches the server, an error is logged', async () => {
    const server = await csms();
    await assert.rejects(
      openOcppWebSocket({ ...base, url: server.url, securityProfile: 2, password: pw }, capturingLogger(logs)),
      TransportRefused,
    );
    const c = client({ url: server.url, securityProfile: 2, password: pw });
    c.start();
    await waitFor(() => logs.filter((l) => l.startsWith('error not connecting')).length >= 2, 'two refused attempts');
    assert.equal(server.tcpConnections, 0);
    assert.equal(c.isConnected, false);
  });
});

describe('OcppClient: reconnecting', () => {
  it('computes the §5.3 back-off: minimum plus random, doubling repeatTimes times, then flat', () => {
    const settings = { waitMinimumS: 10, randomRangeS: 4, repeatTimes: 3 };
    const noRandom = (): number => 0;
    assert.deepEqual(
      [0, 1, 2, 3, 4, 10].map((retry) => reconnectDelayMs(retry, settings, noRandom)),
      [10_000, 20_000, 40_000, 80_000, 80_000, 80_000],
    );
    assert.equal(reconnectDelayMs(0, settings, () => 0.5), 12_000);
    assert.equal(reconnectDelayMs(5, settings, () => 1), 84_000);
    assert.equal(reconnectDelayMs(0, { waitMinimumS: 0, randomRangeS: 0, repeatTimes: 0 }), MIN_RECONNECT_DELAY_MS);
    assert.equal(reconnectDelayMs(3, { waitMinimumS: -5, randomRangeS: Number.NaN, repeatTimes: -1 }), MIN_RECONNECT_DELAY_MS);
  });

  it('backs off from the very first attempt: a CSMS that comes up later is reached after the back-off', async () => {
    const port = await freePort();
    const c = client({ url: `ws://127.0.0.1:${port}/ocpp`, backoff: () => ({ waitMinimumS: 0.3, randomRangeS: 0, repeatTimes: 0 }) });
    const started = Date.now();
    c.start();
    await sleep(100);
    assert.ok(logs.some((l) => l.startsWith('warning connection failed')), 'the first attempt failed');
    assert.ok(logs.some((l) => l.includes('next connection attempt in 0.3 s')));
    const server = await csms({ port });
    await server.connection(1);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 280 && elapsed < 1500, `connected after ${elapsed} ms`);
  });

  it('doubles the wait after each failed attempt and reads the settings at every attempt', async () => {
    // A TCP server that hangs up at once: every attempt fails fast, and each is seen here.
    const attempts: number[] = [];
    const refuser = net.createServer((socket) => {
      attempts.push(Date.now());
      socket.destroy();
    });
    await new Promise<void>((resolve) => refuser.listen(0, '127.0.0.1', resolve));
    const { port } = refuser.address() as net.AddressInfo;
    let waitMinimumS = 0.05;
    const c = client({ url: `ws://127.0.0.1:${port}/ocpp`, backoff: () => ({ waitMinimumS, randomRangeS: 0, repeatTimes: 2 }) });
    try {
      c.start();
      await waitFor(() => attempts.length >= 5, 'five attempts');
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
      // 50, 100, 200, then flat at 200 ms.
      assert.ok(gaps[0]! >= 40 && gaps[0]! < 150, `gaps ${gaps.join(', ')}`);
      assert.ok(gaps[1]! >= 90 && gaps[1]! < 250, `gaps ${gaps.join(', ')}`);
      assert.ok(gaps[2]! >= 190 && gaps[2]! < 400, `gaps ${gaps.join(', ')}`);
      assert.ok(gaps[3]! >= 190 && gaps[3]! < 400, `gaps ${gaps.join(', ')}`);
      waitMinimumS = 0.01;
      const before = attempts.length;
      await waitFor(() => attempts.length >= before + 2, 'attempts with the new settings');
      const last = attempts.at(-1)! - attempts.at(-2)!;
      assert.ok(last < 150, `the changed setting was used: gap ${last} ms`);
    } finally {
      await c.stop();
      await new Promise<void>((resolve) => refuser.close(() => resolve()));
    }
  });

  it('reconnects after the CSMS drops the socket; handlers stay; calls in flight fail with NotConnected; reconnectCount counts it', async () => {
    const server = await csms();
    const c = client({ url: server.url });
    c.handle('Reset', () => ({ status: 'Accepted' }));
    const history = connectedHistory(c);
    c.start();
    const first = await server.connection(1);
    await waitFor(() => c.isConnected, 'connected');
    assert.equal(c.reconnectCount, 0, 'the first connection is no reconnection');
    const inFlight = c.call('Heartbeat', {});
    await first.next();
    first.socket.terminate();
    await assert.rejects(inFlight, NotConnected);
    const second = await server.connection(2);
    await waitFor(() => c.isConnected, 'reconnected');
    assert.deepEqual(history, [false, true, false, true]);
    assert.equal(c.reconnectCount, 1);
    second.socket.send(JSON.stringify([2, 'r1', 'Reset', { type: 'OnIdle' }]));
    assert.deepEqual(await second.next(), [3, 'r1', { status: 'Accepted' }]);
  });

  it('detects a dead connection: no pong before the next ping terminates it, then reconnects', async () => {
    const server = await csms({ autoPong: false });
    const c = client({ url: server.url, pingIntervalS: () => 0.1 });
    const history = connectedHistory(c);
    c.start();
    const first = await server.connection(1);
    let pings = 0;
    first.socket.on('ping', () => (pings += 1));
    await server.connection(2);
    assert.equal(pings, 1, 'one unanswered ping is enough');
    await waitFor(() => first.closed, 'the dead connection closed');
    assert.deepEqual(history.slice(0, 3), [false, true, false]);
    assert.ok(logs.some((l) => l.includes('no pong')));
  });

  it('keeps a connection that answers pings', async () => {
    const server = await csms();
    const c = client({ url: server.url, pingIntervalS: () => 0.05 });
    c.start();
    const conn = await server.connection(1);
    let pings = 0;
    conn.socket.on('ping', () => (pings += 1));
    await sleep(400);
    assert.ok(pings >= 4, `${pings} pings`);
    assert.equal(server.connections.length, 1);
    assert.equal(c.isConnected, true);
  });

  it('reconnect(changes) drops the connection and connects at once with the new URL and password; a drop on purpose is no reconnection after a loss', async () => {
    const a = await csms();
    const b = await csms();
    const c = client({ url: a.url, securityProfile: 1, password: new Secret(PASSWORD), backoff: () => ({ waitMinimumS: 60, randomRangeS: 0, repeatTimes: 0 }) });
    c.start();
    const old = await a.connection(1);
    c.reconnect({ url: b.url, password: new Secret('a-new-password-0123456789') });
    const fresh = await b.connection(1, 1000);
    assert.equal(basicCredentials(fresh.request), 'CS001:a-new-password-0123456789');
    await waitFor(() => old.closed, 'the old connection closed');
    await waitFor(() => c.isConnected, 'connected');
    assert.equal(a.connections.length, 1, 'no reconnection to the old URL');
    assert.equal(c.reconnectCount, 0);
  });

  it('stop() closes the connection and stops reconnecting', async () => {
    const server = await csms();
    const c = client({ url: server.url });
    c.start();
    const conn = await server.connection(1);
    await waitFor(() => c.isConnected, 'connected');
    await c.stop();
    assert.equal(c.isConnected, false);
    await waitFor(() => conn.closed, 'closed');
    await sleep(200);
    assert.equal(server.connections.length, 1);
  });
});

describe('OcppClient: a hostile CSMS', () => {
  for (const version of ['2.0.1', '1.6'] as OcppVersion[]) {
    it(`${version}: gets CALLERRORs for garbage, and the socket stays open`, async () => {
      const server = await csms();
      const c = client({ url: server.url, version });
      c.handle('Reset', () => ({ status: 'Accepted' }));
      c.start();
      const conn = await server.connection(1);
      await waitFor(() => c.isConnected, 'connected');
      const reset = version === '1.6' ? '{"type":"Soft"' : '{"type":"Immediate"';
      const garbage: Array<string | Buffer> = [
        'not json',
        '{}',
        '[]',
        '[2]',
        `[2,"g1","Reset",${reset}},"extra"]`,
        `[2,"${'x'.repeat(37)}","Reset",{}]`,
        '[2,"g2","Reset",' + '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000) + ']',
        `[2,"g3","Reset",${reset},"__proto__":{"polluted":1}}]`,
        // Invalid UTF-8 inside a string, sent as a text frame.
        Buffer.concat([Buffer.from('[2,"g4","Reset",{"type":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}]')]),
        '[3,"never-sent",{}]',
        '[9,"g5"]',
      ];
      for (const frame of garbage) conn.socket.send(frame, { binary: false });
      const frameError = version === '1.6' ? 'FormationViolation' : 'RpcFrameworkError';
      const expected = [
        [4, '-1', frameError],
        [4, '-1', frameError],
        [4, '-1', frameError],
        [4, '-1', frameError],
        [4, 'g1', frameError],
        [4, '-1', frameError],
        [4, 'g2', version === '1.6' ? 'OccurenceConstraintViolation' : 'OccurrenceConstraintViolation'],
        [4, 'g3', version === '1.6' ? 'FormationViolation' : 'FormatViolation'],
        [4, 'g4', 'PropertyConstraintViolation'],
        // Unknown message type: answered in 2.0.1 (Part 4 §4.4), ignored in 1.6 (§4.1.3).
        ...(version === '1.6' ? [] : [[4, 'g5', 'MessageTypeNotSupported']]),
      ];
      const answers: unknown[][] = [];
      for (let i = 0; i < expected.length; i++) answers.push(await conn.next());
      assert.deepEqual(
        answers.map((a) => [a[0], a[1], a[2]]),
        expected,
      );
      await sleep(100);
      assert.equal(conn.received.length, 0, 'nothing else was answered');
      assert.equal(conn.closed, false);
      assert.equal(c.isConnected, true);
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
      conn.socket.send(`[2,"ok","Reset",${reset}}]`);
      assert.deepEqual(await conn.next(), [3, 'ok', { status: 'Accepted' }]);
    });
  }
});
