import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Secret } from '../config/station-config.js';
import type { Logger } from '../process/logger.js';
import type { FaultClearing, TokenResult } from '../station/station.js';
import type { IdToken } from '../station/types.js';
import { bearerProblem } from './bearer-auth.js';
import { HttpError, positiveInt, readJson, requireMethod } from './http-util.js';
import { simRoute, type SimulationLevers } from './sim-routes.js';

export { CONTACTOR_FAULTS, METER_FAULTS, type ContactorFaultName, type MeterFaultName, type SimulationLevers } from './sim-routes.js';

/**
 * The local HTTP API: the station's status, the sessions that ended, stopping a transaction as an operator at the station
 * would, the local "clear faults" action, and with simulated hardware the simulation's levers
 * (plug, EV, card reader, fault inputs, contactor and meter faults). Loopback by default
 * (api.listen); with api.token every request needs it. These paths are a fixed interface that
 * other tools use.
 */

/** What a local stop did: the transaction it ended, by the core's id and the CSMS's. */
export interface LocalStop {
  transactionId: string;
  /** 1.6: the integer the CSMS knows the transaction by. */
  csmsTransactionId?: number | string;
  evseId: number;
}

/** What the API needs of the agent. */
export interface ApiBackend {
  status(): object;
  presentIdToken(evseId: number, idToken: IdToken): Promise<TokenResult>;
  /** The local "clear faults" action (all EVSEs when evseId is undefined). */
  clearFaults(evseId?: number): FaultClearing[];
  /** Ends a running transaction named by the core's id or the CSMS's; undefined when none runs by that id. */
  stopTransaction(id: string): LocalStop | undefined;
  /** Undefined when the hardware is real: the simulation endpoints then answer 409. */
  simulation(): SimulationLevers | undefined;
  /** The ended sessions, newest first, at most `limit` (all kept when undefined); absent: none are kept. */
  sessions?(limit: number | undefined): readonly object[];
}

export interface HttpApiOptions {
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: Secret;
  /** Which optional routes exist; absent ones answer 404 as any unknown path. */
  routes: { simulation: boolean; faultClearing: boolean };
}

export class HttpApi {
  private server: http.Server | undefined;

  constructor(
    private readonly backend: ApiBackend,
    private readonly log: Logger,
    private readonly options: HttpApiOptions,
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
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
      res.end(`${JSON.stringify(body, null, 2)}\n`);
    };
    try {
      this.authenticate(req);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const parts = url.pathname.split('/').filter(Boolean);
      send(200, await this.route(req, parts, url.searchParams));
    } catch (err) {
      if (err instanceof HttpError) send(err.status, { error: err.message }, err.headers);
      else {
        this.log.error(`API ${req.method} ${req.url}: ${(err as Error).message}`);
        send(500, { error: 'internal error' });
      }
    }
  }

  /** RFC 6750: a missing or wrong token is a 401 with a challenge; which it was is only logged. */
  private authenticate(req: http.IncomingMessage): void {
    const token = this.options.token;
    if (!token) return;
    const problem = bearerProblem(req.headers.authorization, token);
    if (!problem) return;
    this.log.warning(`API ${req.method} ${req.url} from ${req.socket.remoteAddress ?? '?'} refused: ${problem}`);
    const challenge = req.headers.authorization === undefined ? 'Bearer realm="evse-agent"' : 'Bearer realm="evse-agent", error="invalid_token"';
    throw new HttpError(401, 'a valid bearer token is required (Authorization: Bearer <api.token>)', { 'www-authenticate': challenge });
  }

  private async route(req: http.IncomingMessage, parts: string[], query: URLSearchParams): Promise<unknown> {
    const [api, first, ...rest] = parts;
    if (api !== 'api') throw new HttpError(404, 'not found');
    if (first === 'status' && rest.length === 0) {
      requireMethod(req, 'GET');
      return this.backend.status();
    }
    if (first === 'sessions' && rest.length === 0) {
      requireMethod(req, 'GET');
      const limit = query.has('limit') ? positiveInt(query.get('limit') ?? undefined, 'limit') : undefined;
      return { sessions: this.backend.sessions?.(limit) ?? [] };
    }
    if (first === 'transactions' && rest.length === 2 && rest[1] === 'stop') {
      requireMethod(req, 'POST');
      return this.stop(decodeURIComponent(rest[0]!));
    }
    if (first === 'faults' && rest.length === 1 && rest[0] === 'clear' && this.options.routes.faultClearing) {
      requireMethod(req, 'POST');
      return this.clearFaults(await readJson(req));
    }
    if (first !== 'sim' || !this.options.routes.simulation) throw new HttpError(404, 'not found');
    requireMethod(req, 'POST');
    const body = await readJson(req);
    return simRoute(rest, body, this.backend.simulation(), (evseId, token) => this.backend.presentIdToken(evseId, token));
  }

  /** A local stop (stop reason Local), by the core's transaction id or, under 1.6, the CSMS's integer. */
  private stop(id: string): object {
    const stopped = this.backend.stopTransaction(id);
    if (!stopped) throw new HttpError(404, `no running transaction "${id}" (give the id /api/status shows, or under OCPP 1.6 the CSMS's integer transactionId)`);
    this.log.notice(`local action: stop transaction ${stopped.transactionId}${stopped.csmsTransactionId !== undefined ? ` (CSMS ${stopped.csmsTransactionId})` : ''} on EVSE ${stopped.evseId}`);
    return { ok: true, ...stopped };
  }

  private clearFaults(body: Record<string, unknown>): object {
    const evseId = body['evseId'];
    if (evseId !== undefined && (typeof evseId !== 'number' || !Number.isInteger(evseId) || evseId < 1)) throw new HttpError(400, 'evseId must be a positive integer or absent (all EVSEs)');
    const result = this.backend.clearFaults(evseId);
    if (evseId !== undefined && result.length === 0) throw new HttpError(404, `no EVSE ${evseId}`);
    this.log.notice(`local action: clear faults${evseId !== undefined ? ` on EVSE ${evseId}` : ''}: ${JSON.stringify(result)}`);
    return { evses: result };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
