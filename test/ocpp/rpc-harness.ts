import assert from 'node:assert/strict';
import type { OcppVersion } from '../../src/config/station-config.js';
import { RpcEndpoint, type CallHandler } from '../../src/ocpp/rpc/rpc-endpoint.js';
import { FakeClock } from '../../src/station/clock.js';
import { capturingLogger } from '../helpers/logging.js';

/** What the RPC endpoint tests share: both versions' valid messages and wire codes, an endpoint with recording handlers, frame checks. */

export const VERSIONS: OcppVersion[] = ['2.0.1', '1.6'];

/** The codes each version puts on the wire, spelled out here rather than derived from the code under test. */
export const WIRE = {
  '2.0.1': {
    frame: 'RpcFrameworkError',
    format: 'FormatViolation',
    occurrence: 'OccurrenceConstraintViolation',
    property: 'PropertyConstraintViolation',
    type: 'TypeConstraintViolation',
    notImplemented: 'NotImplemented',
    notSupported: 'NotSupported',
    internal: 'InternalError',
    security: 'SecurityError',
  },
  '1.6': {
    frame: 'FormationViolation',
    format: 'FormationViolation',
    occurrence: 'OccurenceConstraintViolation',
    property: 'PropertyConstraintViolation',
    type: 'TypeConstraintViolation',
    notImplemented: 'NotImplemented',
    notSupported: 'NotSupported',
    internal: 'InternalError',
    security: 'SecurityError',
  },
} as const;

/** Table 8 of Part 4 §4.3 and table 7 of OCPP-J 1.6 §4.2.3 (with the errata's kept spellings). */
export const VALID_WIRE_CODES: Record<OcppVersion, string[]> = {
  '2.0.1': [
    'FormatViolation',
    'GenericError',
    'InternalError',
    'MessageTypeNotSupported',
    'NotImplemented',
    'NotSupported',
    'OccurrenceConstraintViolation',
    'PropertyConstraintViolation',
    'ProtocolError',
    'RpcFrameworkError',
    'SecurityError',
    'TypeConstraintViolation',
  ],
  '1.6': [
    'NotImplemented',
    'NotSupported',
    'InternalError',
    'ProtocolError',
    'SecurityError',
    'FormationViolation',
    'PropertyConstraintViolation',
    'OccurenceConstraintViolation',
    'TypeConstraintViolation',
    'GenericError',
  ],
};

export const NOW = '2025-01-01T00:00:00.000Z';

/** Request payloads valid in each version. */
export const VALID = {
  '2.0.1': {
    reset: { type: 'Immediate' },
    unlock: { evseId: 1, connectorId: 1 },
    boot: { reason: 'PowerUp', chargingStation: { model: 'M1', vendorName: 'V' } },
    bootResponse: { currentTime: NOW, interval: 300, status: 'Accepted' },
  },
  '1.6': {
    reset: { type: 'Soft' },
    unlock: { connectorId: 1 },
    boot: { chargePointVendor: 'V', chargePointModel: 'M1' },
    bootResponse: { currentTime: NOW, interval: 300, status: 'Accepted' },
  },
} as const;


export interface Harness {
  endpoint: RpcEndpoint;
  /** Frames the endpoint sent, parsed. */
  sent: unknown[][];
  raw: string[];
  logs: string[];
  /** Payloads the handlers were called with, by action. */
  handled: Array<{ action: string; payload: unknown; messageId: string }>;
  /** The endpoint's time: call timeouts fire only when it is advanced. */
  clock: FakeClock;
}

export function harness(version: OcppVersion, extraHandlers: Record<string, CallHandler> = {}, callTimeoutMs = 2000): Harness {
  const raw: string[] = [];
  const logs: string[] = [];
  const handled: Harness['handled'] = [];
  const clock = new FakeClock();
  const endpoint = new RpcEndpoint({ version, send: (t) => raw.push(t), callTimeoutMs: () => callTimeoutMs, log: capturingLogger(logs), clock });
  const record =
    (result: object): CallHandler =>
    (payload, ctx) => {
      handled.push({ action: ctx.action, payload, messageId: ctx.messageId });
      return result;
    };
  endpoint.handle('Reset', record({ status: 'Accepted' }));
  endpoint.handle('Heartbeat', record({ currentTime: NOW }));
  endpoint.handle('BootNotification', record(VALID[version].bootResponse));
  endpoint.handle('UnlockConnector', record({ status: 'Unlocked' }));
  for (const [action, handler] of Object.entries(extraHandlers)) endpoint.handle(action, handler);
  const sent: unknown[][] = [];
  return {
    endpoint,
    raw,
    logs,
    handled,
    clock,
    get sent() {
      sent.length = 0;
      for (const t of raw) sent.push(JSON.parse(t) as unknown[]);
      return sent;
    },
  };
}

export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** An expected frame; a RegExp element matches a string element (descriptions). */
export type Expected = Array<unknown>;

export function assertFrame(actual: unknown[] | undefined, expected: Expected): void {
  assert.ok(actual, `expected ${JSON.stringify(expected)}, got nothing`);
  assert.equal(actual.length, expected.length, `frame ${JSON.stringify(actual)} has ${actual.length} elements`);
  expected.forEach((e, i) => {
    if (e instanceof RegExp) assert.match(String(actual[i]), e, `element ${i} of ${JSON.stringify(actual)}`);
    else assert.deepEqual(actual[i], e, `element ${i} of ${JSON.stringify(actual)}`);
  });
}

/** Every CALLERROR is well formed: 5 elements, valid code of the version, description <= 255, details an object. */
export function assertWellFormedCallError(version: OcppVersion, frame: unknown[]): void {
  assert.equal(frame.length, 5);
  assert.equal(frame[0], 4);
  assert.equal(typeof frame[1], 'string');
  assert.ok((frame[1] as string).length <= 36);
  assert.ok(VALID_WIRE_CODES[version].includes(frame[2] as string), `${String(frame[2])} is not a ${version} code`);
  assert.equal(typeof frame[3], 'string');
  assert.ok((frame[3] as string).length <= 255, 'description longer than 255');
  assert.ok(typeof frame[4] === 'object' && frame[4] !== null && !Array.isArray(frame[4]));
}
