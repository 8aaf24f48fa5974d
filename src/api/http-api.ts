import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Secret } from '../config/station-config.js';
import type { Logger } from '../process/logger.js';
import type { FaultClearing, TokenResult } from '../station/station.js';
import type { IdToken } from '../station/types.js';
import type { SessionView } from '../services/session-history/index.js';
import { requestTokenProblem } from './bearer-auth.js';
import { EventStream, type EventStreamOptions, type LiveFeed } from './event-stream.js';
import { HttpError, positiveInt, readJson, requireMethod } from './http-util.js';
import { loggableRequestPath } from './masking.js';
import type { OcpiLocationAnswer } from './ocpi-location.js';
import { sessionsCsv } from './session-csv.js';
import { sessionFilterOf, type SessionFilter } from './session-query.js';
import { simRoute, type SimulationLevers } from './sim-routes.js';
import { StaticFiles } from './static-files.js';

export { CONTACTOR_FAULTS, METER_FAULTS, type ContactorFaultName, type MeterFaultName, type SimulationLevers } from './sim-routes.js';

/**
 * The local HTTP API: the station's status, the sessions that ended, stopping a transaction as an operator at the station
 * would, the local "clear faults" action, and with simulated hardware the simulation's levers
 * (plug, EV, card reader, fault inputs, contactor and meter faults); the status page (issue 16:
 * its files at /, its live feed at /api/events, the session detail and CSV, the installer view).
 * Loopback by default (api.listen); with api.token every /api/ request (and /metrics) needs it,
 * the page's files never (they hold no data). These paths are a fixed interface that other tools use.
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
  /** The ended sessions, newest first, at most `limit` (all kept when undefined), filtered (issue 17); absent: none are kept. */
  sessions?(limit: number | undefined, filter?: SessionFilter): readonly SessionView[];
  /** How many sessions the filter finds before paging. */
  sessionCount?(filter: SessionFilter): number;
  /** One ended session in full (GET /api/sessions/{id}); undefined when none is kept by that id. */
  session?(transactionId: string): object | undefined;
  /** The status page's live feed (GET /api/events); absent: 404. */
  live?: LiveFeed;
  /** The installer view (GET /api/installer); absent: 404. */
  installer?(): object;
  /** GET /api/ocpi/location (issue 17): the OCPI Location with live EVSE statuses; absent: 404. */
  ocpiLocation?(): OcpiLocationAnswer;
  /** GET /metrics (Prometheus text format); absent: 404. */
  metrics?(): Promise<{ contentType: string; body: string }>;
}

export interface HttpApiOptions {
  /** When set, every /api/ and /metrics request must carry it (`Authorization: Bearer <token>` or `?token=`); the page's files never. */
  token?: Secret;
  /** Which optional routes exist; absent ones answer 404 as any unknown path. */
  routes: { simulation: boolean; faultClearing: boolean };
  /** The page's folder (tests); src/web in the package by default. */
  webDir?: string;
  /** The live feed's timing (tests). */
  events?: EventStreamOptions;
}

export class HttpApi {
  private server: http.Server | undefined;
  private readonly staticFiles: StaticFiles;
  private readonly events: EventStream | undefined;

  constructor(
    private readonly backend: ApiBackend,
    private readonly log: Logger,
    private readonly options: HttpApiOptions,
  ) {
    this.staticFiles = new StaticFiles(options.webDir);
    this.events = backend.live ? new EventStream(backend.live, options.events) : undefined;
  }

  /** Pages following the live feed now. */
  get liveClients(): number {
    return this.events?.clientCount ?? 0;
  }

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
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (StaticFiles.isPagePath(url.pathname)) return this.staticFiles.serve(req, res, url.pathname);
      this.authenticate(req, url.searchParams);
      if (await this.stream(req, res, url.pathname, url.searchParams)) return;
      const parts = url.pathname.split('/').filter(Boolean);
      send(200, await this.route(req, parts, url.searchParams));
    } catch (err) {
      if (res.headersSent) res.destroy();
      else if (err instanceof HttpError) send(err.status, { error: err.message }, err.headers);
      else {
        this.log.error(`API ${req.method} ${loggableRequestPath(req.url ?? '/')}: ${(err as Error).message}`);
        send(500, { error: 'internal error' });
      }
    }
  }

  /** The answers that are not JSON: the live feed, the sessions' CSV, the metrics; false for any other path. */
  private async stream(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, query: URLSearchParams): Promise<boolean> {
    if (pathname === '/api/events') {
      requireMethod(req, 'GET');
      if (!this.events) throw new HttpError(404, 'not found');
      this.events.open(req, res);
      return true;
    }
    if (pathname === '/api/sessions.csv') {
      requireMethod(req, 'GET');
      const csv = sessionsCsv(this.backend.sessions?.(undefined, sessionFilterOf(query)) ?? []);
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8; header=present', 'content-disposition': 'attachment; filename="sessions.csv"', 'cache-control': 'no-store' });
      res.end(csv);
      return true;
    }
    if (pathname === '/metrics') {
      requireMethod(req, 'GET');
      if (!this.backend.metrics) throw new HttpError(404, 'not found');
      const { contentType, body } = await this.backend.metrics();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
      return true;
    }
    return false;
  }

  /**
   * RFC 6750: a missing or wrong token is a 401 with a challenge; which it was is only logged. The
   * token comes in the Authorization header or as ?token= (the page's EventSource cannot set headers).
   */
  private authenticate(req: http.IncomingMessage, query: URLSearchParams): void {
    const token = this.options.token;
    if (!token) return;
    const problem = requestTokenProblem(req.headers.authorization, query.get('token'), token);
    if (!problem) return;
    this.log.warning(`API ${req.method} ${loggableRequestPath(req.url ?? '/')} from ${req.socket.remoteAddress ?? '?'} refused: ${problem}`);
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
      const filter = sessionFilterOf(query);
      const total = this.backend.sessionCount?.(filter);
      return { sessions: this.backend.sessions?.(limit, filter) ?? [], ...(total !== undefined ? { total, offset: filter.offset ?? 0 } : {}) };
    }
    if (first === 'sessions' && rest.length === 1) {
      requireMethod(req, 'GET');
      const id = decodeURIComponent(rest[0]!);
      const session = this.backend.session?.(id);
      if (!session) throw new HttpError(404, `no kept session "${id}"`);
      return session;
    }
    if (first === 'installer' && rest.length === 0 && this.backend.installer) {
      requireMethod(req, 'GET');
      return this.backend.installer();
    }
    if (first === 'ocpi' && rest.length === 1 && rest[0] === 'location' && this.backend.ocpiLocation) {
      requireMethod(req, 'GET');
      const answer = this.backend.ocpiLocation();
      // 409: the route exists, the config's ocpi section lacks what a Location needs.
      if ('missingKeys' in answer) throw new HttpError(409, `no OCPI location: the config's ocpi needs ${answer.missingKeys.join(', ')}`);
      return answer.location;
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
    this.events?.close();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
