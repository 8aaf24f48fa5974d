import assert from 'node:assert/strict';
import { DevCsms } from '../../tools/dev-csms/dev-csms.js';
import { DevCsmsHttp } from '../../tools/dev-csms/dev-csms-http.js';
import { OcppSchemas } from '../../src/ocpp/rpc/ocpp-schemas.js';
import { capturingLogger, RawStation } from './raw-station.js';

/**
 * The development CSMS facing a station that nests customData 100,000 levels deep (2.0.1 allows
 * any members in it): it answers, records, prints its one-line summary and serves its control API
 * as for any station, without recursing per level anywhere.
 */

const LEVELS = 100_000;
const deepCustomData = `{"vendorId":"com.example","n":${'{"n":'.repeat(LEVELS - 1)}1${'}'.repeat(LEVELS - 1)}}`;

describe('DevCsms facing a hostile station', () => {
  let csms: DevCsms;
  let api: DevCsmsHttp;
  let station: RawStation;
  const lines: string[] = [];

  beforeEach(async () => {
    csms = new DevCsms({ port: 0, log: capturingLogger(lines) });
    await csms.start();
    api = new DevCsmsHttp({ csms, port: 0 });
    await api.start();
    station = await RawStation.connect(`${csms.url}/CS-DEEP`, ['ocpp2.0.1']);
    await csms.waitForConnection('CS-DEEP');
  });

  afterEach(async () => {
    await station.close();
    await api.stop();
    await csms.stop();
    lines.length = 0;
  });

  it('answers a BootNotification whose customData nests 100,000 levels, and an answer to its own call nesting as deep comes back through the control API', async () => {
    station.send(`[2,"boot-1","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"Deep","vendorName":"V","customData":${deepCustomData}}}]`);
    const boot = await station.answer('boot-1');
    assert.equal(boot[0], 3, JSON.stringify(boot).slice(0, 200));
    assert.ok(OcppSchemas.for('2.0.1').validate('BootNotification', 'response', boot[2]).ok);
    assert.equal((boot[2] as { status: string }).status, 'Accepted');

    // A raw call through the control API; the station answers with deep customData.
    const pending = fetch(`${api.url}/stations/CS-DEEP/call`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ action: 'GetVariables', payload: { getVariableData: [{ component: { name: 'ChargingStation' }, variable: { name: 'Model' } }] } }),
    });
    const call = await station.nextCall();
    station.send(
      `[3,${JSON.stringify(call[1])},{"customData":${deepCustomData},"getVariableResult":[{"attributeStatus":"Accepted","attributeValue":"Deep","component":{"name":"ChargingStation"},"variable":{"name":"Model"}}]}]`,
    );
    const response = await pending;
    assert.equal(response.status, 200);
    const body = (await response.json()) as { response: { getVariableResult: Array<{ attributeValue: string }>; customData: { vendorId: string } } };
    assert.equal(body.response.getVariableResult[0]!.attributeValue, 'Deep');
    assert.equal(body.response.customData.vendorId, 'com.example');

    const state = await fetch(`${api.url}/stations/CS-DEEP`);
    assert.equal(state.status, 200);
    assert.equal(((await state.json()) as { boot?: { model: string } }).boot?.model, 'Deep');
    // One short line per message, the deep ones included.
    assert.ok(lines.some((l) => l.includes('CS-DEEP -> BootNotification PowerUp V/Deep')), lines.join('\n'));
    // The summaries stay one short line; the debug frame dumps are cut at 4000 characters.
    assert.deepEqual(
      lines.filter((l) => (l.startsWith('debug') ? l.length > 4100 : l.length > 300)).map((l) => l.slice(0, 100)),
      [],
    );
    assert.deepEqual(csms.station('CS-DEEP')!.callErrors, []);
  });
});
