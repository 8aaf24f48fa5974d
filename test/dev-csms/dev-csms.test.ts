import assert from 'node:assert/strict';
import { filter, firstValueFrom } from 'rxjs';
import { DevCsms, answers, basicAuthProblem, DevCsmsError, type DevCsmsOptions, type MessageRecord } from '../../tools/dev-csms/dev-csms.js';
import { Secret, type OcppVersion } from '../../src/config/station-config.js';
import { OcppClient } from '../../src/ocpp/ocpp-client.js';
import { OcppSchemas } from '../../src/ocpp/rpc/ocpp-schemas.js';
import { CallErrorResponse, CallTimeout, NotConnected } from '../../src/ocpp/rpc/rpc-errors.js';
import { basicAuthorization } from '../../src/ocpp/transport/ocpp-websocket.js';
import { capturingLogger, RawStation, STATION_MESSAGES_1_6, STATION_MESSAGES_2_0_1, type Frame } from './raw-station.js';

const SUBPROTOCOL: Record<OcppVersion, string> = { '2.0.1': 'ocpp2.0.1', '1.6': 'ocpp1.6' };

let servers: DevCsms[] = [];
let stations: RawStation[] = [];
let clients: OcppClient[] = [];
let lines: string[] = [];

async function devCsms(options: Partial<DevCsmsOptions> = {}): Promise<DevCsms> {
  const csms = new DevCsms({ port: 0, log: capturingLogger(lines), ...options });
  await csms.start();
  servers.push(csms);
  return csms;
}

async function connect(csms: DevCsms, identity: string, version: OcppVersion | string[], headers: Record<string, string> = {}): Promise<RawStation> {
  const protocols = Array.isArray(version) ? version : [SUBPROTOCOL[version]];
  const station = await RawStation.connect(`${csms.url}/${encodeURIComponent(identity)}`, protocols, headers);
  stations.push(station);
  await csms.waitForConnection(identity);
  return station;
}

/** Asserts a CALLRESULT whose payload passes the response schema; returns the payload. */
function validResult(version: OcppVersion, action: string, frame: Frame): Record<string, unknown> {
  assert.equal(frame[0], 3, `${action}: expected a CALLRESULT, got ${JSON.stringify(frame)}`);
  const check = OcppSchemas.for(version).validate(action, 'response', frame[2]);
  assert.ok(check.ok, `${action} answer fails its schema: ${JSON.stringify(check)}`);
  return frame[2] as Record<string, unknown>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await Promise.all(stations.map((s) => s.close()));
  await Promise.all(servers.map((s) => s.stop()));
  clients = [];
  stations = [];
  servers = [];
  lines = [];
});

describe('DevCsms: answering stations', () => {
  it('answers every message of a 2.0.1 station with a valid CALLRESULT', async () => {
    const csms = await devCsms({ heartbeatIntervalS: 60 });
    const station = await connect(csms, 'CS-201', '2.0.1');
    assert.equal(station.protocol, 'ocpp2.0.1');
    for (const [action, payload] of Object.entries(STATION_MESSAGES_2_0_1)) {
      assert.ok(OcppSchemas.for('2.0.1').validate(action, 'request', payload).ok, `fixture ${action} is invalid`);
      const answer = validResult('2.0.1', action, await station.call(action, payload));
      switch (action) {
        case 'BootNotification':
          assert.equal(answer['status'], 'Accepted');
          assert.equal(answer['interval'], 60);
          assert.ok(Math.abs(Date.parse(String(answer['currentTime'])) - Date.now()) < 5000);
          break;
        case 'Heartbeat':
          assert.ok(Math.abs(Date.parse(String(answer['currentTime'])) - Date.now()) < 5000);
          break;
        case 'Authorize':
        case 'TransactionEvent':
          assert.deepEqual(answer['idTokenInfo'], { status: 'Accepted' });
          break;
        case 'DataTransfer':
          assert.equal(answer['status'], 'UnknownVendorId');
          break;
        default:
          assert.deepEqual(answer, {});
      }
    }
    // A transaction message without an idToken gets no idTokenInfo (E01.FR.06 answers idTokens only).
    const updated = await station.call('TransactionEvent', {
      eventType: 'Updated',
      timestamp: '2025-01-01T12:05:00.000Z',
      triggerReason: 'MeterValuePeriodic',
      seqNo: 1,
      transactionInfo: { transactionId: 'tx-0001', chargingState: 'Charging' },
      meterValue: [{ timestamp: '2025-01-01T12:05:00.000Z', sampledValue: [{ value: 13000 }] }],
    });
    assert.deepEqual(validResult('2.0.1', 'TransactionEvent', updated), {});
    const ended = await station.call('TransactionEvent', {
      eventType: 'Ended',
      timestamp: '2025-01-01T12:10:00.000Z',
      triggerReason: 'StopAuthorized',
      seqNo: 2,
      transactionInfo: { transactionId: 'tx-0001', chargingState: 'Idle', stoppedReason: 'Local' },
      meterValue: [{ timestamp: '2025-01-01T12:10:00.000Z', sampledValue: [{ value: 14.5, unitOfMeasure: { unit: 'kWh' } }] }],
    });
    validResult('2.0.1', 'TransactionEvent', ended);

    const state = csms.station('CS-201')!.state();
    assert.equal(state.version, '2.0.1');
    assert.equal(state.connected, true);
    assert.deepEqual(
      { ...state.boot, at: undefined },
      { at: undefined, reason: 'PowerUp', vendor: 'evse-agent', model: 'SIM', serialNumber: 'S-1', firmwareVersion: '0.1.0', status: 'Accepted', intervalS: 60 },
    );
    assert.ok(state.lastHeartbeatAt);
    assert.deepEqual(state.connectors, [{ evseId: 1, connectorId: 1, status: 'Available', at: '2025-01-01T12:00:00.000Z' }]);
    assert.deepEqual(state.transactions['tx-0001'], {
      transactionId: 'tx-0001',
      evseId: 1,
      connectorId: 1,
      idToken: 'TOKEN-1',
      running: false,
      state: 'ended',
      startedAt: '2025-01-01T12:00:00.000Z',
      endedAt: '2025-01-01T12:10:00.000Z',
      seqNos: [0, 1, 2],
      triggerReason: 'StopAuthorized',
      chargingState: 'Idle',
      stoppedReason: 'Local',
      meterStartWh: 12345,
      meterLatestWh: 14500,
      meterStopWh: 14500,
      energyWh: 2155,
    });
  });

  it('answers every message of a 1.6 charge point, assigning increasing transaction ids', async () => {
    const csms = await devCsms();
    const station = await connect(csms, 'CP-16', '1.6');
    assert.equal(station.protocol, 'ocpp1.6');
    for (const [action, payload] of Object.entries(STATION_MESSAGES_1_6)) {
      assert.ok(OcppSchemas.for('1.6').validate(action, 'request', payload).ok, `fixture ${action} is invalid`);
      const answer = validResult('1.6', action, await station.call(action, payload));
      if (action === 'BootNotification') assert.deepEqual([answer['status'], answer['interval']], ['Accepted', 300]);
      if (action === 'Authorize') assert.deepEqual(answer['idTagInfo'], { status: 'Accepted' });
      if (action === 'StartTransaction') {
        assert.equal(answer['transactionId'], 1);
        assert.deepEqual(answer['idTagInfo'], { status: 'Accepted' });
      }
      if (action === 'DataTransfer') assert.equal(answer['status'], 'UnknownVendorId');
    }
    // A second transaction, on another connector, from another charge point: the id keeps counting.
    const other = await connect(csms, 'CP-16-B', '1.6');
    const second = validResult('1.6', 'StartTransaction', await other.call('StartTransaction', { connectorId: 2, idTag: 'TOKEN-2', meterStart: 0, timestamp: '2025-01-01T13:00:00.000Z' }));
    assert.equal(second['transactionId'], 2);
    const third = validResult('1.6', 'StartTransaction', await station.call('StartTransaction', { connectorId: 2, idTag: 'TOKEN-3', meterStart: 50, timestamp: '2025-01-01T13:00:00.000Z' }));
    assert.equal(third['transactionId'], 3);

    const stop = await station.call('StopTransaction', { transactionId: 1, idTag: 'TOKEN-1', meterStop: 2500, timestamp: '2025-01-01T14:00:00.000Z' });
    assert.deepEqual(validResult('1.6', 'StopTransaction', stop), { idTagInfo: { status: 'Accepted' } });
    const stopNoTag = await station.call('StopTransaction', { transactionId: 3, meterStop: 60, timestamp: '2025-01-01T14:00:00.000Z', reason: 'EVDisconnected' });
    assert.deepEqual(validResult('1.6', 'StopTransaction', stopNoTag), {});

    const state = csms.station('CP-16')!.state();
    assert.equal(state.boot?.model, 'SIM');
    assert.deepEqual(state.connectors, [{ connectorId: 1, status: 'Available', errorCode: 'NoError', at: '2025-01-01T12:00:00.000Z' }]);
    assert.deepEqual(state.transactions['1'], {
      transactionId: 1,
      connectorId: 1,
      idToken: 'TOKEN-1',
      running: false,
      state: 'ended',
      startedAt: '2025-01-01T12:00:00.000Z',
      endedAt: '2025-01-01T14:00:00.000Z',
      stoppedReason: 'Local',
      meterStartWh: 1000,
      meterLatestWh: 2500,
      meterStopWh: 2500,
      energyWh: 1500,
    });
    assert.equal(state.transactions['3']?.stoppedReason, 'EVDisconnected');
    assert.equal(state.transactions['3']?.energyWh, 10);
    assert.equal(csms.station('CP-16-B')!.state().transactions['2']?.running, true);
  });

  it('answers Blocked and Invalid for the configured id tokens, in both versions', async () => {
    const csms = await devCsms({ blockedIdTokens: ['BLOCKED'], invalidIdTokens: ['NOPE'] });
    const v201 = await connect(csms, 'CS-201', '2.0.1');
    const v16 = await connect(csms, 'CP-16', '1.6');
    const authorize201 = async (token: string): Promise<unknown> =>
      validResult('2.0.1', 'Authorize', await v201.call('Authorize', { idToken: { idToken: token, type: 'ISO14443' } }))['idTokenInfo'];
    const authorize16 = async (token: string): Promise<unknown> => validResult('1.6', 'Authorize', await v16.call('Authorize', { idTag: token }))['idTagInfo'];
    assert.deepEqual(await authorize201('BLOCKED'), { status: 'Blocked' });
    assert.deepEqual(await authorize201('NOPE'), { status: 'Invalid' });
    assert.deepEqual(await authorize201('ANY'), { status: 'Accepted' });
    assert.deepEqual(await authorize16('BLOCKED'), { status: 'Blocked' });
    assert.deepEqual(await authorize16('NOPE'), { status: 'Invalid' });
    const start = validResult('1.6', 'StartTransaction', await v16.call('StartTransaction', { connectorId: 1, idTag: 'BLOCKED', meterStart: 0, timestamp: '2025-01-01T12:00:00Z' }));
    assert.deepEqual(start['idTagInfo'], { status: 'Blocked' });
    assert.equal(typeof start['transactionId'], 'number');
    // The lists can change at run time; reset() restores the configured ones.
    csms.blockedIdTokens.add('ANY');
    assert.deepEqual(await authorize201('ANY'), { status: 'Blocked' });
    csms.reset();
    assert.deepEqual(await authorize201('ANY'), { status: 'Accepted' });
    assert.deepEqual(await authorize201('BLOCKED'), { status: 'Blocked' });
  });

  it('gets along with the agent\'s own OcppClient, 2.0.1 and 1.6 with Basic auth', async () => {
    const hexKey = '0123456789abcdef0123456789abcdef';
    const csms = await devCsms({ basicAuth: { 'CS-201': 'a-long-enough-password', 'CP-16': hexKey } });
    for (const [identity, version, password] of [
      ['CS-201', '2.0.1', 'a-long-enough-password'],
      ['CP-16', '1.6', hexKey],
    ] as const) {
      const client = new OcppClient({
        url: csms.url,
        identity,
        version,
        securityProfile: 1,
        password: new Secret(password),
        backoff: () => ({ waitMinimumS: 0.05, randomRangeS: 0, repeatTimes: 1 }),
        pingIntervalS: () => 0,
        callTimeoutMs: () => 2000,
      });
      clients.push(client);
      client.start();
      await csms.waitForConnection(identity);
      await firstValueFrom(client.connected$.pipe(filter(Boolean)));
      const boot = version === '2.0.1' ? STATION_MESSAGES_2_0_1['BootNotification']! : STATION_MESSAGES_1_6['BootNotification']!;
      assert.equal(((await client.call('BootNotification', boot)) as { status: string }).status, 'Accepted');
      const connected = csms.station(identity)!.connections[0]!;
      assert.equal(connected.authorization, true);
      assert.equal(connected.subprotocol, SUBPROTOCOL[version]);
    }
    // 1.6 sends the key's octets, not its text: both are accepted for a hexadecimal password.
    assert.equal(basicAuthProblem({ X: hexKey }, 'X', basicAuthorization('1.6', 'X', new Secret(hexKey))), undefined);
    assert.equal(basicAuthProblem({ X: hexKey }, 'X', basicAuthorization('2.0.1', 'X', new Secret(hexKey))), undefined);
    assert.ok(!lines.some((l) => l.includes('a-long-enough-password') || l.includes(hexKey)), 'a password was logged');
  });
});

describe('DevCsms: strict validation', () => {
  it('answers a malformed 2.0.1 BootNotification with OccurrenceConstraintViolation and records it', async () => {
    const csms = await devCsms();
    const station = await connect(csms, 'CS-201', '2.0.1');
    const missing = await station.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'evse-agent' } });
    assert.equal(missing[0], 4);
    assert.equal(missing[2], 'OccurrenceConstraintViolation');
    assert.match(String(missing[3]), /model/);
    const wrongType = await station.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'evse-agent', model: 42 } });
    assert.equal(wrongType[2], 'TypeConstraintViolation');
    const badEnum = await station.call('BootNotification', { reason: 'Bored', chargingStation: { vendorName: 'evse-agent', model: 'SIM' } });
    assert.equal(badEnum[2], 'PropertyConstraintViolation');
    const unknownAction = await station.call('MakeCoffee', {});
    assert.equal(unknownAction[2], 'NotImplemented');
    station.send('not json');
    const unreadable = await station.answer('-1');
    assert.deepEqual(unreadable.slice(0, 3), [4, '-1', 'RpcFrameworkError']);

    const record = csms.station('CS-201')!;
    assert.deepEqual(
      record.callErrors.map((m) => [m.direction, m.action, m.error?.code]),
      [
        ['toStation', 'BootNotification', 'OccurrenceConstraintViolation'],
        ['toStation', 'BootNotification', 'TypeConstraintViolation'],
        ['toStation', 'BootNotification', 'PropertyConstraintViolation'],
        ['toStation', 'MakeCoffee', 'NotImplemented'],
        ['toStation', undefined, 'RpcFrameworkError'],
      ],
    );
    assert.equal(record.messages.find((m) => m.kind === 'unreadable')?.payload, 'not json');
    // A malformed boot changes nothing in the state view.
    assert.equal(record.state().boot, undefined);
  });

  it('spells the 1.6 codes the 1.6 way: OccurenceConstraintViolation, FormationViolation', async () => {
    const csms = await devCsms();
    const station = await connect(csms, 'CP-16', '1.6');
    const missing = await station.call('BootNotification', { chargePointVendor: 'evse-agent' });
    assert.equal(missing[0], 4);
    assert.equal(missing[2], 'OccurenceConstraintViolation');
    const extra = await station.call('BootNotification', { chargePointVendor: 'evse-agent', chargePointModel: 'SIM', colour: 'red' });
    assert.equal(extra[2], 'FormationViolation');
    assert.deepEqual(
      csms.station('CP-16')!.callErrors.map((m) => m.error?.code),
      ['OccurenceConstraintViolation', 'FormationViolation'],
    );
  });
});

describe('DevCsms: connections', () => {
  it('prefers 2.0.1 when both are offered, and follows the configured preference', async () => {
    const both = await devCsms();
    assert.equal((await connect(both, 'A', ['ocpp1.6', 'ocpp2.0.1'])).protocol, 'ocpp2.0.1');
    const only16 = await devCsms({ versions: ['1.6'] });
    assert.equal((await connect(only16, 'B', ['ocpp2.0.1', 'ocpp1.6'])).protocol, 'ocpp1.6');
    assert.equal(only16.station('B')!.version, '1.6');
  });

  it('refuses a station offering no supported subprotocol: no Sec-WebSocket-Protocol, then closed', async () => {
    const csms = await devCsms({ versions: ['2.0.1'] });
    const refused = await RawStation.refusal(`${csms.url}/OLD`, ['ocpp1.6', 'ocpp1.5']);
    // ws fails the handshake when the server picks none of the offered subprotocols.
    assert.match(refused.message, /Server sent no subprotocol/);
    // Offering none at all: the handshake completes, then the CSMS closes at once.
    const silent = await RawStation.connect(`${csms.url}/NONE`, []);
    stations.push(silent);
    assert.equal(silent.protocol, '');
    assert.equal((await silent.whenClosed()).code, 1002);
    assert.equal(csms.station('OLD'), undefined);
    assert.equal(csms.station('NONE'), undefined);
    assert.deepEqual(
      csms.connectionEvents.map((e) => [e.type, e.identity, e.offered]),
      [
        ['refused', 'OLD', ['ocpp1.6', 'ocpp1.5']],
        ['refused', 'NONE', []],
      ],
    );
  });

  it('takes the identity from the path, percent-decoded, and answers 404 elsewhere', async () => {
    const csms = await devCsms({ path: '/ocpp/' });
    await connect(csms, 'EVSE 1/A', '2.0.1');
    assert.equal(csms.station('EVSE 1/A')?.connected, true);
    assert.equal((await RawStation.refusal(`ws://127.0.0.1:${csms.port}/other/CS1`, ['ocpp2.0.1'])).status, 404);
    assert.equal((await RawStation.refusal(`ws://127.0.0.1:${csms.port}/ocpp/`, ['ocpp2.0.1'])).status, 404);
    assert.equal((await RawStation.refusal(`ws://127.0.0.1:${csms.port}/ocpp/a/b`, ['ocpp2.0.1'])).status, 404);
  });

  it('requires Basic auth when configured: 401 without it or with a wrong password', async () => {
    const password = 'correct-horse-battery-staple';
    const csms = await devCsms({ basicAuth: { CS1: password } });
    const url = `${csms.url}/CS1`;
    const basic = (user: string, pass: string): Record<string, string> => ({ Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
    const none = await RawStation.refusal(url, ['ocpp2.0.1']);
    assert.equal(none.status, 401);
    assert.match(none.wwwAuthenticate ?? '', /^Basic/);
    assert.equal((await RawStation.refusal(url, ['ocpp2.0.1'], basic('CS1', 'wrong-password'))).status, 401);
    assert.equal((await RawStation.refusal(url, ['ocpp2.0.1'], basic('CS2', password))).status, 401);
    assert.equal((await RawStation.refusal(`${csms.url}/CS2`, ['ocpp2.0.1'], basic('CS2', password))).status, 401);
    assert.equal(csms.station('CS1'), undefined);

    await connect(csms, 'CS1', '2.0.1', basic('CS1', password));
    assert.equal(csms.station('CS1')!.connections[0]!.authorization, true);
    assert.deepEqual(
      csms.connectionEvents.map((e) => [e.type, e.status, e.reason, e.authorization]),
      [
        ['refused', 401, 'no Authorization header', false],
        ['refused', 401, 'wrong password', true],
        ['refused', 401, 'the username is not the station identity', true],
        ['refused', 401, 'no password is set for this station', true],
        ['connected', undefined, undefined, true],
      ],
    );
    assert.ok(!lines.some((l) => l.includes(password) || l.includes('wrong-password')), 'a password was logged');
  });

  it('records connections and disconnections; a reconnecting station replaces its old connection', async () => {
    const csms = await devCsms();
    const first = await connect(csms, 'CS1', '2.0.1');
    const events: string[] = [];
    csms.connections$.subscribe((e) => events.push(`${e.type} ${e.identity ?? ''}`));
    const second = await RawStation.connect(`${csms.url}/CS1`, ['ocpp2.0.1']);
    stations.push(second);
    await first.whenClosed();
    assert.equal(csms.station('CS1')!.connected, true);
    // The answer comes on the new connection.
    validResult('2.0.1', 'Heartbeat', await second.call('Heartbeat', {}));
    await second.close();
    await sleep(50);
    assert.deepEqual(events, ['disconnected CS1', 'connected CS1', 'disconnected CS1']);
    assert.equal(csms.station('CS1')!.connected, false);
    assert.ok(csms.station('CS1')!.state().disconnectedAt);
  });
});

describe('DevCsms: programmed answers', () => {
  it('answers a Pending boot with its interval, then the default again after reset()', async () => {
    const csms = await devCsms();
    const station = await connect(csms, 'CS1', '2.0.1');
    csms.answer('BootNotification', answers.boot('Pending', 7));
    const pending = validResult('2.0.1', 'BootNotification', await station.call('BootNotification', STATION_MESSAGES_2_0_1['BootNotification']));
    assert.deepEqual([pending['status'], pending['interval']], ['Pending', 7]);
    assert.equal(csms.station('CS1')!.state().boot?.status, 'Pending');
    csms.reset();
    const accepted = validResult('2.0.1', 'BootNotification', await station.call('BootNotification', STATION_MESSAGES_2_0_1['BootNotification']));
    assert.equal(accepted['status'], 'Accepted');
  });

  it('answers with a CALLERROR, spelled for the version', async () => {
    const csms = await devCsms();
    const v201 = await connect(csms, 'CS1', '2.0.1');
    const v16 = await connect(csms, 'CP1', '1.6');
    csms.answer('Heartbeat', answers.callError('OccurrenceConstraintViolation', 'not today'));
    assert.deepEqual(await v201.call('Heartbeat', {}), [4, 'm1', 'OccurrenceConstraintViolation', 'not today', {}]);
    assert.deepEqual(await v16.call('Heartbeat', {}), [4, 'm1', 'OccurenceConstraintViolation', 'not today', {}]);
  });

  it('answers with a function of the request and the station, a fixed payload, or after a delay', async () => {
    const csms = await devCsms();
    const station = await connect(csms, 'CS1', '2.0.1');
    csms.answer('Authorize', (payload, from) => {
      const token = (payload as { idToken: { idToken: string } }).idToken.idToken;
      return { idTokenInfo: { status: token === 'GOOD' && from.identity === 'CS1' ? 'Accepted' : 'Unknown' } };
    });
    assert.deepEqual(validResult('2.0.1', 'Authorize', await station.call('Authorize', { idToken: { idToken: 'GOOD', type: 'ISO14443' } }))['idTokenInfo'], { status: 'Accepted' });
    assert.deepEqual(validResult('2.0.1', 'Authorize', await station.call('Authorize', { idToken: { idToken: 'BAD', type: 'ISO14443' } }))['idTokenInfo'], { status: 'Unknown' });
    csms.answer('Authorize', answers.authorize('Expired'));
    assert.deepEqual(validResult('2.0.1', 'Authorize', await station.call('Authorize', { idToken: { idToken: 'X', type: 'ISO14443' } }))['idTokenInfo'], { status: 'Expired' });
    csms.answer('DataTransfer', { status: 'Accepted', data: 'hi' });
    assert.deepEqual(validResult('2.0.1', 'DataTransfer', await station.call('DataTransfer', { vendorId: 'x' })), { status: 'Accepted', data: 'hi' });

    csms.answer('Heartbeat', answers.delayed(300, { currentTime: '2025-01-01T00:00:00.000Z' }));
    const started = Date.now();
    const late = await station.call('Heartbeat', {});
    assert.ok(Date.now() - started >= 280, `answered after ${Date.now() - started} ms`);
    assert.deepEqual(late[2], { currentTime: '2025-01-01T00:00:00.000Z' });

    // A programmed answer that breaks the schema goes out as InternalError, never as sent.
    csms.answer('Heartbeat', { currentTime: 'yesterday' });
    assert.equal((await station.call('Heartbeat', {}))[2], 'InternalError');
    assert.throws(() => csms.answer('MakeCoffee', {}), /not an action/);
  });

  it('never answers when told to, so the station\'s timeout can be tested', async () => {
    const csms = await devCsms();
    const station = await connect(csms, 'CS1', '2.0.1');
    csms.answer('StatusNotification', answers.never());
    station.send(JSON.stringify([2, 'silent', 'StatusNotification', STATION_MESSAGES_2_0_1['StatusNotification']]));
    assert.equal(await station.answered('silent', 400), false);
    // Other actions are still answered meanwhile.
    validResult('2.0.1', 'Heartbeat', await station.call('Heartbeat', {}));
    assert.equal(csms.station('CS1')!.state().connectors.length, 0);
  });
});

describe('DevCsms: commands and waiting', () => {
  it('sends a command and resolves with the station\'s answer, recording both', async () => {
    const csms = await devCsms();
    const station = await connect(csms, 'CS1', '2.0.1');
    const pending = csms.requestStartTransaction('CS1', { evseId: 1, idToken: 'ABC' });
    const call = await station.nextCall();
    assert.equal(call[2], 'RequestStartTransaction');
    assert.deepEqual(call[3], { evseId: 1, idToken: { idToken: 'ABC', type: 'Central' }, remoteStartId: 1 });
    station.respond(call[1], { status: 'Accepted', transactionId: 'tx-9' });
    assert.deepEqual(await pending, { status: 'Accepted', transactionId: 'tx-9' });
    const record = csms.station('CS1')!.messages.filter((m) => m.action === 'RequestStartTransaction');
    assert.deepEqual(
      record.map((m) => [m.direction, m.kind, m.messageId === call[1]]),
      [
        ['toStation', 'call', true],
        ['fromStation', 'callResult', true],
      ],
    );
    assert.deepEqual(record[1]!.payload, { status: 'Accepted', transactionId: 'tx-9' });
  });

  it('keeps one call in flight per connection', async () => {
    const csms = await devCsms();
    const station = await connect(csms, 'CS1', '2.0.1');
    const first = csms.call('CS1', 'TriggerMessage', { requestedMessage: 'Heartbeat' });
    const second = csms.call('CS1', 'TriggerMessage', { requestedMessage: 'StatusNotification' });
    const call1 = await station.nextCall();
    await sleep(100);
    assert.equal(station.pendingCalls, 0, 'the second CALL went out before the first was answered');
    station.respond(call1[1], { status: 'Accepted' });
    const call2 = await station.nextCall();
    assert.deepEqual(call2[3], { requestedMessage: 'StatusNotification' });
    station.respond(call2[1], { status: 'Rejected' });
    assert.deepEqual(await first, { status: 'Accepted' });
    assert.deepEqual(await second, { status: 'Rejected' });
  });

  it('rejects with the station\'s CALLERROR, a timeout, or NotConnected', async () => {
    const csms = await devCsms({ messageTimeoutMs: 200 });
    const station = await connect(csms, 'CP1', '1.6');
    const refused = csms.remoteStartTransaction('CP1', { connectorId: 1 });
    const call = await station.nextCall();
    assert.deepEqual(call[3], { connectorId: 1, idTag: 'DEV-CSMS' });
    station.respondError(call[1], 'NotSupported', 'no remote start here');
    await assert.rejects(refused, (err: unknown) => err instanceof CallErrorResponse && err.errorCode === 'NotSupported');
    assert.equal(csms.station('CP1')!.callErrors[0]?.direction, 'fromStation');

    await assert.rejects(csms.getConfiguration('CP1'), CallTimeout);
    await assert.rejects(csms.requestStartTransaction('CP1'), (err: unknown) => err instanceof DevCsmsError && err.kind === 'wrongVersion');
    await assert.rejects(csms.call('NOBODY', 'Reset', { type: 'Soft' }), (err: unknown) => err instanceof DevCsmsError && err.kind === 'unknownStation');
    await station.close();
    await sleep(50);
    await assert.rejects(csms.resetStation('CP1'), NotConnected);
  });

  it('waits for a message, already received or still to come, with a predicate and a timeout', async () => {
    const csms = await devCsms();
    const station = await connect(csms, 'CS1', '2.0.1');
    await station.call('BootNotification', STATION_MESSAGES_2_0_1['BootNotification']);
    // Already recorded: resolves at once.
    const boot = await csms.waitFor('CS1', 'BootNotification');
    assert.equal(boot.direction, 'fromStation');
    assert.ok(boot.at instanceof Date);

    const occupied = csms.waitFor<{ connectorStatus: string }>('CS1', 'StatusNotification', (p) => p.connectorStatus === 'Occupied', 2000);
    const next = csms.waitForNext('CS1', 'StatusNotification');
    await station.call('StatusNotification', { ...STATION_MESSAGES_2_0_1['StatusNotification'], connectorStatus: 'Available' });
    assert.equal(((await next).payload as { connectorStatus: string }).connectorStatus, 'Available');
    await station.call('StatusNotification', { ...STATION_MESSAGES_2_0_1['StatusNotification'], connectorStatus: 'Occupied' });
    const record: MessageRecord<{ connectorStatus: string }> = await occupied;
    assert.equal(record.payload.connectorStatus, 'Occupied');

    await assert.rejects(csms.waitFor('CS1', 'Heartbeat', undefined, 100), /CS1 sent no matching Heartbeat within 100 ms; its last messages: BootNotification, StatusNotification, StatusNotification/);
    await assert.rejects(csms.waitFor('GHOST', 'Heartbeat', undefined, 50), /GHOST never connected/);
    await assert.rejects(csms.waitForConnection('GHOST', 50), /GHOST did not connect/);
    const events: MessageRecord[] = [];
    csms.messages$.subscribe((m) => events.push(m));
    await station.call('Heartbeat', {});
    assert.deepEqual(
      events.map((m) => [m.direction, m.kind, m.action]),
      [
        ['fromStation', 'call', 'Heartbeat'],
        ['toStation', 'callResult', 'Heartbeat'],
      ],
    );
    assert.ok(events[1]!.seq > events[0]!.seq);
    // Forgotten messages are no longer found; the state view stays.
    csms.clearMessages('CS1');
    await assert.rejects(csms.waitFor('CS1', 'BootNotification', undefined, 50), /its last messages: none/);
    assert.equal(csms.station('CS1')!.state().boot?.status, 'Accepted');
  });

  it('stops a 1.6 transaction by the id it assigned; refuses to guess between several', async () => {
    const csms = await devCsms();
    const station = await connect(csms, 'CP1', '1.6');
    const noneRunning = csms.remoteStop('CP1');
    await assert.rejects(noneRunning, (err: unknown) => err instanceof DevCsmsError && err.kind === 'conflict');
    await station.call('StartTransaction', STATION_MESSAGES_1_6['StartTransaction']);
    const stopping = csms.remoteStop('CP1');
    const call = await station.nextCall();
    assert.deepEqual([call[2], call[3]], ['RemoteStopTransaction', { transactionId: 1 }]);
    station.respond(call[1], { status: 'Accepted' });
    assert.deepEqual((await stopping).response, { status: 'Accepted' });
    await station.call('StartTransaction', { ...STATION_MESSAGES_1_6['StartTransaction'], connectorId: 2 });
    await assert.rejects(csms.remoteStop('CP1'), /2 running transactions \(1, 2\)/);
    await assert.rejects(csms.remoteStop('CP1', { transactionId: 'one' }), /an OCPP 1.6 transactionId is an integer/);
  });
});

describe('DevCsms: message lines', () => {
  it('prints one short line per message, both ways, and never a password', async () => {
    const csms = await devCsms();
    const station = await connect(csms, 'EVSE-SIM-001', '2.0.1');
    await station.call('BootNotification', STATION_MESSAGES_2_0_1['BootNotification']);
    await station.call('TransactionEvent', STATION_MESSAGES_2_0_1['TransactionEvent']);
    await station.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'x' } });
    const setting = csms.setVariables('EVSE-SIM-001', [
      { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'super-secret-password-123' },
    ]);
    const call = await station.nextCall();
    station.respond(call[1], { setVariableResult: [{ attributeStatus: 'Accepted', component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } }] });
    await setting;
    const info = lines.filter((l) => l.startsWith('info ')).map((l) => l.slice(5));
    assert.deepEqual(info, [
      'EVSE-SIM-001 connected (ocpp2.0.1, no Authorization header)',
      'EVSE-SIM-001 -> BootNotification PowerUp evse-agent/SIM serial=S-1 fw=0.1.0',
      'EVSE-SIM-001 <- Accepted interval=300',
      'EVSE-SIM-001 -> TransactionEvent Started tx=tx-0001 seq=0 trigger=Authorized evse=1/1 Charging idToken=TOKEN-1 12.345 kWh session 0.000 kWh',
      'EVSE-SIM-001 <- Accepted',
      'EVSE-SIM-001 -> BootNotification PowerUp x/?',
      'EVSE-SIM-001 <- CALLERROR OccurrenceConstraintViolation: /chargingStation/model: required but missing',
      'EVSE-SIM-001 <- SetVariables SecurityCtrlr.BasicAuthPassword=********',
      'EVSE-SIM-001 -> SecurityCtrlr.BasicAuthPassword Accepted (SetVariables)',
    ]);
    assert.ok(!lines.some((l) => l.includes('super-secret-password-123')));
  });
});
