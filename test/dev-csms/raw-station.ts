import type http from 'node:http';
import WebSocket from 'ws';
export { capturingLogger } from '../helpers/logging.js';

/**
 * A station reduced to a WebSocket and JSON arrays, so tests can send exactly the frames they
 * mean, malformed ones included, and see exactly what the CSMS answers.
 */

export type Frame = unknown[];

export class RawStation {
  private nextId = 1;
  private readonly answerWaiters = new Map<string, (frame: Frame) => void>();
  private readonly answers = new Map<string, Frame>();
  private readonly calls: Frame[] = [];
  private readonly callWaiters: Array<(frame: Frame) => void> = [];
  /** Every frame received, parsed (unparseable ones as their text). */
  readonly received: unknown[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = String(data);
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch {
        frame = text;
      }
      this.received.push(frame);
      if (!Array.isArray(frame)) return;
      const [type, id] = frame as Frame;
      if (type === 2) {
        const waiter = this.callWaiters.shift();
        if (waiter) waiter(frame);
        else this.calls.push(frame);
      } else if (typeof id === 'string') {
        const waiter = this.answerWaiters.get(id);
        this.answerWaiters.delete(id);
        if (waiter) waiter(frame);
        else this.answers.set(id, frame);
      }
    });
    socket.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    socket.on('error', () => undefined);
  }

  /** Connects and resolves once open, whatever subprotocol the server agreed (maybe none). */
  static connect(url: string, protocols: string[], headers: Record<string, string> = {}): Promise<RawStation> {
    const socket = new WebSocket(url, protocols, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new RawStation(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res: http.IncomingMessage) => reject(new Error(`HTTP ${res.statusCode ?? '?'}`)));
    });
  }

  /** How a connection attempt fails: the HTTP status, or ws' error message. */
  static async refusal(url: string, protocols: string[], headers: Record<string, string> = {}): Promise<{ status?: number; message: string; wwwAuthenticate?: string }> {
    const socket = new WebSocket(url, protocols, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => {
        socket.terminate();
        reject(new Error(`connected with subprotocol "${socket.protocol}"`));
      });
      socket.once('unexpected-response', (_req, res: http.IncomingMessage) => {
        const header = res.headers['www-authenticate'];
        resolve({ status: res.statusCode, message: `HTTP ${res.statusCode ?? '?'}`, ...(header ? { wwwAuthenticate: header } : {}) });
        socket.terminate();
      });
      socket.once('error', (err) => resolve({ message: err.message }));
    });
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  /** Sends a CALL and resolves with the answering frame, CALLRESULT or CALLERROR. */
  call(action: string, payload: unknown, timeoutMs = 3000): Promise<Frame> {
    const id = `m${this.nextId++}`;
    this.send(JSON.stringify([2, id, action, payload]));
    return this.answer(id, timeoutMs);
  }

  /** The answer to the message with this id. */
  answer(id: string, timeoutMs = 3000): Promise<Frame> {
    const ready = this.answers.get(id);
    if (ready) {
      this.answers.delete(id);
      return Promise.resolve(ready);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.answerWaiters.delete(id);
        reject(new Error(`no answer to ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.answerWaiters.set(id, (frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
    });
  }

  /** Resolves true when an answer to `id` arrives within ms, false otherwise. */
  async answered(id: string, ms: number): Promise<boolean> {
    try {
      await this.answer(id, ms);
      return true;
    } catch {
      return false;
    }
  }

  send(text: string): void {
    this.socket.send(text);
  }

  /** The next CALL from the CSMS. */
  nextCall(timeoutMs = 3000): Promise<Frame> {
    const ready = this.calls.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const waiter = (frame: Frame): void => {
        clearTimeout(timer);
        resolve(frame);
      };
      const timer = setTimeout(() => {
        this.callWaiters.splice(this.callWaiters.indexOf(waiter), 1);
        reject(new Error(`no CALL from the CSMS within ${timeoutMs} ms`));
      }, timeoutMs);
      this.callWaiters.push(waiter);
    });
  }

  /** Whether a CALL from the CSMS is waiting to be read. */
  get pendingCalls(): number {
    return this.calls.length;
  }

  respond(messageId: unknown, payload: object): void {
    this.send(JSON.stringify([3, messageId, payload]));
  }

  respondError(messageId: unknown, code: string, description = ''): void {
    this.send(JSON.stringify([4, messageId, code, description, {}]));
  }

  /** Resolves when the server has closed the connection. */
  async whenClosed(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('the connection was not closed');
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.closed;
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}


const at = '2025-01-01T12:00:00.000Z';

/** A valid request of each message a 2.0.1 station sends. */
export const STATION_MESSAGES_2_0_1: Record<string, object> = {
  BootNotification: { reason: 'PowerUp', chargingStation: { vendorName: 'evse-agent', model: 'SIM', serialNumber: 'S-1', firmwareVersion: '0.1.0' } },
  Heartbeat: {},
  StatusNotification: { timestamp: at, connectorStatus: 'Available', evseId: 1, connectorId: 1 },
  Authorize: { idToken: { idToken: 'TOKEN-1', type: 'ISO14443' } },
  TransactionEvent: {
    eventType: 'Started',
    timestamp: at,
    triggerReason: 'Authorized',
    seqNo: 0,
    transactionInfo: { transactionId: 'tx-0001', chargingState: 'Charging' },
    evse: { id: 1, connectorId: 1 },
    idToken: { idToken: 'TOKEN-1', type: 'ISO14443' },
    meterValue: [{ timestamp: at, sampledValue: [{ value: 12345, measurand: 'Energy.Active.Import.Register', context: 'Transaction.Begin' }] }],
  },
  MeterValues: { evseId: 1, meterValue: [{ timestamp: at, sampledValue: [{ value: 12.5, unitOfMeasure: { unit: 'kWh' } }] }] },
  NotifyReport: {
    requestId: 1,
    generatedAt: at,
    seqNo: 0,
    reportData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, variableAttribute: [{ value: '300' }] }],
  },
  NotifyEvent: {
    generatedAt: at,
    seqNo: 0,
    eventData: [
      {
        eventId: 1,
        timestamp: at,
        trigger: 'Delta',
        actualValue: 'Occupied',
        eventNotificationType: 'HardWiredNotification',
        component: { name: 'Connector', evse: { id: 1, connectorId: 1 } },
        variable: { name: 'AvailabilityState' },
      },
    ],
  },
  SecurityEventNotification: { type: 'StartupOfTheDevice', timestamp: at },
  FirmwareStatusNotification: { status: 'Idle' },
  LogStatusNotification: { status: 'Idle' },
  DataTransfer: { vendorId: 'com.example', messageId: 'hello' },
};

/** A valid request of each message a 1.6 charge point sends (StopTransaction needs the id: see the tests). */
export const STATION_MESSAGES_1_6: Record<string, object> = {
  BootNotification: { chargePointVendor: 'evse-agent', chargePointModel: 'SIM', chargePointSerialNumber: 'S-1' },
  Heartbeat: {},
  StatusNotification: { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: at },
  Authorize: { idTag: 'TOKEN-1' },
  StartTransaction: { connectorId: 1, idTag: 'TOKEN-1', meterStart: 1000, timestamp: at },
  MeterValues: { connectorId: 1, meterValue: [{ timestamp: at, sampledValue: [{ value: '1500' }] }] },
  DataTransfer: { vendorId: 'com.example' },
  DiagnosticsStatusNotification: { status: 'Idle' },
  FirmwareStatusNotification: { status: 'Idle' },
};
