import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IdTokenEnumType } from 'ocpp-messages/v2.0/RequestStartTransactionRequest.js';
import { CallErrorResponse, CallTimeout, InvalidRequest, InvalidResponse, NotConnected } from '../../src/ocpp/rpc/rpc-errors.js';
import { silentLogger, type Logger } from '../../src/process/logger.js';
import { jsonText } from '../../src/util/json-text.js';
import { parseJsonText } from '../../src/util/json-schema.js';
import { DevCsmsError, type CommandResult, type DevCsms } from './dev-csms.js';

/**
 * The development CSMS' control API for developers, on loopback: JSON in, JSON out.
 *
 *   GET  /stations                          every station's state view
 *   GET  /stations/{identity}               one station's
 *   POST /stations/{identity}/start         {evseId?, connectorId?, idToken?, idTokenType?}  (1.6: evseId is the connector)
 *   POST /stations/{identity}/stop          {transactionId?}  (default: the running one)
 *   POST /stations/{identity}/availability  {evseId?, connectorId?, operative}
 *   POST /stations/{identity}/trigger       {message, evseId?, connectorId?}
 *   POST /stations/{identity}/reset         {type?}
 *   POST /stations/{identity}/call          {action, payload}  (any CALL, raw)
 *   GET  /lists                             the unhappy-path lists: rejected-cards (Invalid),
 *                                           blocked-cards (Blocked), rejected-boots, pending-boots
 *   PUT / DELETE /lists/{list}/{value}       adds a card id or station identity to a list, or removes it
 *
 * Commands answer 200 with {action, request, response}. Errors answer {error, ...}: 400 bad JSON
 * or fields (or a payload failing the schema), 404 unknown station or path, 405 wrong method,
 * 409 station not connected or not in a state for it, 502 the station answered with a CALLERROR
 * or an invalid response, 504 no answer in time.
 */

export interface DevCsmsHttpOptions {
  csms: DevCsms;
  /** Default 127.0.0.1: the API has no authentication. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  log?: Logger;
}

export const DEFAULT_DEV_CSMS_HTTP_PORT = 9221;
const MAX_BODY_BYTES = 1024 * 1024;

const COMMANDS = ['start', 'stop', 'availability', 'trigger', 'reset', 'call'] as const;
/** The lists behind the unhappy paths (GET /lists). */
export const LIST_NAMES = ['rejected-cards', 'blocked-cards', 'rejected-boots', 'pending-boots'] as const;
export type ListName = (typeof LIST_NAMES)[number];
type Command = (typeof COMMANDS)[number];

/** 2.0.1 IdTokenEnumType. */
const ID_TOKEN_TYPES: readonly IdTokenEnumType[] = ['Central', 'eMAID', 'ISO14443', 'ISO15693', 'KeyCode', 'Local', 'MacAddress', 'NoAuthorization'];

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

type Body = Record<string, unknown>;

/** Indented JSON; compact, without recursion, when a station's answer nests too deep for JSON.stringify. */
function bodyText(body: unknown): string {
  try {
    return JSON.stringify(body, null, 2);
  } catch {
    return jsonText(body);
  }
}

function optionalInteger(body: Body, key: string, min = 0): number | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new HttpError(400, `${key} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return value;
}

function optionalString(body: Body, key: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new HttpError(400, `${key} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function requiredString(body: Body, key: string): string {
  const value = optionalString(body, key);
  if (value === undefined) throw new HttpError(400, `${key} is required`);
  return value;
}

function allowOnly(body: Body, keys: readonly string[]): void {
  const unknown = Object.keys(body).filter((k) => !keys.includes(k));
  if (unknown.length > 0) throw new HttpError(400, `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known here: ${keys.join(', ') || 'none'}`);
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseBody(text: string): Body {
  if (text.trim() === '') return {};
  // Typed by hand into curl: a syntax error is told by line and column, not by byte offset.
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new HttpError(400, `the body is not valid JSON: ${parsed.problem.found}`);
  const body = parsed.value;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object');
  return body as Body;
}

/** The HTTP answer to an error of a command. */
function errorAnswer(err: unknown): { status: number; body: Record<string, unknown> } {
  if (err instanceof HttpError) return { status: err.status, body: { error: err.message, ...err.extra } };
  if (err instanceof DevCsmsError) {
    const status = { unknownStation: 404, wrongVersion: 409, badRequest: 400, conflict: 409 }[err.kind];
    return { status, body: { error: err.message } };
  }
  if (err instanceof NotConnected) return { status: 409, body: { error: `the station is not connected (${err.action} not sent)` } };
  if (err instanceof InvalidRequest) return { status: 400, body: { error: `${err.action} not sent: ${err.description}`, code: err.code } };
  if (err instanceof CallErrorResponse) {
    return {
      status: 502,
      body: { error: `the station answered ${err.action} with a CALLERROR`, errorCode: err.errorCode, errorDescription: err.description, errorDetails: err.details },
    };
  }
  if (err instanceof InvalidResponse) return { status: 502, body: { error: `the station's answer to ${err.action} is invalid: ${err.description}`, code: err.code } };
  if (err instanceof CallTimeout) return { status: 504, body: { error: `the station did not answer ${err.action} within ${err.timeoutMs} ms` } };
  return { status: 500, body: { error: err instanceof Error ? err.message : String(err) } };
}

export class DevCsmsHttp {
  private readonly csms: DevCsms;
  private readonly host: string;
  private readonly log: Logger;
  private server: http.Server | undefined;
  private boundPort: number | undefined;

  constructor(private readonly options: DevCsmsHttpOptions) {
    this.csms = options.csms;
    this.host = options.host ?? '127.0.0.1';
    this.log = options.log ?? silentLogger;
  }

  async start(): Promise<{ port: number }> {
    if (this.server) throw new Error('the control API is already started');
    const server = http.createServer((request, response) => void this.serve(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    return { port: this.boundPort };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  get port(): number {
    if (this.boundPort === undefined) throw new Error('the control API is not started');
    return this.boundPort;
  }

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  private async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    let status = 200;
    let body: unknown;
    try {
      body = await this.route(request);
    } catch (err) {
      ({ status, body } = errorAnswer(err));
      if (status === 500) this.log.error(`control API ${request.method ?? ''} ${request.url ?? ''}: ${(body as { error: string }).error}`);
    }
    const text = `${bodyText(body)}\n`;
    response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    response.end(text);
  }

  private async route(request: http.IncomingMessage): Promise<unknown> {
    const method = request.method ?? 'GET';
    let segments: string[];
    try {
      segments = new URL(request.url ?? '/', 'http://localhost').pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new HttpError(400, 'the path is not valid');
    }
    const [collection, identity, command, ...rest] = segments;
    if (collection === 'lists') return this.lists(method, segments.slice(1));
    if (collection !== 'stations' || rest.length > 0) throw new HttpError(404, `no such path; try GET /stations`);
    if (identity === undefined) {
      if (method !== 'GET') throw new HttpError(405, 'use GET /stations');
      return { stations: this.csms.stations().map((s) => s.state()) };
    }
    if (command === undefined) {
      if (method !== 'GET') throw new HttpError(405, `use GET /stations/${encodeURIComponent(identity)}`);
      const station = this.csms.station(identity);
      if (!station) throw new DevCsmsError('unknownStation', `no station ${JSON.stringify(identity)} has connected`);
      return station.state();
    }
    if (!COMMANDS.includes(command as Command)) throw new HttpError(404, `no command ${JSON.stringify(command)}; commands: ${COMMANDS.join(', ')}`);
    if (method !== 'POST') throw new HttpError(405, `use POST /stations/{identity}/${command}`);
    const body = parseBody(await readBody(request));
    return this.run(command as Command, identity, body);
  }

  /** The lists that make this CSMS say no: cards answered Invalid or Blocked, boots answered Rejected or Pending. */
  private lists(method: string, path: string[]): unknown {
    const all = (): Record<ListName, string[]> =>
      Object.fromEntries(LIST_NAMES.map((name) => [name, [...this.list(name)].sort()])) as Record<ListName, string[]>;
    const [name, value, ...rest] = path;
    if (name === undefined) {
      if (method !== 'GET') throw new HttpError(405, 'use GET /lists');
      return all();
    }
    if (!(LIST_NAMES as readonly string[]).includes(name) || rest.length > 0) throw new HttpError(404, `no list ${JSON.stringify(name)}; lists: ${LIST_NAMES.join(', ')}`);
    const list = this.list(name as ListName);
    if (value === undefined) {
      if (method !== 'GET') throw new HttpError(405, `use GET /lists/${name}, or PUT / DELETE /lists/${name}/{value}`);
      return { [name]: [...list].sort() };
    }
    if (method === 'PUT') list.add(value);
    else if (method === 'DELETE') list.delete(value);
    else throw new HttpError(405, `use PUT (add) or DELETE (remove) /lists/${name}/{value}`);
    this.log.info(`${method === 'PUT' ? 'added' : 'removed'} ${JSON.stringify(value)} ${method === 'PUT' ? 'to' : 'from'} ${name}`);
    return all();
  }

  private list(name: ListName): Set<string> {
    const csms = this.csms;
    return { 'rejected-cards': csms.invalidIdTokens, 'blocked-cards': csms.blockedIdTokens, 'rejected-boots': csms.rejectedBoots, 'pending-boots': csms.pendingBoots }[name];
  }

  private async run(command: Command, identity: string, body: Body): Promise<CommandResult> {
    const csms = this.csms;
    switch (command) {
      case 'start': {
        allowOnly(body, ['evseId', 'connectorId', 'idToken', 'idTokenType']);
        const evseId = optionalInteger(body, 'evseId', 1);
        const connectorId = optionalInteger(body, 'connectorId', 1);
        const idToken = optionalString(body, 'idToken');
        const idTokenType = optionalString(body, 'idTokenType');
        if (idTokenType !== undefined && !(ID_TOKEN_TYPES as readonly string[]).includes(idTokenType)) {
          throw new HttpError(400, `idTokenType must be one of ${ID_TOKEN_TYPES.join(', ')}`);
        }
        return csms.remoteStart(identity, {
          evseId,
          connectorId,
          idToken,
          idTokenType: idTokenType as IdTokenEnumType | undefined,
        });
      }
      case 'stop': {
        allowOnly(body, ['transactionId']);
        const transactionId = body['transactionId'];
        if (transactionId !== undefined && typeof transactionId !== 'string' && typeof transactionId !== 'number') {
          throw new HttpError(400, `transactionId must be a string or a number, got ${JSON.stringify(transactionId)}`);
        }
        return csms.remoteStop(identity, transactionId === undefined ? {} : { transactionId });
      }
      case 'availability': {
        allowOnly(body, ['evseId', 'connectorId', 'operative']);
        const operative = body['operative'];
        if (typeof operative !== 'boolean') throw new HttpError(400, 'operative must be true or false');
        const evseId = optionalInteger(body, 'evseId', 0);
        const connectorId = optionalInteger(body, 'connectorId', 0);
        return csms.changeAvailability(identity, {
          operative,
          evseId,
          connectorId,
        });
      }
      case 'trigger': {
        allowOnly(body, ['message', 'evseId', 'connectorId']);
        const message = requiredString(body, 'message');
        const evseId = optionalInteger(body, 'evseId', 0);
        const connectorId = optionalInteger(body, 'connectorId', 0);
        return csms.triggerMessage(identity, {
          message,
          evseId,
          connectorId,
        });
      }
      case 'reset': {
        allowOnly(body, ['type', 'evseId']);
        const type = optionalString(body, 'type');
        const evseId = optionalInteger(body, 'evseId', 1);
        return csms.resetStation(identity, { type, evseId });
      }
      case 'call': {
        allowOnly(body, ['action', 'payload']);
        const action = requiredString(body, 'action');
        const payload = body['payload'] ?? {};
        if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new HttpError(400, 'payload must be a JSON object');
        return { action, request: payload, response: await csms.call(identity, action, payload) };
      }
    }
  }
}
