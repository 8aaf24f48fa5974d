import type { OcppVersion } from '../../src/config/station-config.js';
import { OcppSchemas } from '../../src/ocpp/rpc/ocpp-schemas.js';
import { RpcError, type RpcErrorCode } from '../../src/ocpp/rpc/rpc-errors.js';
import type { Logger } from '../../src/process/logger.js';
import { defaultAnswer, type AuthorizationStatus, type BootStatus, type DefaultAnswerContext } from './default-answers.js';
import type { DevCsmsStation, StationRecord } from './station-record.js';

/** Answers one request of a station with a response payload; throw RpcError to answer with a CALLERROR. */
export type AnswerFn = (payload: unknown, station: DevCsmsStation) => object | Promise<object>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Ready-made answers for `csms.answer(action, ...)`. */
export const answers = {
  /** BootNotification with this status and interval (Pending and Rejected: when to try again). */
  boot:
    (status: 'Accepted' | 'Pending' | 'Rejected', intervalS: number): AnswerFn =>
    () => ({ status, interval: intervalS, currentTime: new Date().toISOString() }),
  /** Authorize with this status, in the version's shape (2.0.1 idTokenInfo, 1.6 idTagInfo). */
  authorize:
    (status: string): AnswerFn =>
    (_payload, station) => (station.version === '2.0.1' ? { idTokenInfo: { status } } : { idTagInfo: { status } }),
  /** A CALLERROR, its code spelled for the connection's version. */
  callError:
    (code: RpcErrorCode, description = 'answer programmed by the test'): AnswerFn =>
    () => {
      throw new RpcError(code, description);
    },
  /** Never answers: for the station's timeouts. */
  never: (): AnswerFn => () => new Promise<never>(() => undefined),
  /** Answers after ms, with a fixed payload or another answer. */
  delayed:
    (ms: number, answer: AnswerFn | object): AnswerFn =>
    async (payload, station) => {
      await sleep(ms);
      return typeof answer === 'function' ? (answer as AnswerFn)(payload, station) : answer;
    },
};

/** The settings the default answers read, as DevCsms holds them: tests may change them at any time. */
export interface AnswerSettings {
  readonly heartbeatIntervalS: number;
  readonly blockedIdTokens: ReadonlySet<string>;
  readonly invalidIdTokens: ReadonlySet<string>;
  readonly rejectedBoots: ReadonlySet<string>;
  readonly pendingBoots: ReadonlySet<string>;
}

/** How the development CSMS answers the stations' requests: as a test programmed, else the default way. */
export class ProgrammedAnswers {
  private readonly overrides = new Map<string, AnswerFn>();
  private readonly answerContext: DefaultAnswerContext;
  private nextTransactionId = 1;

  constructor(
    private readonly settings: AnswerSettings,
    private readonly versions: readonly OcppVersion[],
    private readonly log: Logger,
  ) {
    this.answerContext = {
      heartbeatIntervalS: () => this.settings.heartbeatIntervalS,
      authorize: (idToken) => this.authorizationOf(idToken),
      nextTransactionId: () => this.nextTransactionId++,
      now: () => new Date(),
    };
  }

  /** Answers the stations' `action` with `answer` from now on, instead of the default (see DevCsms.answer). */
  program(action: string, answer: AnswerFn | object): void {
    if (!this.versions.some((v) => OcppSchemas.for(v).actions.has(action))) {
      throw new Error(`${action} is not an action of OCPP ${this.versions.join(' or ')}`);
    }
    this.overrides.set(action, typeof answer === 'function' ? (answer as AnswerFn) : () => answer);
  }

  /** Back to the default answers. */
  clear(): void {
    this.overrides.clear();
  }

  /** A schema-valid request from the station: the programmed answer or the default one. */
  async answerRequest(station: StationRecord, version: OcppVersion, action: string, payload: unknown): Promise<object> {
    const override = this.overrides.get(action);
    const context = { ...this.answerContext, bootStatus: () => this.bootStatusOf(station.identity) };
    const response = override ? await override(payload, station) : defaultAnswer(version, action, payload, context);
    if (response === undefined) throw new RpcError('NotSupported', `the development CSMS does not take ${action}`);
    // An invalid programmed answer goes out as InternalError (the endpoint checks): the state must not follow it.
    if (OcppSchemas.for(version).validate(action, 'response', response).ok) {
      try {
        station.model.apply(version, action, payload, response, new Date());
      } catch (err) {
        this.log.error(`${station.identity}: state not updated from ${action}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return response;
  }

  private bootStatusOf(identity: string): BootStatus {
    if (this.settings.rejectedBoots.has(identity)) return 'Rejected';
    return this.settings.pendingBoots.has(identity) ? 'Pending' : 'Accepted';
  }

  private authorizationOf(idToken: string): AuthorizationStatus {
    if (this.settings.blockedIdTokens.has(idToken)) return 'Blocked';
    if (this.settings.invalidIdTokens.has(idToken)) return 'Invalid';
    return 'Accepted';
  }
}
