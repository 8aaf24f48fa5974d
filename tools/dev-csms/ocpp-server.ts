import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Subject } from 'rxjs';
import WebSocket, { WebSocketServer } from 'ws';
import type { OcppVersion } from '../../src/config/station-config.js';
import { OcppSchemas } from '../../src/ocpp/rpc/ocpp-schemas.js';
import { RpcEndpoint } from '../../src/ocpp/rpc/rpc-endpoint.js';
import { frameByteLength, frameText, OCPP_SUBPROTOCOLS } from '../../src/ocpp/transport/ocpp-websocket.js';
import type { Logger } from '../../src/process/logger.js';
import type { Direction } from './message-lines.js';
import { StationRecord, type Connection, type ConnectionEvent } from './station-record.js';

/**
 * The development CSMS' OCPP-J server: listens for the stations' WebSocket upgrades, checks their
 * path, Basic auth and subprotocol, and gives each connection an RpcEndpoint with schema
 * validation on.
 */

const DEFAULT_PATH = '/ocpp';
const DEFAULT_MESSAGE_TIMEOUT_MS = 30_000;
const MAX_CONNECTION_EVENTS = 1000;
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
const CLOSE_TIMEOUT_MS = 1000;

/** The server's part of DevCsmsOptions (documented there). */
export interface OcppServerOptions {
  host?: string;
  port: number;
  path?: string;
  basicAuth?: Readonly<Record<string, string>>;
  messageTimeoutMs?: number;
}

/** The development CSMS as its server sees it: where stations and connection events are kept, how frames are recorded and requests answered. */
export interface OcppServerCsms {
  readonly stationRecords: Map<string, StationRecord>;
  readonly connectionEvents: ConnectionEvent[];
  readonly connections$: Subject<ConnectionEvent>;
  recordFrame(station: StationRecord, connection: Connection, direction: Direction, text: string): void;
  answerRequest(station: StationRecord, version: OcppVersion, action: string, payload: unknown): Promise<object>;
}

function versionOfSubprotocol(subprotocol: string): OcppVersion | undefined {
  return (Object.keys(OCPP_SUBPROTOCOLS) as OcppVersion[]).find((v) => OCPP_SUBPROTOCOLS[v] === subprotocol);
}

function offeredSubprotocols(request: http.IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  return header ? header.split(',').map((p) => p.trim()).filter(Boolean) : [];
}

/** Warnings of the endpoint (a rejected CALL, a timeout) repeat what the message lines say: kept for debug. */
function endpointLogger(log: Logger): Logger {
  return {
    debug: (m) => log.debug(m),
    info: (m) => log.info(m),
    notice: (m) => log.notice(m),
    warning: (m) => log.debug(m),
    error: (m) => log.error(m),
    child: (scope) => endpointLogger(log.child(scope)),
  };
}

/**
 * Why this Authorization header does not let `identity` in, or undefined when it does. The
 * username is the identity (A00.FR.204). A 1.6 AuthorizationKey travels as the octets of its
 * hexadecimal form (OCPP-J 1.6 §6.2.2) while 2.0.1 sends the text, so a hexadecimal password
 * matches either way.
 */
export function basicAuthProblem(passwords: Readonly<Record<string, string>>, identity: string, header: string | undefined): string | undefined {
  if (header === undefined) return 'no Authorization header';
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match) return 'the Authorization header is not Basic credentials';
  const decoded = Buffer.from(match[1]!, 'base64');
  const colon = decoded.indexOf(0x3a);
  if (colon < 0) return 'the Basic credentials have no ":"';
  if (decoded.subarray(0, colon).toString('utf8') !== identity) return 'the username is not the station identity';
  const expected = Object.hasOwn(passwords, identity) ? passwords[identity] : undefined;
  if (expected === undefined) return 'no password is set for this station';
  const given = decoded.subarray(colon + 1);
  const forms = [Buffer.from(expected, 'utf8')];
  if (/^(?:[0-9a-fA-F]{2})+$/.test(expected)) forms.push(Buffer.from(expected, 'hex'));
  return forms.some((form) => form.length === given.length && timingSafeEqual(form, given)) ? undefined : 'wrong password';
}

/** An HTTP error answer to an upgrade request, on the raw socket. */
function refuseUpgrade(socket: Duplex, status: number, headers: Record<string, string> = {}): void {
  const text = http.STATUS_CODES[status] ?? '';
  const body = `${status} ${text}\n`;
  const lines = [
    `HTTP/1.1 ${status} ${text}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

function closeSocket(socket: WebSocket, code: number, reason: string): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.terminate(), CLOSE_TIMEOUT_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close(code, reason);
  });
}

export class OcppServer {
  private readonly host: string;
  private readonly path: string;
  private readonly messageTimeoutMs: number;
  private server: http.Server | undefined;
  private wss: WebSocketServer | undefined;
  private boundPort: number | undefined;

  constructor(
    private readonly options: OcppServerOptions,
    private readonly versions: readonly OcppVersion[],
    private readonly log: Logger,
    private readonly csms: OcppServerCsms,
  ) {
    this.host = options.host ?? '127.0.0.1';
    this.path = `/${(options.path ?? DEFAULT_PATH).replace(/^\/+|\/+$/g, '')}`;
    this.messageTimeoutMs = options.messageTimeoutMs ?? DEFAULT_MESSAGE_TIMEOUT_MS;
  }

  /** Listens; resolves with the port (the one picked when the options said 0). */
  async start(): Promise<{ port: number }> {
    if (this.server) throw new Error('the development CSMS is already started');
    const server = http.createServer((_request, response) => {
      response.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket', Connection: 'Upgrade' });
      response.end(`OCPP-J endpoint: connect a WebSocket to ${this.path}/<identity>\n`);
    });
    const wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (offered) => this.pickSubprotocol(offered),
      maxPayload: MAX_PAYLOAD_BYTES,
      // Invalid UTF-8 is read as U+FFFD by frameText(), as the agent does, rather than dropping the connection.
      skipUTF8Validation: true,
    });
    server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(request, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error(`server error: ${err.message}`));
    this.server = server;
    this.wss = wss;
    this.boundPort = (server.address() as AddressInfo).port;
    return { port: this.boundPort };
  }

  /** Closes every connection (1001, going away) and stops listening. */
  async stop(): Promise<void> {
    const { server, wss } = this;
    if (!server || !wss) return;
    this.server = undefined;
    this.wss = undefined;
    await Promise.all([...wss.clients].map((socket) => closeSocket(socket, 1001, 'the CSMS is stopping')));
    wss.close();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  get port(): number {
    if (this.boundPort === undefined) throw new Error('the development CSMS is not started');
    return this.boundPort;
  }

  /** The OCPP-J endpoint URL to configure in a station (ocpp.url); the identity goes after it. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `ws://${host}:${this.port}${this.path === '/' ? '' : this.path}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: connections

  /** §3.2: the most preferred version the station offers; false completes the handshake without one. */
  private pickSubprotocol(offered: Set<string>): string | false {
    for (const version of this.versions) {
      if (offered.has(OCPP_SUBPROTOCOLS[version])) return OCPP_SUBPROTOCOLS[version];
    }
    return false;
  }

  /** The identity named by a request path <path>/<identity>, percent-decoded; undefined for any other path. */
  private identityOf(requestUrl: string | undefined): string | undefined {
    let pathname: string;
    try {
      pathname = new URL(requestUrl ?? '/', 'http://localhost').pathname;
    } catch {
      return undefined;
    }
    const prefix = this.path === '/' ? '/' : `${this.path}/`;
    if (!pathname.startsWith(prefix)) return undefined;
    const encoded = pathname.slice(prefix.length);
    if (encoded === '' || encoded.includes('/')) return undefined;
    try {
      return decodeURIComponent(encoded);
    } catch {
      return undefined;
    }
  }

  private onUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => this.log.debug(`upgrade socket error: ${err.message}`));
    const wss = this.wss;
    if (!wss) {
      socket.destroy();
      return;
    }
    const offered = offeredSubprotocols(request);
    const authorization = request.headers.authorization !== undefined;
    const identity = this.identityOf(request.url);
    if (identity === undefined) {
      const reason = `not a station path: ${request.url ?? ''}`;
      this.connectionEvent(undefined, { type: 'refused', identity: undefined, at: new Date(), offered, authorization, status: 404, reason });
      refuseUpgrade(socket, 404);
      return;
    }
    if (this.options.basicAuth) {
      const problem = basicAuthProblem(this.options.basicAuth, identity, request.headers.authorization);
      if (problem) {
        this.connectionEvent(undefined, { type: 'refused', identity, at: new Date(), offered, authorization, status: 401, reason: problem });
        refuseUpgrade(socket, 401, { 'WWW-Authenticate': 'Basic realm="OCPP", charset="UTF-8"' });
        return;
      }
    }
    wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, identity, offered, authorization));
  }

  private onConnection(socket: WebSocket, identity: string, offered: string[], authorization: boolean): void {
    const version = versionOfSubprotocol(socket.protocol);
    if (!version) {
      // §3.2: handshake completed without Sec-WebSocket-Protocol, then closed at once.
      this.connectionEvent(undefined, {
        type: 'refused',
        identity,
        at: new Date(),
        offered,
        authorization,
        status: 101,
        reason: `no supported subprotocol offered (supported: ${this.versions.map((v) => OCPP_SUBPROTOCOLS[v]).join(', ')})`,
      });
      socket.on('error', () => undefined);
      socket.close(1002, 'no supported OCPP subprotocol');
      return;
    }
    const subprotocol = socket.protocol;
    const station = this.csms.stationRecords.get(identity) ?? new StationRecord(identity, version, subprotocol);
    this.csms.stationRecords.set(identity, station);
    const previous = station.connection;
    if (previous) {
      // The station came back before its old connection was seen to drop: the new one is what it uses.
      this.log.info(`${identity} connected again: closing its previous connection`);
      this.disconnected(station, previous, 1000, 'replaced by a new connection');
      void closeSocket(previous.socket, 1000, 'replaced by a new connection');
    }
    const log = this.log.child(identity);
    const connection: Connection = {
      socket,
      version,
      subprotocol,
      offered,
      authorization,
      csmsCalls: new Map(),
      stationCalls: new Map(),
      endpoint: new RpcEndpoint({
        version,
        send: (text) => {
          if (socket.readyState !== WebSocket.OPEN) throw new Error('the connection is closing');
          this.csms.recordFrame(station, connection, 'toStation', text);
          socket.send(text, (err) => {
            if (err) log.debug(`sending failed: ${err.message}`);
          });
        },
        callTimeoutMs: () => this.messageTimeoutMs,
        log: endpointLogger(log),
        validate: true,
      }),
    };
    for (const action of OcppSchemas.for(version).actions) {
      connection.endpoint.handle(action, (payload) => this.csms.answerRequest(station, version, action, payload));
    }
    socket.on('message', (data) => {
      const text = frameText(data, log);
      this.csms.recordFrame(station, connection, 'fromStation', text);
      connection.endpoint.receive(text, frameByteLength(data));
    });
    socket.on('close', (code, reason) => this.disconnected(station, connection, code, reason.toString('utf8')));
    socket.on('error', (err) => log.debug(`websocket error: ${err.message}`));
    station.connection = connection;
    station.version = version;
    station.subprotocol = subprotocol;
    station.connectedAt = new Date();
    this.connectionEvent(station, { type: 'connected', identity, at: station.connectedAt, subprotocol, offered, authorization });
  }

  private disconnected(station: StationRecord, connection: Connection, code: number, reason: string): void {
    connection.endpoint.connectionLost();
    if (station.connection !== connection) return;
    station.connection = undefined;
    station.disconnectedAt = new Date();
    this.connectionEvent(station, {
      type: 'disconnected',
      identity: station.identity,
      at: station.disconnectedAt,
      subprotocol: connection.subprotocol,
      offered: connection.offered,
      authorization: connection.authorization,
      code,
      ...(reason ? { reason } : {}),
    });
  }

  private connectionEvent(station: StationRecord | undefined, event: ConnectionEvent): void {
    station?.connections.push(event);
    this.csms.connectionEvents.push(event);
    if (this.csms.connectionEvents.length > MAX_CONNECTION_EVENTS) this.csms.connectionEvents.shift();
    const who = event.identity ?? '(no identity)';
    switch (event.type) {
      case 'connected':
        this.log.info(`${who} connected (${event.subprotocol ?? '?'}, ${event.authorization ? 'Basic auth' : 'no Authorization header'})`);
        break;
      case 'disconnected':
        this.log.info(`${who} disconnected (${event.code ?? '?'}${event.reason ? ` ${event.reason}` : ''})`);
        break;
      case 'refused':
        this.log.info(`${who} refused: ${event.status === 101 ? 'handshake closed' : `HTTP ${event.status ?? '?'}`}, ${event.reason ?? ''}`);
        break;
    }
    this.csms.connections$.next(event);
  }
}
