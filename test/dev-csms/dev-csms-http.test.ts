import assert from 'node:assert/strict';
import { DevCsms } from '../../tools/dev-csms/dev-csms.js';
import { DevCsmsHttp } from '../../tools/dev-csms/dev-csms-http.js';
import { RawStation, STATION_MESSAGES_1_6, STATION_MESSAGES_2_0_1 } from './raw-station.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

describe('DevCsms HTTP control API', () => {
  let csms: DevCsms;
  let api: DevCsmsHttp;
  let v201: RawStation;
  let v16: RawStation;

  async function request(method: string, path: string, body?: string): Promise<Answer> {
    const response = await fetch(`${api.url}${path}`, { method, ...(body !== undefined ? { body, headers: { 'Content-Type': 'application/json' } } : {}) });
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  beforeEach(async () => {
    csms = new DevCsms({ port: 0, messageTimeoutMs: 300 });
    await csms.start();
    api = new DevCsmsHttp({ csms, port: 0 });
    await api.start();
    v201 = await RawStation.connect(`${csms.url}/CS-201`, ['ocpp2.0.1']);
    v16 = await RawStation.connect(`${csms.url}/CP-16`, ['ocpp1.6']);
    await csms.waitForConnection('CS-201');
    await csms.waitForConnection('CP-16');
  });

  afterEach(async () => {
    await v201.close();
    await v16.close();
    await api.stop();
    await csms.stop();
  });

  it('GET /stations lists every station\'s state view; GET /stations/{identity} one', async () => {
    await v201.call('BootNotification', STATION_MESSAGES_2_0_1['BootNotification']);
    await v16.call('StartTransaction', STATION_MESSAGES_1_6['StartTransaction']);
    const all = await request('GET', '/stations');
    assert.equal(all.status, 200);
    const list = all.body['stations'] as Array<{ identity: string; version: string; connected: boolean; boot?: { model: string } }>;
    assert.deepEqual(
      list.map((s) => [s.identity, s.version, s.connected]),
      [
        ['CS-201', '2.0.1', true],
        ['CP-16', '1.6', true],
      ],
    );
    assert.equal(list[0]!.boot?.model, 'SIM');
    const one = await request('GET', '/stations/CP-16');
    assert.equal(one.status, 200);
    assert.deepEqual(Object.keys(one.body['transactions'] as object), ['1']);
  });

  it('POST start sends the version\'s remote start and answers with the station\'s response', async () => {
    const started = request('POST', '/stations/CS-201/start', '{"evseId": 1, "idToken": "CARD-1", "idTokenType": "ISO14443"}');
    const call = await v201.nextCall();
    assert.equal(call[2], 'RequestStartTransaction');
    assert.deepEqual(call[3], { evseId: 1, idToken: { idToken: 'CARD-1', type: 'ISO14443' }, remoteStartId: 1 });
    v201.respond(call[1], { status: 'Accepted' });
    assert.deepEqual(await started, {
      status: 200,
      body: { action: 'RequestStartTransaction', request: call[3], response: { status: 'Accepted' } },
    });

    const started16 = request('POST', '/stations/CP-16/start', '{"connectorId": 2}');
    const call16 = await v16.nextCall();
    assert.deepEqual([call16[2], call16[3]], ['RemoteStartTransaction', { idTag: 'DEV-CSMS', connectorId: 2 }]);
    v16.respond(call16[1], { status: 'Rejected' });
    const answer16 = await started16;
    assert.equal(answer16.status, 200);
    assert.deepEqual(answer16.body['response'], { status: 'Rejected' });
  });

  it('POST stop stops the running transaction by default, or the one named', async () => {
    assert.equal((await request('POST', '/stations/CS-201/stop')).status, 409);
    await v201.call('TransactionEvent', STATION_MESSAGES_2_0_1['TransactionEvent']);
    const stopped = request('POST', '/stations/CS-201/stop', '');
    const call = await v201.nextCall();
    assert.deepEqual([call[2], call[3]], ['RequestStopTransaction', { transactionId: 'tx-0001' }]);
    v201.respond(call[1], { status: 'Accepted' });
    assert.equal((await stopped).status, 200);

    const named = request('POST', '/stations/CP-16/stop', '{"transactionId": 42}');
    const call16 = await v16.nextCall();
    assert.deepEqual([call16[2], call16[3]], ['RemoteStopTransaction', { transactionId: 42 }]);
    v16.respond(call16[1], { status: 'Rejected' });
    assert.deepEqual((await named).body['response'], { status: 'Rejected' });
  });

  it('POST availability, trigger and reset build the version\'s requests', async () => {
    const cases: Array<[RawStation, string, string, string, object]> = [
      [v201, '/stations/CS-201/availability', '{"evseId": 1, "operative": false}', 'ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } }],
      [v16, '/stations/CP-16/availability', '{"operative": true}', 'ChangeAvailability', { connectorId: 0, type: 'Operative' }],
      [v201, '/stations/CS-201/trigger', '{"message": "StatusNotification", "evseId": 1}', 'TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 1 } }],
      [v16, '/stations/CP-16/trigger', '{"message": "Heartbeat"}', 'TriggerMessage', { requestedMessage: 'Heartbeat' }],
      [v201, '/stations/CS-201/reset', '{}', 'Reset', { type: 'Immediate' }],
      [v16, '/stations/CP-16/reset', '{"type": "Hard"}', 'Reset', { type: 'Hard' }],
    ];
    for (const [station, path, body, action, payload] of cases) {
      const pending = request('POST', path, body);
      const call = await station.nextCall();
      assert.deepEqual([call[2], call[3]], [action, payload], path);
      station.respond(call[1], { status: 'Accepted' });
      const answer = await pending;
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body['action'], action);
    }
  });

  it('POST call sends any CALL, raw; 502 carries the station\'s CALLERROR, 504 a missing answer', async () => {
    const ok = request('POST', '/stations/CS-201/call', '{"action": "GetVariables", "payload": {"getVariableData": [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]}}');
    const call = await v201.nextCall();
    const result = { getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: '300', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] };
    v201.respond(call[1], result);
    assert.deepEqual((await ok).body['response'], result);

    const refused = request('POST', '/stations/CS-201/call', '{"action": "UnlockConnector", "payload": {"evseId": 1, "connectorId": 1}}');
    const call2 = await v201.nextCall();
    v201.respondError(call2[1], 'NotSupported', 'no lock');
    const answer = await refused;
    assert.equal(answer.status, 502);
    assert.deepEqual([answer.body['errorCode'], answer.body['errorDescription']], ['NotSupported', 'no lock']);

    const silent = await request('POST', '/stations/CS-201/call', '{"action": "Reset", "payload": {"type": "OnIdle"}}');
    assert.equal(silent.status, 504);
    assert.match(String(silent.body['error']), /did not answer Reset/);
  });

  it('answers 400 for bad JSON, bad fields and payloads the schema refuses, with a message', async () => {
    const bad: Array<[string, string, RegExp]> = [
      ['/stations/CS-201/start', '{"evseId": 1', /not valid JSON/],
      ['/stations/CS-201/start', '[1]', /must be a JSON object/],
      ['/stations/CS-201/start', '{"evseId": "one"}', /evseId must be an integer/],
      ['/stations/CS-201/start', '{"evse": 1}', /unknown field evse/],
      ['/stations/CS-201/start', '{"connectorId": 1}', /give evseId/],
      ['/stations/CS-201/start', '{"idTokenType": "Magic"}', /idTokenType must be one of/],
      ['/stations/CS-201/availability', '{"operative": "no"}', /operative must be true or false/],
      ['/stations/CS-201/trigger', '{}', /message is required/],
      ['/stations/CS-201/trigger', '{"message": "Coffee"}', /TriggerMessage not sent: \/requestedMessage: must be one of/],
      ['/stations/CP-16/stop', '{"transactionId": "abc"}', /integer/],
      ['/stations/CS-201/call', '{"action": "Reset"}', /Reset not sent: \/type: required but missing/],
      ['/stations/CS-201/call', '{"action": "Reset", "payload": [1]}', /payload must be a JSON object/],
    ];
    for (const [path, body, message] of bad) {
      const answer = await request('POST', path, body);
      assert.equal(answer.status, 400, `${path} ${body}: ${JSON.stringify(answer.body)}`);
      assert.match(String(answer.body['error']), message, `${path} ${body}`);
    }
    assert.equal(v201.pendingCalls + v16.pendingCalls, 0, 'a refused request still reached a station');
  });

  it('answers 404 for an unknown station or path, 405 for the wrong method, 409 when not connected', async () => {
    const unknown = await request('POST', '/stations/NOBODY/start', '{}');
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.body['error']), /no station "NOBODY"/);
    assert.equal((await request('GET', '/stations/NOBODY')).status, 404);
    assert.equal((await request('GET', '/nothing')).status, 404);
    assert.equal((await request('POST', '/stations/CS-201/dance', '{}')).status, 404);
    assert.equal((await request('GET', '/stations/CS-201/start')).status, 405);
    assert.equal((await request('DELETE', '/stations')).status, 405);
    await v16.close();
    await new Promise((r) => setTimeout(r, 50));
    const gone = await request('POST', '/stations/CP-16/reset', '{}');
    assert.equal(gone.status, 409);
    assert.match(String(gone.body['error']), /not connected/);
  });
});
