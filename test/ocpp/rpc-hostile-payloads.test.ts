import assert from 'node:assert/strict';
import { OcppSchemas } from '../../src/ocpp/rpc/ocpp-schemas.js';
import { RpcEndpoint, type CallContext } from '../../src/ocpp/rpc/rpc-endpoint.js';
import { frameByteLength } from '../../src/ocpp/transport/ocpp-websocket.js';
import { capturingLogger } from '../helpers/logging.js';

/**
 * Payloads nested far deeper than any schema: the RPC layer reads, validates, measures and answers
 * them without recursing per level (2.0.1 customData and DataTransfer data allow any members).
 */

/** {"vendorId":"v","n":{"n":...{"n":1}}}, `levels` objects deep. */
function deepCustomData(levels: number): string {
  return `{"vendorId":"v","n":${'{"n":'.repeat(levels - 1)}1${'}'.repeat(levels - 1)}}`;
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function endpoint(handler: (payload: unknown, call: CallContext) => object): { endpoint: RpcEndpoint; sent: string[]; calls: CallContext[]; logs: string[] } {
  const sent: string[] = [];
  const calls: CallContext[] = [];
  const logs: string[] = [];
  const rpc = new RpcEndpoint({ version: '2.0.1', send: (t) => sent.push(t), callTimeoutMs: () => 1000, log: capturingLogger(logs) });
  const record = (payload: unknown, call: CallContext): object => {
    calls.push(call);
    return handler(payload, call);
  };
  rpc.handle('GetVariables', record);
  rpc.handle('DataTransfer', record);
  return { endpoint: rpc, sent, calls, logs };
}

describe('RPC on hostile payloads', () => {
  it('ajv validates customData nested 10,000 and 100,000 levels deep (its validators recurse per level of schema, not of data): valid', () => {
    const schemas = OcppSchemas.for('2.0.1');
    for (const levels of [10_000, 100_000]) {
      const customData = JSON.parse(deepCustomData(levels)) as object;
      const payload = { customData, getVariableData: [{ component: { name: 'ChargingStation', customData }, variable: { name: 'Model', customData } }] };
      assert.deepEqual(schemas.validate('GetVariables', 'request', payload), { ok: true });
    }
  });

  it('OCPP 1.6 has no free-form objects (errata §3.2 closes them): a deep unknown member is refused at the top, FormationViolation', () => {
    const result = OcppSchemas.for('1.6').validate('GetConfiguration', 'request', { customData: JSON.parse(deepCustomData(100_000)) as object });
    assert.deepEqual(result, { ok: false, code: 'FormatViolation', description: '/: unknown property "customData"' });
    const data = OcppSchemas.for('1.6').validate('DataTransfer', 'request', { vendorId: 'v', data: JSON.parse(deepCustomData(100_000)) as object });
    assert.equal(data.ok ? 'ok' : data.code, 'TypeConstraintViolation', 'DataTransfer data is a string in 1.6');
  });

  it('B06.FR.17: a handler is told the size of the CALL as received, in bytes, the whole frame (multi-byte characters count as they are sent)', async () => {
    const h = endpoint(() => ({ getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: 'x', component: { name: 'C' }, variable: { name: 'V' } }] }));
    const frame = '[2,"size-1","GetVariables",{"getVariableData":[{"component":{"name":"Ché"},"variable":{"name":"V"}}]}]';
    h.endpoint.receive(frame);
    h.endpoint.receive(frame.replace('size-1', 'size-2'), 4242);
    await flush();
    assert.deepEqual(
      h.calls.map((c) => [c.messageId, c.frameBytes]),
      [
        ['size-1', frame.length + 1],
        ['size-2', 4242],
      ],
    );
  });

  it('a frame is measured as it came off the socket: one buffer, fragments, an ArrayBuffer', () => {
    assert.equal(frameByteLength(Buffer.from('[2,"é"]')), 8);
    assert.equal(frameByteLength([Buffer.from('[2,'), Buffer.from('"é"]')]), 8);
    assert.equal(frameByteLength(new Uint8Array(Buffer.from('[2,"é"]')).buffer), 8);
  });

  it('a CALL nested 100,000 levels deep is parsed, validated and answered, and an answer echoing it is sent whole', async () => {
    const h = endpoint((payload) => ({ status: 'Accepted', data: (payload as { data: unknown }).data }));
    const data = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    h.endpoint.receive(`[2,"deep-1","DataTransfer",{"vendorId":"v","data":${data}}]`);
    await flush();
    assert.equal(h.sent.length, 1);
    assert.equal(h.sent[0], `[3,"deep-1",{"status":"Accepted","data":${data}}]`);
    assert.deepEqual(h.logs.filter((l) => l.startsWith('error')), []);
  });
});
