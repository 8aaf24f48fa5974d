import assert from 'node:assert/strict';
import type { OcppVersion } from '../../src/config/station-config.js';
import { RpcError, neutralErrorCode, wireErrorCode, type RpcErrorCode } from '../../src/ocpp/rpc/rpc-errors.js';
import { VERSIONS, WIRE, VALID_WIRE_CODES, NOW, VALID, flush, harness, assertFrame, assertWellFormedCallError, type Expected } from './rpc-harness.js';

/** The RPC endpoint's framing and dispatch: every incoming frame answered as the specs say, handlers run and answered. Our CALLs: rpc-outgoing-calls.test.ts. */

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
}
