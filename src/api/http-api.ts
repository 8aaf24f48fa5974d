import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../service/logger.js';
import type { FaultClearing, TokenResult } from '../station/station.js';
import type { IdToken, IdTokenKind } from '../station/types.js';

/**
 * The local HTTP API: the station's status, the local "clear faults" action, and with simulated
 * hardware the simulation's levers (plug, EV, card reader, fault inputs, contactor and meter
 * faults). Loopback by default (api.listen). These paths are a fixed interface that other tools use.
 */

/** What the API needs of the agent. */
export interface ApiBackend {
  status(): object;
  presentIdToken(evseId: number, idToken: IdToken): Promise<TokenResult>;
  /** The local "clear faults" action (all EVSEs when evseId is undefined). */
  clearFaults(evseId?: number): FaultClearing[];
  /** Undefined when the hardware is real: the simulation endpoints then answer 409. */
  simulation(): SimulationLevers | undefined;
}

export interface SimulationLevers {
  setPlugged(evseId: number, connectorId: number, plugged: boolean): void;
  setEvCharging(evseId: number, charging: boolean): void;
  setInput(name: string, active: boolean): void;
  /** What the EV draws per phase, in A, while it charges. */
  setEvCurrent(evseId: number, amps: number[]): void;
  setContactorFault(evseId: number, connectorId: number, fault: ContactorFaultName): void;
  setMeterFault(evseId: number, fault: MeterFaultName): void;
  hasEvse(evseId: number): boolean;
  hasConnector(evseId: number, connectorId: number): boolean;
  hasInput(name: string): boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const CONTACTOR_FAULTS = ['none', 'welded', 'fails-to-close'] as const;
export type ContactorFaultName = (typeof CONTACTOR_FAULTS)[number];
export const METER_FAULTS = ['none', 'silent', 'crc', 'exception', 'energy-backwards'] as const;
export type MeterFaultName = (typeof METER_FAULTS)[number];

const ID_TOKEN_TYPES: readonly IdTokenKind[] = ['Central', 'eMAID', 'ISO14443', 'ISO15693', 'KeyCode', 'Local', 'MacAddress', 'NoAuthorization'];
const MAX_BODY = 64 * 1024;

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

function positiveInt(raw: string | undefined, what: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new HttpError(400, `${what} must be a positive integer, got "${raw ?? ''}"`);
  return n;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw new HttpError(400, `${what} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  return value as T;
}

export class HttpApi {
  private server: http.Server | undefined;

  constructor(
    private readonly backend: ApiBackend,
    private readonly log: Logger,
  ) {}

  async listen(host: string, port: number): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`${JSON.stringify(body, null, 2)}\n`);
    };
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const parts = url.pathname.split('/').filter(Boolean);
      send(200, await this.route(req, parts));
    } catch (err) {
      if (err instanceof HttpError) send(err.status, { error: err.message });
      else {
        this.log.error(`API ${req.method} ${req.url}: ${(err as Error).message}`);
        send(500, { error: 'internal error' });
      }
    }
  }

  private async route(req: http.IncomingMessage, parts: string[]): Promise<unknown> {
    const method = req.method ?? 'GET';
    const [api, first, ...rest] = parts;
    if (api !== 'api') throw new HttpError(404, 'not found');
    if (first === 'status' && rest.length === 0) {
      if (method !== 'GET') throw new HttpError(405, 'use GET');
      return this.backend.status();
    }
    if (first === 'faults' && rest.length === 1 && rest[0] === 'clear') {
      if (method !== 'POST') throw new HttpError(405, 'use POST');
      const body = await readJson(req);
      const evseId = body['evseId'];
      if (evseId !== undefined && (typeof evseId !== 'number' || !Number.isInteger(evseId) || evseId < 1)) throw new HttpError(400, 'evseId must be a positive integer or absent (all EVSEs)');
      const result = this.backend.clearFaults(evseId);
      if (evseId !== undefined && result.length === 0) throw new HttpError(404, `no EVSE ${evseId}`);
      this.log.notice(`local action: clear faults${evseId !== undefined ? ` on EVSE ${evseId}` : ''}: ${JSON.stringify(result)}`);
      return { evses: result };
    }
    if (first !== 'sim') throw new HttpError(404, 'not found');
    if (method !== 'POST') throw new HttpError(405, 'use POST');
    const body = await readJson(req);
    const sim = this.backend.simulation();
    const [kind, id, ...tail] = rest;
    if (!sim) throw new HttpError(409, 'the hardware is not simulated (gpio.driver is "sysfs")');
    if (kind === 'evses') {
      const evseId = positiveInt(id, 'evseId');
      if (!sim.hasEvse(evseId)) throw new HttpError(404, `no EVSE ${evseId}`);
      if (tail[0] === 'token' && tail.length === 1) return this.token(evseId, body);
      if (tail[0] === 'connectors' && tail.length === 3 && (tail[2] === 'plug' || tail[2] === 'unplug')) {
        const connectorId = positiveInt(tail[1], 'connectorId');
        if (!sim.hasConnector(evseId, connectorId)) throw new HttpError(404, `no connector ${connectorId} on EVSE ${evseId}`);
        const plugged = tail[2] === 'plug';
        return this.lever(() => sim.setPlugged(evseId, connectorId, plugged), { evseId, connectorId, plugged });
      }
      if (tail[0] === 'connectors' && tail.length === 3 && tail[2] === 'contactor') {
        const connectorId = positiveInt(tail[1], 'connectorId');
        if (!sim.hasConnector(evseId, connectorId)) throw new HttpError(404, `no connector ${connectorId} on EVSE ${evseId}`);
        const fault = oneOf(body['fault'], CONTACTOR_FAULTS, 'fault');
        return this.lever(() => sim.setContactorFault(evseId, connectorId, fault), { evseId, connectorId, contactor: fault });
      }
      if (tail[0] === 'meter' && tail.length === 1) {
        const fault = oneOf(body['fault'], METER_FAULTS, 'fault');
        return this.lever(() => sim.setMeterFault(evseId, fault), { evseId, meter: fault });
      }
      if (tail[0] === 'ev' && tail.length === 1) {
        const state = body['state'];
        const amps = body['currentA'];
        if (state === undefined && amps === undefined) throw new HttpError(400, 'give state ("charging" or "suspended") and/or currentA (amps per phase)');
        if (state !== undefined && state !== 'charging' && state !== 'suspended') throw new HttpError(400, 'state must be "charging" or "suspended"');
        if (amps !== undefined && !(Array.isArray(amps) && amps.length >= 1 && amps.length <= 3 && amps.every((a) => typeof a === 'number' && a >= 0 && a <= 1000))) {
          throw new HttpError(400, 'currentA must be an array of 1 to 3 numbers from 0 to 1000 (amps per phase)');
        }
        return this.lever(
          () => {
            if (amps !== undefined) sim.setEvCurrent(evseId, amps as number[]);
            if (state !== undefined) sim.setEvCharging(evseId, state === 'charging');
          },
          { evseId, ...(state !== undefined ? { ev: state } : {}), ...(amps !== undefined ? { currentA: amps } : {}) },
        );
      }
      throw new HttpError(404, 'not found');
    }
    if (kind === 'inputs' && id !== undefined && tail.length === 0) {
      const name = decodeURIComponent(id);
      if (!sim.hasInput(name)) throw new HttpError(404, `no input named "${name}"`);
      if (typeof body['active'] !== 'boolean') throw new HttpError(400, 'active must be true or false');
      sim.setInput(name, body['active']);
      return { ok: true, input: name, active: body['active'] };
    }
    throw new HttpError(404, 'not found');
  }

  /** Pulls a simulation lever; a lever the hardware lacks (no simulated meter) is a 409. */
  private lever(pull: () => void, result: object): object {
    try {
      pull();
    } catch (err) {
      throw new HttpError(409, (err as Error).message);
    }
    return { ok: true, ...result };
  }

  /** A card presented at the EVSE's (simulated) reader. */
  private async token(evseId: number, body: Record<string, unknown>): Promise<unknown> {
    const idToken = body['idToken'];
    const type = body['type'] ?? 'ISO14443';
    if (typeof idToken !== 'string' || idToken.length === 0 || idToken.length > 36) throw new HttpError(400, 'idToken must be a string of 1 to 36 characters');
    if (typeof type !== 'string' || !ID_TOKEN_TYPES.includes(type as IdTokenKind)) throw new HttpError(400, `type must be one of ${ID_TOKEN_TYPES.join(', ')}`);
    try {
      return await this.backend.presentIdToken(evseId, { idToken, type: type as IdTokenKind });
    } catch (err) {
      if (err instanceof RangeError) throw new HttpError(404, err.message);
      throw err;
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
