import assert from 'node:assert/strict';
import type { OcppVersion } from '../../src/config/station-config.js';
import { OcppSchemas } from '../../src/ocpp/rpc/ocpp-schemas.js';
import { RpcEndpoint, type CallHandler } from '../../src/ocpp/rpc/rpc-endpoint.js';
import { FakeClock } from '../../src/station/clock.js';
import {
  CallErrorResponse,
  CallTimeout,
  InvalidRequest,
  InvalidResponse,
  NotConnected,
  RpcError,
  neutralErrorCode,
  wireErrorCode,
  type RpcErrorCode,
} from '../../src/ocpp/rpc/rpc-errors.js';
import { capturingLogger } from '../helpers/logging.js';

// ---------------------------------------------------------------------------------------------
// Harness

const VERSIONS: OcppVersion[] = ['2.0.1', '1.6'];

/** The codes each version puts on the wire, spelled out here rather than derived from the code under test. */
const WIRE = {
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
const VALID_WIRE_CODES: Record<OcppVersion, string[]> = {
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

const NOW = '2025-01-01T00:00:00.000Z';

/** Request payloads valid in each version. */
const VALID = {
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


interface Harness {
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

function harness(version: OcppVersion, extraHandlers: Record<string, CallHandler> = {}, callTimeoutMs = 2000): Harness {
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

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** An expected frame; a RegExp element matches a string element (descriptions). */
type Expected = Array<unknown>;

function assertFrame(actual: unknown[] | undefined, expected: Expected): void {
  assert.ok(actual, `expected ${JSON.stringify(expected)}, got nothing`);
  assert.equal(actual.length, expected.length, `frame ${JSON.stringify(actual)} has ${actual.length} elements`);
  expected.forEach((e, i) => {
    if (e instanceof RegExp) assert.match(String(actual[i]), e, `element ${i} of ${JSON.stringify(actual)}`);
    else assert.deepEqual(actual[i], e, `element ${i} of ${JSON.stringify(actual)}`);
  });
}

/** Every CALLERROR is well formed: 5 elements, valid code of the version, description <= 255, details an object. */
function assertWellFormedCallError(version: OcppVersion, frame: unknown[]): void {
  assert.equal(frame.length, 5);
  assert.equal(frame[0], 4);
  assert.equal(typeof frame[1], 'string');
  assert.ok((frame[1] as string).length <= 36);
  assert.ok(VALID_WIRE_CODES[version].includes(frame[2] as string), `${String(frame[2])} is not a ${version} code`);
  assert.equal(typeof frame[3], 'string');
  assert.ok((frame[3] as string).length <= 255, 'description longer than 255');
  assert.ok(typeof frame[4] === 'object' && frame[4] !== null && !Array.isArray(frame[4]));
}

// ---------------------------------------------------------------------------------------------
// Error codes

describe('rpc error codes', () => {
  it('2.0.1 sends every neutral code as is', () => {
    for (const code of VALID_WIRE_CODES['2.0.1']) assert.equal(wireErrorCode('2.0.1', code as RpcErrorCode), code);
  });

  it('1.6 keeps the errata spellings and never sends a 2.0.1-only code', () => {
    assert.equal(wireErrorCode('1.6', 'FormatViolation'), 'FormationViolation');
    assert.equal(wireErrorCode('1.6', 'OccurrenceConstraintViolation'), 'OccurenceConstraintViolation');
    assert.equal(wireErrorCode('1.6', 'RpcFrameworkError'), 'FormationViolation');
    assert.equal(wireErrorCode('1.6', 'MessageTypeNotSupported'), 'GenericError');
    for (const code of VALID_WIRE_CODES['2.0.1']) {
      assert.ok(VALID_WIRE_CODES['1.6'].includes(wireErrorCode('1.6', code as RpcErrorCode)), code);
    }
  });

  it('reads received codes back per version', () => {
    assert.equal(neutralErrorCode('1.6', 'OccurenceConstraintViolation'), 'OccurrenceConstraintViolation');
    assert.equal(neutralErrorCode('1.6', 'OccurrenceConstraintViolation'), undefined);
    assert.equal(neutralErrorCode('2.0.1', 'FormationViolation'), undefined);
    assert.equal(neutralErrorCode('2.0.1', 'RpcFrameworkError'), 'RpcFrameworkError');
  });
});

// ---------------------------------------------------------------------------------------------
// Incoming frames, one row each

interface Row {
  name: string;
  frame: (version: OcppVersion) => string;
  /** The one frame sent in answer, or undefined for none. */
  expect: (version: OcppVersion) => Expected | undefined;
  /** Whether a handler ran. Default: only when a CALLRESULT is expected. */
  handled?: boolean;
}

const deep = (levels: number, inner: string): string => '{"a":'.repeat(levels) + inner + '}'.repeat(levels);
const id36 = 'x'.repeat(36);
const id37 = 'x'.repeat(37);

const ROWS: Row[] = [
  { name: 'not JSON', frame: () => '[2,"a1","Heartbeat",{', expect: (v) => [4, '-1', WIRE[v].frame, /not valid JSON/, {}] },
  { name: 'empty text', frame: () => '', expect: (v) => [4, '-1', WIRE[v].frame, /not valid JSON/, {}] },
  { name: 'a JSON scalar', frame: () => '42', expect: (v) => [4, '-1', WIRE[v].frame, /not a JSON array/, {}] },
  { name: 'JSON null', frame: () => 'null', expect: (v) => [4, '-1', WIRE[v].frame, /not a JSON array/, {}] },
  { name: 'a JSON object', frame: () => '{"messageId":"a2"}', expect: (v) => [4, '-1', WIRE[v].frame, /not a JSON array/, {}] },
  { name: 'an empty array', frame: () => '[]', expect: (v) => [4, '-1', WIRE[v].frame, /empty/, {}] },
  { name: '[2]: no message id', frame: () => '[2]', expect: (v) => [4, '-1', WIRE[v].frame, /message id/, {}] },
  {
    name: 'a CALL with an extra element is rejected, not processed',
    frame: () => '[2,"a3","Heartbeat",{},"extra"]',
    expect: (v) => [4, 'a3', WIRE[v].frame, /4 elements/, {}],
  },
  { name: 'a CALL of 3 elements', frame: () => '[2,"a4","Heartbeat"]', expect: (v) => [4, 'a4', WIRE[v].frame, /4 elements/, {}] },
  {
    name: 'unknown message type 5',
    frame: () => '[5,"a5"]',
    // Part 4 §4.4 answers; OCPP-J 1.6 §4.1.3 ignores.
    expect: (v) => (v === '2.0.1' ? [4, 'a5', 'MessageTypeNotSupported', /type 5/, {}] : undefined),
  },
  {
    name: 'unknown message type with an unreadable id',
    frame: () => '[7,{"x":1}]',
    expect: (v) => (v === '2.0.1' ? [4, '-1', 'MessageTypeNotSupported', /type 7/, {}] : undefined),
  },
  {
    name: 'message type not a number',
    frame: () => '["2","a6","Heartbeat",{}]',
    expect: (v) => [4, 'a6', WIRE[v].frame, /message type/, {}],
  },
  { name: 'message type 2.5', frame: () => '[2.5,"a7","Heartbeat",{}]', expect: (v) => [4, 'a7', WIRE[v].frame, /message type/, {}] },
  {
    name: 'message id of 37 characters: not echoed',
    frame: () => `[2,"${id37}","Heartbeat",{}]`,
    expect: (v) => [4, '-1', WIRE[v].frame, /at most 36/, {}],
  },
  { name: 'message id of 36 characters', frame: () => `[2,"${id36}","Heartbeat",{}]`, expect: () => [3, id36, { currentTime: NOW }] },
  { name: 'numeric message id', frame: () => '[2,123,"Heartbeat",{}]', expect: (v) => [4, '-1', WIRE[v].frame, /message id/, {}] },
  { name: 'null message id', frame: () => '[2,null,"Heartbeat",{}]', expect: (v) => [4, '-1', WIRE[v].frame, /message id/, {}] },
  { name: 'action not a string', frame: () => '[2,"a8",17,{}]', expect: (v) => [4, 'a8', WIRE[v].frame, /action/, {}] },
  { name: 'unknown action', frame: () => '[2,"a9","BrewCoffee",{}]', expect: (v) => [4, 'a9', WIRE[v].notImplemented, /BrewCoffee/, {}] },
  {
    name: 'action known to the version but not supported',
    frame: () => '[2,"a10","ClearCache",{}]',
    expect: (v) => [4, 'a10', WIRE[v].notSupported, /ClearCache/, {}],
  },
  {
    name: 'action of the other version only',
    frame: (v) => (v === '1.6' ? '[2,"a11","SetVariables",{}]' : '[2,"a11","ChangeConfiguration",{}]'),
    expect: (v) => [4, 'a11', WIRE[v].notImplemented, /not an OCPP/, {}],
  },
  {
    name: 'missing required field',
    frame: () => '[2,"a12","Reset",{}]',
    expect: (v) => [4, 'a12', WIRE[v].occurrence, /\/type: required/, {}],
  },
  { name: 'wrong type', frame: () => '[2,"a13","Reset",{"type":1}]', expect: (v) => [4, 'a13', WIRE[v].type, /\/type: must be string/, {}] },
  {
    name: 'enum violation',
    frame: () => '[2,"a14","Reset",{"type":"Sideways"}]',
    expect: (v) => [4, 'a14', WIRE[v].property, /\/type: must be one of/, {}],
  },
  {
    name: 'additional property',
    frame: (v) => `[2,"a15","Reset",${JSON.stringify({ ...VALID[v].reset, colour: 'red' })}]`,
    expect: (v) => [4, 'a15', WIRE[v].format, /unknown property "colour"/, {}],
  },
  {
    name: 'payload an array',
    frame: () => '[2,"a16","Reset",[{"type":"Soft"}]]',
    expect: (v) => [4, 'a16', WIRE[v].format, /must be a JSON object/, {}],
  },
  { name: 'payload a string', frame: () => '[2,"a17","Reset","Soft"]', expect: (v) => [4, 'a17', WIRE[v].format, /must be a JSON object/, {}] },
  {
    name: 'payload null counts as {} (§4.1.5)',
    frame: () => '[2,"a18","Heartbeat",null]',
    expect: () => [3, 'a18', { currentTime: NOW }],
  },
  {
    name: 'deeply nested payload (100000 levels) where a string belongs',
    frame: () => `[2,"a19","Reset",{"type":${deep(100_000, '1')}}]`,
    expect: (v) => [4, 'a19', WIRE[v].type, /\/type: must be string/, {}],
  },
  {
    name: 'deeply nested payload (100000 levels) as an unknown property',
    frame: (v) => `[2,"a20","Reset",${JSON.stringify(VALID[v].reset).slice(0, -1)},"x":${deep(100_000, '1')}}]`,
    expect: (v) => [4, 'a20', WIRE[v].format, /unknown property "x"/, {}],
  },
  {
    name: 'deeply nested message (100000 levels of arrays)',
    frame: () => '['.repeat(100_000) + ']'.repeat(100_000),
    expect: (v) => [4, '-1', WIRE[v].frame, /message type/, {}],
  },
  {
    name: 'huge number (1e400 parses to Infinity)',
    frame: (v) => `[2,"a21","UnlockConnector",${JSON.stringify(VALID[v].unlock).replace(/"connectorId":1/, '"connectorId":1e400')}]`,
    expect: (v) => [4, 'a21', WIRE[v].type, /\/connectorId: must be integer/, {}],
  },
  {
    name: '__proto__ key',
    frame: (v) => `[2,"a22","Reset",${JSON.stringify(VALID[v].reset).slice(0, -1)},"__proto__":{"polluted":true}}]`,
    expect: (v) => [4, 'a22', WIRE[v].format, /unknown property "__proto__"/, {}],
  },
  {
    name: 'lone surrogate and U+FFFD in a string',
    frame: (v) =>
      v === '1.6'
        ? '[2,"a23","BootNotification",{"chargePointVendor":"\\ud800","chargePointModel":"\uFFFD"}]'
        : '[2,"a23","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"\\ud800","vendorName":"\uFFFD"}}]',
    expect: (v) => [3, 'a23', VALID[v].bootResponse],
  },
  { name: 'CALLRESULT for an id never sent: ignored', frame: () => '[3,"never-sent",{}]', expect: () => undefined },
  { name: 'CALLERROR for an id never sent: ignored', frame: () => '[4,"never-sent","GenericError","",{}]', expect: () => undefined },
  { name: 'malformed CALLRESULT for no pending call: ignored', frame: () => '[3]', expect: () => undefined },
  { name: 'malformed CALLERROR for no pending call: ignored', frame: () => '[4,17]', expect: () => undefined },
  { name: 'a valid CALL', frame: (v) => `[2,"a24","Reset",${JSON.stringify(VALID[v].reset)}]`, expect: () => [3, 'a24', { status: 'Accepted' }] },
];

for (const version of VERSIONS) {
  describe(`RpcEndpoint ${version}: incoming frames`, () => {
    for (const row of ROWS) {
      it(row.name, async () => {
        const h = harness(version);
        assert.doesNotThrow(() => h.endpoint.receive(row.frame(version)));
        await flush();
        const expected = row.expect(version);
        const sent = h.sent;
        if (expected === undefined) {
          assert.deepEqual(sent, []);
        } else {
          assert.equal(sent.length, 1, `sent ${JSON.stringify(h.raw).slice(0, 300)}`);
          assertFrame(sent[0], expected);
          if (sent[0]![0] === 4) assertWellFormedCallError(version, sent[0]!);
        }
        const handlerRan = row.handled ?? expected?.[0] === 3;
        assert.equal(h.handled.length, handlerRan ? 1 : 0, 'handler calls');
        assert.equal(({} as Record<string, unknown>)['polluted'], undefined, 'Object.prototype polluted');
      });
    }

    it('survives a barrage of garbage and answers each with a well-formed CALLERROR or nothing', async () => {
      const h = harness(version);
      const samples = [
        '',
        ' ',
        '[',
        ']',
        '[[]]',
        '[2,"x"]',
        '[3,"x"]',
        '[4,"x"]',
        '[2,"x",null,null]',
        '[2,"x","Reset",{"type":"Soft"},{}]',
        '{"__proto__":[]}',
        '"\\ud800"',
        '[1e999,"x"]',
        '[-2,"x"]',
        '[2,"' + 'y'.repeat(10_000) + '","Reset",{}]',
        '[2,"z","' + 'A'.repeat(10_000) + '",{}]',
        '[2,"w","Reset",{"' + 'k'.repeat(10_000) + '":1}]',
        '\u0000\u0001\u0002',
      ];
      let seed = 7;
      const random = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
      const alphabet = '[]{}",:0123456789-.eEtrufalsn \\u';
      for (let i = 0; i < 300; i++) {
        samples.push(Array.from({ length: Math.floor(random() * 30) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
      }
      for (const s of samples) assert.doesNotThrow(() => h.endpoint.receive(s), s.slice(0, 50));
      await flush();
      for (const frame of h.sent) {
        if (frame[0] === 4) assertWellFormedCallError(version, frame);
        else assert.equal(frame[0], 3);
      }
    });
  });

  describe(`RpcEndpoint ${version}: handlers`, () => {
    it('a handler throwing RpcError answers with its code, description and details', async () => {
      const h = harness(version, {
        Reset: () => {
          throw new RpcError('SecurityError', 'not now', { reason: 'locked' });
        },
      });
      h.endpoint.receive(`[2,"h1","Reset",${JSON.stringify(VALID[version].reset)}]`);
      await flush();
      assert.deepEqual(h.sent, [[4, 'h1', WIRE[version].security, 'not now', { reason: 'locked' }]]);
    });

    it('a handler throwing RpcError with a version-neutral code gets it spelled per version', async () => {
      const h = harness(version, {
        Reset: async () => {
          throw new RpcError('OccurrenceConstraintViolation');
        },
      });
      h.endpoint.receive(`[2,"h2","Reset",${JSON.stringify(VALID[version].reset)}]`);
      await flush();
      assert.deepEqual(h.sent, [[4, 'h2', WIRE[version].occurrence, '', {}]]);
    });

    it('any other exception answers InternalError, without a stack', async () => {
      const h = harness(version, {
        Reset: () => {
          throw new Error('relay driver gone');
        },
      });
      h.endpoint.receive(`[2,"h3","Reset",${JSON.stringify(VALID[version].reset)}]`);
      await flush();
      assertFrame(h.sent[0], [4, 'h3', WIRE[version].internal, /relay driver gone/, {}]);
      assert.doesNotMatch(String(h.sent[0]![3]), /\n|at .*\(/);
      assert.ok(h.logs.some((l) => l.startsWith('error ') && l.includes('relay driver gone')));
    });

    it('a handler result failing the response schema is not sent: InternalError, logged', async () => {
      const h = harness(version, { Reset: () => ({ status: 'Maybe' }) });
      h.endpoint.receive(`[2,"h4","Reset",${JSON.stringify(VALID[version].reset)}]`);
      await flush();
      assertFrame(h.sent[0], [4, 'h4', WIRE[version].internal, /invalid response/, {}]);
      assert.ok(h.logs.some((l) => l.startsWith('error ') && l.includes('/status')));
    });

    it('a description longer than 255 characters is shortened', async () => {
      const h = harness(version, {
        Reset: () => {
          throw new RpcError('GenericError', 'é'.repeat(1000));
        },
      });
      h.endpoint.receive(`[2,"h5","Reset",${JSON.stringify(VALID[version].reset)}]`);
      await flush();
      const description = h.sent[0]![3] as string;
      assert.ok(description.length <= 255 && description.startsWith('éé'));
    });

    it('passes the validated payload and the message id to the handler', async () => {
      const h = harness(version);
      h.endpoint.receive(`[2,"h6","Reset",${JSON.stringify(VALID[version].reset)}]`);
      await flush();
      assert.deepEqual(h.handled, [{ action: 'Reset', payload: VALID[version].reset, messageId: 'h6' }]);
    });

    it('a CALL whose id is still being handled is rejected; the first is still answered', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const h = harness(version, {
        Reset: async () => {
          await gate;
          return { status: 'Accepted' };
        },
      });
      const call = `[2,"dup","Reset",${JSON.stringify(VALID[version].reset)}]`;
      h.endpoint.receive(call);
      await flush();
      assert.deepEqual(h.endpoint.pending.handling, ['dup']);
      h.endpoint.receive(call);
      await flush();
      assertFrame(h.sent[0], [4, 'dup', WIRE[version].frame, /already being handled/, {}]);
      release();
      await flush();
      assert.deepEqual(h.sent[1], [3, 'dup', { status: 'Accepted' }]);
      // Answered, the id may be used again.
      h.endpoint.receive(call);
      await flush();
      assert.deepEqual(h.sent[2], [3, 'dup', { status: 'Accepted' }]);
    });

    it('refuses to register a handler for an action the version does not have', () => {
      const h = harness(version);
      assert.throws(() => h.endpoint.handle('BrewCoffee', () => ({})), /not an OCPP/);
    });

    it('logs every frame, but not one carrying the CSMS password', async () => {
      const h = harness(version);
      const secret = 'S3cretPassw0rd-0123456789';
      const frame =
        version === '2.0.1'
          ? JSON.stringify([
              2,
              'p1',
              'SetVariables',
              {
                setVariableData: [{ attributeValue: secret, component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } }],
              },
            ])
          : JSON.stringify([2, 'p1', 'ChangeConfiguration', { key: 'AuthorizationKey', value: secret }]);
      h.endpoint.receive(frame);
      h.endpoint.receive(`[2,"p2","Reset",${JSON.stringify(VALID[version].reset)}]`);
      await flush();
      assert.ok(h.logs.some((l) => l.includes('with a password: not shown')));
      assert.ok(!h.logs.some((l) => l.includes(secret)), 'password in the log');
      assert.ok(h.logs.some((l) => l.startsWith('debug <- ') && l.includes('"p2"')), 'incoming frame logged');
      assert.ok(h.logs.some((l) => l.startsWith('debug -> ') && l.includes('"p2"')), 'outgoing frame logged');
    });
  });

  describe(`RpcEndpoint ${version}: outgoing calls`, () => {
    it('resolves with the validated CALLRESULT payload', async () => {
      const h = harness(version);
      const result = h.endpoint.call('BootNotification', VALID[version].boot);
      const [type, id, action, payload] = h.sent[0]!;
      assert.deepEqual([type, action, payload], [2, 'BootNotification', VALID[version].boot]);
      assert.ok(typeof id === 'string' && id.length <= 36);
      h.endpoint.receive(JSON.stringify([3, id, VALID[version].bootResponse]));
      assert.deepEqual(await result, VALID[version].bootResponse);
      assert.equal(h.endpoint.pending.inFlight, undefined);
    });

    it('keeps one CALL in flight; later ones go in order as each is answered', async () => {
      const h = harness(version);
      const order: string[] = [];
      const first = h.endpoint.call('Heartbeat', {}).then(() => order.push('first'));
      const second = h.endpoint.call('Heartbeat', {}).then(() => order.push('second'));
      const third = h.endpoint.call('BootNotification', VALID[version].boot).then(() => order.push('third'));
      assert.equal(h.sent.length, 1);
      assert.deepEqual(h.endpoint.pending.queued, ['Heartbeat', 'BootNotification']);
      h.endpoint.receive(JSON.stringify([3, h.sent[0]![1], { currentTime: NOW }]));
      await first;
      assert.equal(h.sent.length, 2);
      assert.equal(h.sent[1]![2], 'Heartbeat');
      assert.deepEqual(h.endpoint.pending.queued, ['BootNotification']);
      h.endpoint.receive(JSON.stringify([4, h.sent[1]![1], 'GenericError', 'nope', {}]));
      await second.catch(() => order.push('second failed'));
      assert.equal(h.sent.length, 3);
      assert.equal(h.sent[2]![2], 'BootNotification');
      h.endpoint.receive(JSON.stringify([3, h.sent[2]![1], VALID[version].bootResponse]));
      await third;
      assert.deepEqual(order, ['first', 'second failed', 'third']);
      const ids = h.sent.map((f) => f[1]);
      assert.equal(new Set(ids).size, 3, 'message ids are unique');
    });

    it('times out, sends the next one, and ignores the late answer', async () => {
      const h = harness(version, {}, 2000);
      const first = h.endpoint.call('Heartbeat', {}, { timeoutMs: 30 });
      const second = h.endpoint.call('Heartbeat', {});
      const firstId = h.sent[0]![1];
      const timedOut = assert.rejects(first, (err: unknown) => err instanceof CallTimeout && err.action === 'Heartbeat' && err.timeoutMs === 30);
      await h.clock.advanceAsync(29);
      assert.equal(h.sent.length, 1, 'not before its 30 ms');
      await h.clock.advanceAsync(1);
      await timedOut;
      assert.equal(h.sent.length, 2, 'the queued call went out after the timeout');
      h.endpoint.receive(JSON.stringify([3, firstId, { currentTime: NOW }]));
      await flush();
      assert.equal(h.sent.length, 2, 'a late answer is never answered');
      assert.ok(h.logs.some((l) => l.startsWith('warning ') && l.includes('not a pending CALL')));
      assert.equal(h.endpoint.pending.inFlight?.messageId, h.sent[1]![1], 'the late answer did not settle the second call');
      h.endpoint.receive(JSON.stringify([3, h.sent[1]![1], { currentTime: NOW }]));
      assert.deepEqual(await second, { currentTime: NOW });
    });

    it('handles the peer CALL that crosses ours while ours waits', async () => {
      const h = harness(version);
      const ours = h.endpoint.call('BootNotification', VALID[version].boot);
      const ourId = h.sent[0]![1];
      h.endpoint.receive(`[2,"cross","Reset",${JSON.stringify(VALID[version].reset)}]`);
      await flush();
      assert.deepEqual(h.sent[1], [3, 'cross', { status: 'Accepted' }]);
      h.endpoint.receive(JSON.stringify([3, ourId, VALID[version].bootResponse]));
      assert.deepEqual(await ours, VALID[version].bootResponse);
    });

    describe('answer first, then act (holdCallsWhileAnsweringMs)', () => {
      /** An endpoint whose Reset handler makes a CALL (as a Reset's effects do), then answers after `answerAfterMs`. */
      const holding = (
        holdMs: number,
        answerAfterMs: number,
      ): { endpoint: RpcEndpoint; frames: () => unknown[][]; logs: string[]; made: Array<Promise<unknown>>; clock: FakeClock } => {
        const raw: string[] = [];
        const logs: string[] = [];
        const made: Array<Promise<unknown>> = [];
        const clock = new FakeClock();
        const endpoint = new RpcEndpoint({ version, send: (t) => raw.push(t), callTimeoutMs: () => 2000, holdCallsWhileAnsweringMs: () => holdMs, log: capturingLogger(logs), clock });
        endpoint.handle('Reset', async () => {
          made.push(endpoint.call('Heartbeat', {}));
          await new Promise<void>((resolve) => clock.setTimeout(resolve, answerAfterMs));
          return { status: 'Accepted' };
        });
        return { endpoint, frames: () => raw.map((t) => JSON.parse(t) as unknown[]), logs, made, clock };
      };

      it('a CALL the handler set off goes out after its CALLRESULT', async () => {
        const h = holding(1000, 20);
        h.endpoint.receive(`[2,"reset-1","Reset",${JSON.stringify(VALID[version].reset)}]`);
        await flush();
        assert.deepEqual(h.frames(), [], 'nothing before the answer');
        assert.deepEqual(h.endpoint.pending.queued, ['Heartbeat']);
        await h.clock.advanceAsync(60);
        const frames = h.frames();
        assert.deepEqual(frames[0], [3, 'reset-1', { status: 'Accepted' }]);
        assert.deepEqual([frames[1]?.[0], frames[1]?.[2]], [2, 'Heartbeat'], 'then the CALL it set off');
        h.endpoint.receive(JSON.stringify([3, frames[1]![1], { currentTime: NOW }]));
        assert.deepEqual(await h.made[0], { currentTime: NOW });
      });

      it('the CALL already in flight is not held back, nor are the answers to the peer', async () => {
        const h = holding(1000, 20);
        const ours = h.endpoint.call('BootNotification', VALID[version].boot);
        h.endpoint.receive(`[2,"reset-2","Reset",${JSON.stringify(VALID[version].reset)}]`);
        const ourId = h.frames()[0]![1];
        h.endpoint.receive(JSON.stringify([3, ourId, VALID[version].bootResponse]));
        assert.deepEqual(await ours, VALID[version].bootResponse);
        await h.clock.advanceAsync(60);
        assert.deepEqual(
          h.frames().map((f) => (f[0] === 2 ? `CALL ${String(f[2])}` : `answer ${String(f[1])}`)),
          ['CALL BootNotification', 'answer reset-2', 'CALL Heartbeat'],
        );
      });

      it('a handler that takes longer than the limit holds our CALLs no longer than the limit (it might await one of them)', async () => {
        const h = holding(30, 400);
        h.endpoint.receive(`[2,"reset-3","Reset",${JSON.stringify(VALID[version].reset)}]`);
        await h.clock.advanceAsync(120);
        assert.deepEqual(h.frames().map((f) => f[0]), [2], 'the CALL went out after 30 ms, the answer is still being worked on');
        assert.ok(h.logs.some((l) => l.startsWith('warning ') && l.includes('reset-3 still unanswered after 30 ms')));
        h.endpoint.connectionLost();
        await assert.rejects(h.made[0]!, NotConnected);
      });

      it('without the option nothing is held: the CALL goes out while the handler works', async () => {
        const h = holding(0, 20);
        h.endpoint.receive(`[2,"reset-4","Reset",${JSON.stringify(VALID[version].reset)}]`);
        await flush();
        assert.deepEqual(h.frames().map((f) => f[0]), [2]);
        await h.clock.advanceAsync(60);
        h.endpoint.connectionLost();
        await assert.rejects(h.made[0]!, NotConnected);
      });
    });

    it('a CALLERROR answer rejects with CallErrorResponse as on the wire', async () => {
      const h = harness(version);
      const call = h.endpoint.call('Heartbeat', {});
      h.endpoint.receive(JSON.stringify([4, h.sent[0]![1], WIRE[version].occurrence, 'missing x', { hint: 1 }]));
      await assert.rejects(call, (err: unknown) => {
        assert.ok(err instanceof CallErrorResponse);
        assert.deepEqual([err.action, err.errorCode, err.description, err.details], ['Heartbeat', WIRE[version].occurrence, 'missing x', { hint: 1 }]);
        assert.equal(neutralErrorCode(version, err.errorCode), 'OccurrenceConstraintViolation');
        return true;
      });
      assert.equal(h.sent.length, 1, 'a CALLERROR is never answered');
    });

    it('a CALLRESULT failing the response schema rejects with InvalidResponse', async () => {
      const h = harness(version);
      const call = h.endpoint.call('BootNotification', VALID[version].boot);
      h.endpoint.receive(JSON.stringify([3, h.sent[0]![1], { currentTime: NOW, status: 'Accepted' }]));
      await assert.rejects(
        call,
        (err: unknown) => err instanceof InvalidResponse && err.code === 'OccurrenceConstraintViolation' && /interval/.test(err.description),
      );
    });

    it('a malformed CALLRESULT for the pending id fails that call', async () => {
      const h = harness(version);
      const call = h.endpoint.call('Heartbeat', {});
      h.endpoint.receive(JSON.stringify([3, h.sent[0]![1]]));
      await assert.rejects(call, (err: unknown) => err instanceof InvalidResponse && err.code === 'RpcFrameworkError');
      assert.equal(h.sent.length, 1);
    });

    it('a malformed CALLERROR for the pending id fails that call', async () => {
      const h = harness(version);
      const call = h.endpoint.call('Heartbeat', {});
      h.endpoint.receive(JSON.stringify([4, h.sent[0]![1], 42]));
      await assert.rejects(call, InvalidResponse);
    });

    it('an invalid outgoing payload is not sent', async () => {
      const h = harness(version);
      await assert.rejects(
        h.endpoint.call('BootNotification', {}),
        (err: unknown) => err instanceof InvalidRequest && err.code === 'OccurrenceConstraintViolation',
      );
      await assert.rejects(h.endpoint.call('BrewCoffee', {}), (err: unknown) => err instanceof InvalidRequest && err.code === 'NotImplemented');
      const circular: Record<string, unknown> = {};
      circular['self'] = circular;
      await assert.rejects(h.endpoint.call('Heartbeat', circular), InvalidRequest);
      assert.deepEqual(h.raw, []);
      assert.equal(h.endpoint.pending.inFlight, undefined);
    });

    it('sends the payload as it was when call() was made', async () => {
      const h = harness(version);
      void h.endpoint.call('Heartbeat', {});
      const payload: Record<string, unknown> = { ...VALID[version].boot };
      void h.endpoint.call('BootNotification', payload);
      payload['bogus'] = true;
      h.endpoint.receive(JSON.stringify([3, h.sent[0]![1], { currentTime: NOW }]));
      await flush();
      assert.deepEqual(h.sent[1]![3], VALID[version].boot);
      h.endpoint.connectionLost();
    });

    it('connectionLost() rejects the call in flight and the queued ones; later calls fail at once', async () => {
      const h = harness(version);
      const inFlight = h.endpoint.call('Heartbeat', {});
      const queued = h.endpoint.call('Heartbeat', {});
      h.endpoint.connectionLost();
      await assert.rejects(inFlight, NotConnected);
      await assert.rejects(queued, NotConnected);
      await assert.rejects(h.endpoint.call('Heartbeat', {}), NotConnected);
      assert.equal(h.sent.length, 1);
      assert.deepEqual(h.endpoint.pending, { inFlight: undefined, queued: [], handling: [] });
    });

    it('a send that throws fails the call with NotConnected and lets the next one go', async () => {
      let fail = true;
      const raw: string[] = [];
      const endpoint = new RpcEndpoint({
        version,
        send: (t) => {
          if (fail) throw new Error('socket closed');
          raw.push(t);
        },
        callTimeoutMs: () => 1000,
      });
      const first = endpoint.call('Heartbeat', {});
      await assert.rejects(first, NotConnected);
      fail = false;
      const second = endpoint.call('Heartbeat', {});
      assert.equal(raw.length, 1);
      endpoint.receive(JSON.stringify([3, (JSON.parse(raw[0]!) as unknown[])[1], { currentTime: NOW }]));
      await second;
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Schemas

describe('OcppSchemas', () => {
  it('knows every action of each version', () => {
    const v2 = OcppSchemas.for('2.0.1').actions;
    const v16 = OcppSchemas.for('1.6').actions;
    assert.equal(v2.size, 64);
    assert.equal(v16.size, 28);
    for (const a of ['BootNotification', 'SetVariables', 'TransactionEvent', 'NotifyReport']) assert.ok(v2.has(a), a);
    for (const a of ['BootNotification', 'ChangeConfiguration', 'StartTransaction', 'StopTransaction']) assert.ok(v16.has(a), a);
    assert.ok(!v16.has('TransactionEvent'));
    assert.ok(!v2.has('StartTransaction'));
    assert.equal(OcppSchemas.for('1.6'), OcppSchemas.for('1.6'), 'cached');
  });

  it('maps ajv errors to error codes with a short description', () => {
    const s = OcppSchemas.for('2.0.1');
    const boot = VALID['2.0.1'].boot;
    const cases: Array<[unknown, RpcErrorCode, RegExp]> = [
      [{ ...boot, reason: 7 }, 'TypeConstraintViolation', /^\/reason: must be string$/],
      [{ reason: 'PowerUp' }, 'OccurrenceConstraintViolation', /^\/chargingStation: required but missing$/],
      [{ ...boot, reason: 'Bored' }, 'PropertyConstraintViolation', /^\/reason: must be one of ApplicationReset, /],
      [{ ...boot, chargingStation: { model: 'M'.repeat(21), vendorName: 'V' } }, 'PropertyConstraintViolation', /model: must be at most 20 characters/],
      [{ ...boot, extra: 1 }, 'FormatViolation', /^\/: unknown property "extra"$/],
      [[], 'FormatViolation', /must be a JSON object, found an array/],
      ['x', 'FormatViolation', /found string/],
    ];
    for (const [payload, code, description] of cases) {
      const result = s.validate('BootNotification', 'request', payload);
      assert.equal(result.ok, false, JSON.stringify(payload));
      if (!result.ok) {
        assert.equal(result.code, code, JSON.stringify(payload));
        assert.match(result.description, description);
      }
    }
    const items = s.validate('SetVariables', 'request', { setVariableData: [] });
    assert.deepEqual(items, { ok: false, code: 'OccurrenceConstraintViolation', description: '/setVariableData: must have at least 1 items' });
    const date = s.validate('Heartbeat', 'response', { currentTime: 'yesterday' });
    assert.deepEqual(date, { ok: false, code: 'PropertyConstraintViolation', description: '/currentTime: must be a valid date-time' });
  });

  it('keeps descriptions within 255 characters on hostile input', () => {
    const s = OcppSchemas.for('2.0.1');
    const hostile = [
      { ...VALID['2.0.1'].boot, ['k'.repeat(100_000)]: 1 },
      { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V', ['/'.repeat(5000)]: 1 } },
    ];
    for (const payload of hostile) {
      const result = s.validate('BootNotification', 'request', payload);
      assert.ok(!result.ok && result.description.length <= 255);
    }
    const measurand = s.validate('MeterValues', 'request', {
      evseId: 1,
      meterValue: [{ timestamp: NOW, sampledValue: [{ value: 1, measurand: 'Nope' }] }],
    });
    assert.ok(!measurand.ok && measurand.description.length <= 255);
  });

  it('applies the OCPP-J 1.6 errata to the published 1.6 schemas', () => {
    const s = OcppSchemas.for('1.6');
    const sampled = (unit: string): object => ({ connectorId: 1, meterValue: [{ timestamp: NOW, sampledValue: [{ value: '20', unit }] }] });
    // §2.1: both spellings of Celsius.
    assert.deepEqual(s.validate('MeterValues', 'request', sampled('Celsius')), { ok: true });
    assert.deepEqual(s.validate('MeterValues', 'request', sampled('Celcius')), { ok: true });
    // §2.3: idTagInfo's fields are validated.
    const list = (idTagInfo: object): object => ({ listVersion: 1, updateType: 'Full', localAuthorizationList: [{ idTag: 'A', idTagInfo }] });
    assert.equal(s.validate('SendLocalList', 'request', list({ status: 'Accepted', parentIdTag: 'P'.repeat(21) })).ok, false);
    assert.deepEqual(s.validate('SendLocalList', 'request', list({ status: 'Accepted', parentIdTag: 'P', expiryDate: NOW })), { ok: true });
    // §2.4, §2.5: integers.
    assert.equal(s.validate('BootNotification', 'response', { ...VALID['1.6'].bootResponse, interval: 1.5 }).ok, false);
    assert.equal(s.validate('UpdateFirmware', 'request', { location: 'https://x.example/fw', retrieveDate: NOW, retries: 1.5 }).ok, false);
    // §3.2: no extra fields in inner objects.
    const inner = s.validate('StartTransaction', 'response', { transactionId: 1, idTagInfo: { status: 'Accepted', colour: 'red' } });
    assert.deepEqual(inner, { ok: false, code: 'FormatViolation', description: '/idTagInfo: unknown property "colour"' });
    // §2.6: StopTransaction reason is optional.
    assert.deepEqual(s.validate('StopTransaction', 'request', { transactionId: 1, timestamp: NOW, meterStop: 0 }), { ok: true });
  });

  it('validates every action of both versions without throwing', () => {
    for (const version of VERSIONS) {
      const s = OcppSchemas.for(version);
      for (const action of s.actions) {
        for (const kind of ['request', 'response'] as const) {
          const result = s.validate(action, kind, { unexpected: { deeply: [1, 2, 3] } });
          assert.equal(result.ok, false, `${version} ${action} ${kind}`);
        }
      }
    }
  });
});
