import { BehaviorSubject, Subject } from 'rxjs';
import type WebSocket from 'ws';
import { silentLogger, type Logger } from '../process/logger.js';
import { systemClock, type Clock, type TimerHandle } from '../station/clock.js';
import { OcppSchemas } from './rpc/ocpp-schemas.js';
import { RpcEndpoint, type CallHandler, type CallOptions, type IncomingCallCheck } from './rpc/rpc-endpoint.js';
import { NotConnected } from './rpc/rpc-errors.js';
import {
  closeWebSocket,
  frameByteLength,
  frameText,
  openOcppWebSocket,
  TransportRefused,
  watchLiveness,
  type OcppWebSocketOptions,
} from './transport/ocpp-websocket.js';
import { classifyConnectionError, type ConnectionFailure } from './transport/connection-failure.js';
import { reconnectDelayMs, type BackoffSettings } from './transport/reconnect-backoff.js';

export interface OcppClientOptions extends OcppWebSocketOptions {
  /** The §5.3 back-off settings, read before every retry: the CSMS may change them. */
  backoff: () => BackoffSettings;
  /** WebSocketPingInterval (§8.4), read at every ping; 0 disables our pings. */
  pingIntervalS: () => number;
  /** How long a CALL waits for its answer, read when it is sent. */
  callTimeoutMs: () => number;
  log?: Logger | undefined;
  /** Time for the reconnect back-off and the calls' timeouts; the system clock by default. */
  clock?: Clock;
  /** Sees every text frame received ('in') and sent ('out'), e.g. for the diagnostics' frame ring. */
  onFrame?: ((direction: 'in' | 'out', text: string) => void) | undefined;
  /**
   * The connection settings of each attempt (URL, security profile, password, TLS files), read at
   * every attempt over the options above: the network profiles choose them (B10 fallback, A05).
   */
  attemptOptions?: (() => Partial<OcppWebSocketOptions>) | undefined;
  /** See RpcEndpointOptions.beforeAnswer: answers wait until what their handler wrote is on disk. */
  beforeAnswer?: (() => Promise<void>) | undefined;
}

/**
 * The station's OCPP-J connection to its CSMS: keeps one WebSocket open (Part 4 §3.1), with an
 * RpcEndpoint per connection, and reconnects with the §5.3 back-off whenever it is lost or cannot
 * be made, from the very first attempt on. Handlers stay registered across reconnects; calls made
 * while disconnected fail at once with NotConnected (queuing for later is the caller's business).
 */
export class OcppClient {
  /** True while a connection is open and its subprotocol agreed. */
  readonly connected$ = new BehaviorSubject<boolean>(false);
  /**
   * Every failed connection attempt, classified (a CSMS certificate that did not verify, HTTP 401,
   * ...), for the OCPP adapter to raise what its version asks (2.0.1: security events). Attempts
   * that stop() or reconnect() cancelled are not failures.
   */
  readonly connectionFailures$ = new Subject<ConnectionFailure>();
  /** Each frame from the CSMS that is not a valid OCPP CALL, and each valid CALL (the InvalidMessages security event). */
  readonly incomingCalls$ = new Subject<IncomingCallCheck>();
  private options: OcppClientOptions;
  private readonly log: Logger;
  private readonly handlers = new Map<string, CallHandler>();
  private running = false;
  private socket: WebSocket | undefined;
  private endpoint: RpcEndpoint | undefined;
  private stopWatchingLiveness: (() => void) | undefined;
  private attemptAbort: AbortController | undefined;
  private retryTimer: TimerHandle | undefined;
  /** Failed attempts since the last connection: how far the back-off has doubled. */
  private retries = 0;
  /** A connection was lost (not dropped on purpose) and none has been made since. */
  private lost = false;
  /** A reconnection waits for the answers on their way. */
  private reconnecting = false;
  #reconnectCount = 0;
  #lastFrameAtMs: number | undefined;

  private readonly clock: Clock;

  constructor(options: OcppClientOptions) {
    this.options = { ...options };
    this.log = options.log ?? silentLogger;
    this.clock = options.clock ?? systemClock;
  }

  get isConnected(): boolean {
    return this.connected$.value;
  }

  /** How often a connection was made again after one was lost, since this client was made (a health value for monitors). */
  /** When the last OCPP frame went either way (ms since the epoch, on the client's clock); undefined before the first. */
  get lastFrameAtMs(): number | undefined {
    return this.#lastFrameAtMs;
  }

  get reconnectCount(): number {
    return this.#reconnectCount;
  }

  /** Registers the handler of the CSMS' CALLs of `action`, for this and every later connection. */
  handle(action: string, handler: CallHandler): void {
    if (!OcppSchemas.for(this.options.version).actions.has(action)) {
      throw new Error(`${action} is not an OCPP ${this.options.version} action`);
    }
    this.handlers.set(action, handler);
    this.endpoint?.handle(action, handler);
  }

  /** Sends a CALL on the current connection; see RpcEndpoint.call. */
  call(action: string, payload: object, options?: CallOptions): Promise<unknown> {
    if (!this.endpoint) return Promise.reject(new NotConnected(action));
    return this.endpoint.call(action, payload, options);
  }

  /** Connects now, and keeps connected until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.retries = 0;
    void this.attempt();
  }

  /** Closes the connection and stops reconnecting; calls in flight fail with NotConnected. */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelAttempts();
    const socket = this.dropConnection();
    if (socket) await closeWebSocket(socket, undefined, this.clock);
  }

  /**
   * Drops the connection and connects again at once, with `changes` applied (a new URL or
   * password after the CSMS changed them). Before start(), only records the changes.
   */
  reconnect(changes: Partial<OcppClientOptions> = {}): void {
    this.options = { ...this.options, ...changes };
    if (!this.running || this.reconnecting) return;
    // An answer on its way (it may wait for the disk) goes out on this connection first.
    const answering = this.endpoint?.answersOut();
    if (answering) {
      this.reconnecting = true;
      void answering.then(() => {
        this.reconnecting = false;
        if (this.running) this.reconnectNow();
      });
      return;
    }
    this.reconnectNow();
  }

  private reconnectNow(): void {
    this.log.info('reconnecting at once');
    this.cancelAttempts();
    this.retries = 0;
    const old = this.dropConnection();
    if (old) void closeWebSocket(old, undefined, this.clock);
    void this.attempt();
  }

  private async attempt(): Promise<void> {
    this.retryTimer = undefined;
    const abort = new AbortController();
    this.attemptAbort = abort;
    const options = { ...this.options, ...this.options.attemptOptions?.() };
    this.log.info(`connecting to ${options.url} as ${options.identity} (OCPP ${options.version}, security profile ${options.securityProfile})`);
    let socket: WebSocket;
    try {
      socket = await openOcppWebSocket(options, this.log, abort.signal);
    } catch (err) {
      if (abort.signal.aborted) return; // stop() or reconnect() took over
      this.attemptAbort = undefined;
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof TransportRefused) this.log.error(`not connecting: ${message}`);
      else this.log.warning(`connection failed: ${message}`);
      this.reportFailure(options.url, err, message);
      this.scheduleRetry();
      return;
    }
    this.attemptAbort = undefined;
    if (abort.signal.aborted || !this.running) {
      socket.terminate();
      return;
    }
    this.adopt(socket, options.url);
  }

  private adopt(socket: WebSocket, url: string): void {
    this.retries = 0;
    if (this.lost) this.#reconnectCount += 1;
    this.lost = false;
    const endpoint = new RpcEndpoint({
      version: this.options.version,
      send: (text) => {
        if (socket.readyState !== socket.OPEN) throw new Error('the connection is closing');
        socket.send(text, (err) => {
          if (err) this.log.warning(`sending failed: ${err.message}`);
        });
        this.noteFrame('out', text);
      },
      callTimeoutMs: this.options.callTimeoutMs,
      // Answer first, then act, for every action: no handler waits for a CALL of its own, and
      // none should take longer than the CSMS waits for its answer.
      holdCallsWhileAnsweringMs: this.options.callTimeoutMs,
      beforeAnswer: this.options.beforeAnswer,
      log: this.log,
      clock: this.clock,
      onIncomingCall: (check) => this.incomingCalls$.next(check),
    });
    for (const [action, handler] of this.handlers) {
      try {
        endpoint.handle(action, handler);
      } catch (err) {
        this.log.error(`handler of ${action} not registered: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    socket.on('message', (data) => {
      const text = frameText(data, this.log);
      this.noteFrame('in', text);
      endpoint.receive(text, frameByteLength(data));
    });
    socket.once('close', (code, reason) => {
      if (this.socket !== socket) return; // dropped on purpose by stop() or reconnect()
      this.log.warning(`connection lost (${code}${reason.length ? ` ${reason.toString('utf8')}` : ''})`);
      this.lost = true;
      this.dropConnection();
      if (this.running) this.scheduleRetry();
    });
    this.socket = socket;
    this.endpoint = endpoint;
    this.stopWatchingLiveness = watchLiveness(socket, this.options.pingIntervalS, this.log, this.clock);
    this.log.notice(`connected to ${url} (${socket.protocol})`);
    this.connected$.next(true);
  }

  /** Hands a frame to onFrame; a failing observer must not break the connection. */
  private noteFrame(direction: 'in' | 'out', text: string): void {
    this.#lastFrameAtMs = this.clock.nowMs();
    try {
      this.options.onFrame?.(direction, text);
    } catch (err) {
      this.log.warning(`the frame observer failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private reportFailure(url: string, err: unknown, message: string): void {
    let host: string;
    try {
      host = new URL(url).host;
    } catch {
      host = url;
    }
    const { kind, code } = classifyConnectionError(err);
    try {
      this.connectionFailures$.next({ kind, code, host, message, at: this.clock.now() });
    } catch (e) {
      this.log.error(`a connection failure listener failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Forgets the current connection, failing its calls; returns its socket for closing. */
  private dropConnection(): WebSocket | undefined {
    const socket = this.socket;
    this.stopWatchingLiveness?.();
    this.stopWatchingLiveness = undefined;
    this.endpoint?.connectionLost();
    this.endpoint = undefined;
    this.socket = undefined;
    if (this.connected$.value) this.connected$.next(false);
    return socket;
  }

  private cancelAttempts(): void {
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    this.attemptAbort?.abort();
    this.attemptAbort = undefined;
  }

  private scheduleRetry(): void {
    const delayMs = reconnectDelayMs(this.retries, this.options.backoff());
    this.retries += 1;
    this.log.info(`next connection attempt in ${(delayMs / 1000).toFixed(1)} s`);
    this.retryTimer = this.clock.setTimeout(() => void this.attempt(), delayMs);
  }
}
