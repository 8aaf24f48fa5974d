import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/cli.js';
import type { CliIo } from '../../src/cli/io.js';
import type { StationState } from '../../tools/dev-csms/station-state.js';
import { waitForOutput } from '../helpers/cli.js';
import { RawStation, STATION_MESSAGES_1_6, STATION_MESSAGES_2_0_1 } from './raw-station.js';

/**
 * `evse-agent dev-csms` for the unhappy paths a developer tries by hand: cards and boots it says
 * no to (command line and control API), and what it prints and serves about a session's energy
 * and an ended transaction.
 */

interface Running {
  wsUrl: string;
  apiUrl: string;
  output(): string;
  stop(): Promise<number>;
}

async function devCsms(flags: string[]): Promise<Running> {
  let stdout = '';
  const abort = new AbortController();
  const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stdout += t) }, stop: abort.signal };
  const exit = runCli(['dev-csms', '--port', '0', '--http-port', '0', ...flags], io);
  const wsUrl = (await waitForOutput(() => stdout, /OCPP 2\.0\.1 and 1\.6 on (ws:\/\/127\.0\.0\.1:\d+\/ocpp)\/<identity>/))[1]!;
  const apiUrl = (await waitForOutput(() => stdout, /control API on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  return {
    wsUrl,
    apiUrl,
    output: () => stdout,
    stop: async () => {
      abort.abort();
      return exit;
    },
  };
}

/** The payload of a CALLRESULT frame, as the test expects it (T). */
const result = <T = Record<string, unknown>>(frame: unknown[]): T => frame[2] as T;

/** A request to the control API; its JSON body as the test expects it (T). */
async function api<T = Record<string, unknown>>(url: string, method = 'GET'): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { method });
  return { status: res.status, body: (await res.json()) as T };
}

type AuthorizeResult201 = { idTokenInfo: { status: string } };

describe('evse-agent dev-csms: the unhappy paths by hand', () => {
  let csms: Running | undefined;
  const stations: RawStation[] = [];
  afterEach(async () => {
    for (const s of stations.splice(0)) s.socket.terminate();
    if (csms) assert.equal(await csms.stop(), 0);
    csms = undefined;
  });

  async function station(identity: string, protocol: 'ocpp2.0.1' | 'ocpp1.6'): Promise<RawStation> {
    const s = await RawStation.connect(`${csms!.wsUrl}/${identity}`, [protocol]);
    stations.push(s);
    return s;
  }

  it('--reject-card, --block-card, --reject-boot and --pending-boot (repeatable) answer those cards and boots no', async () => {
    csms = await devCsms(['--reject-card', 'BAD-1', '--reject-card', 'BAD-2', '--block-card', 'STOLEN', '--reject-boot', 'EVSE-REJ', '--pending-boot', 'EVSE-PEND']);
    assert.match(csms.output(), /^dev-csms: cards answered Invalid: BAD-1, BAD-2$/m);
    assert.match(csms.output(), /^dev-csms: cards answered Blocked: STOLEN$/m);
    assert.match(csms.output(), /^dev-csms: boots answered Rejected: EVSE-REJ$/m);
    assert.match(csms.output(), /^dev-csms: boots answered Pending: EVSE-PEND$/m);

    const boot = STATION_MESSAGES_2_0_1['BootNotification']!;
    const rejected = result(await (await station('EVSE-REJ', 'ocpp2.0.1')).call('BootNotification', boot));
    assert.equal(rejected['status'], 'Rejected');
    assert.equal(rejected['interval'], 10, 'a rejected station is asked to try again soon');
    assert.equal(result(await (await station('EVSE-PEND', 'ocpp1.6')).call('BootNotification', STATION_MESSAGES_1_6['BootNotification']))['status'], 'Pending');
    const ok = await station('EVSE-OK', 'ocpp2.0.1');
    assert.deepEqual(
      [result(await ok.call('BootNotification', boot))['status'], result(await ok.call('BootNotification', boot))['interval']],
      ['Accepted', 300],
    );
    const authorize = async (s: RawStation, idToken: string): Promise<string> =>
      result<AuthorizeResult201>(await s.call('Authorize', { idToken: { idToken, type: 'ISO14443' } })).idTokenInfo.status;
    assert.equal(await authorize(ok, 'BAD-2'), 'Invalid');
    assert.equal(await authorize(ok, 'STOLEN'), 'Blocked');
    assert.equal(await authorize(ok, 'TOKEN-1'), 'Accepted');
    const pending16 = stations[1]!;
    assert.equal(result<{ idTagInfo: { status: string } }>(await pending16.call('Authorize', { idTag: 'BAD-1' })).idTagInfo.status, 'Invalid');
    await waitForOutput(() => csms!.output(), /EVSE-REJ <- Rejected interval=10/);
  });

  it('the control API lists them and adds or removes entries at run time (GET /lists, PUT and DELETE /lists/{list}/{value})', async () => {
    csms = await devCsms(['--reject-boot', 'EVSE-REJ']);
    const lists = `${csms.apiUrl}/lists`;
    assert.deepEqual((await api(lists)).body, { 'rejected-cards': [], 'blocked-cards': [], 'rejected-boots': ['EVSE-REJ'], 'pending-boots': [] });
    const s = await station('EVSE-REJ', 'ocpp2.0.1');
    const boot = STATION_MESSAGES_2_0_1['BootNotification']!;
    assert.equal(result(await s.call('BootNotification', boot))['status'], 'Rejected');

    assert.equal((await api<Record<string, string[]>>(`${lists}/rejected-boots/EVSE-REJ`, 'DELETE')).body['rejected-boots']!.length, 0);
    assert.equal(result(await s.call('BootNotification', boot))['status'], 'Accepted');
    const added = await api(`${lists}/rejected-cards/TOKEN-1`, 'PUT');
    assert.deepEqual(added.body['rejected-cards'], ['TOKEN-1']);
    assert.equal(result<AuthorizeResult201>(await s.call('Authorize', { idToken: { idToken: 'TOKEN-1', type: 'ISO14443' } })).idTokenInfo.status, 'Invalid');
    await api(`${lists}/blocked-cards/TOKEN-1`, 'PUT');
    await api(`${lists}/rejected-cards/TOKEN-1`, 'DELETE');
    assert.equal(result<AuthorizeResult201>(await s.call('Authorize', { idToken: { idToken: 'TOKEN-1', type: 'ISO14443' } })).idTokenInfo.status, 'Blocked');
    await api(`${lists}/pending-boots/EVSE-REJ`, 'PUT');
    assert.equal(result(await s.call('BootNotification', boot))['status'], 'Pending');
    assert.deepEqual((await api(`${lists}/pending-boots`)).body, { 'pending-boots': ['EVSE-REJ'] });

    const bad = await api<{ error: string }>(`${lists}/nope`);
    assert.equal(bad.status, 404);
    assert.match(bad.body.error, /no list "nope"; lists: rejected-cards, blocked-cards, rejected-boots, pending-boots/);
    assert.equal((await api(`${lists}/rejected-cards/X`, 'POST')).status, 405);
    assert.equal((await api(lists, 'PUT')).status, 405);
  });

  it('prints the session energy beside the register and an ended transaction as ended; GET /stations/{id} says "ended" (2.0.1)', async () => {
    csms = await devCsms([]);
    const s = await station('EVSE-SIM-001', 'ocpp2.0.1');
    await s.call('BootNotification', STATION_MESSAGES_2_0_1['BootNotification']);
    const id = 'a1b2c3d4-0000-4000-8000-000000000001';
    const at = new Date().toISOString();
    const event = (eventType: string, seqNo: number, wh: number, extra: object = {}): object => ({
      eventType,
      timestamp: at,
      triggerReason: eventType === 'Started' ? 'Authorized' : eventType === 'Ended' ? 'EVCommunicationLost' : 'MeterValuePeriodic',
      seqNo,
      transactionInfo: { transactionId: id, chargingState: 'Charging', ...extra },
      evse: { id: 1, connectorId: 1 },
      meterValue: [{ timestamp: at, sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register' }] }],
    });
    await s.call('TransactionEvent', event('Started', 0, 12345));
    await s.call('TransactionEvent', event('Updated', 1, 13579));
    let view = await api<StationState>(`${csms.apiUrl}/stations/EVSE-SIM-001`);
    assert.equal(view.body.transactions[id]!.state, 'running');
    await s.call('TransactionEvent', event('Ended', 2, 14000, { stoppedReason: 'EVDisconnected', chargingState: 'Idle' }));
    const out = csms.output();
    assert.match(out, /EVSE-SIM-001 -> TransactionEvent Started tx=a1b2c3d4\.\.\. .*12\.345 kWh session 0\.000 kWh$/m);
    assert.match(out, /EVSE-SIM-001 -> TransactionEvent Updated tx=a1b2c3d4\.\.\. .*13\.579 kWh session 1\.234 kWh$/m);
    assert.match(out, /EVSE-SIM-001 -> TransactionEvent Ended tx=a1b2c3d4\.\.\. .*stopped=EVDisconnected .*14\.000 kWh ended, session 1\.655 kWh$/m);
    view = await api<StationState>(`${csms.apiUrl}/stations/EVSE-SIM-001`);
    const tx = view.body.transactions[id]!;
    assert.equal(tx.state, 'ended');
    assert.equal(tx.running, false);
    assert.equal(tx.energyWh, 1655);
    assert.equal(tx.stoppedReason, 'EVDisconnected');
  });

  it('prints the session energy and the end of a 1.6 transaction; GET /stations/{id} says "ended"', async () => {
    csms = await devCsms([]);
    const s = await station('EVSE-16', 'ocpp1.6');
    await s.call('BootNotification', STATION_MESSAGES_1_6['BootNotification']);
    const transactionId = result(await s.call('StartTransaction', STATION_MESSAGES_1_6['StartTransaction']))['transactionId'] as number;
    const at = new Date().toISOString();
    await s.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: at, sampledValue: [{ value: '1500' }] }] });
    await s.call('StopTransaction', { transactionId, meterStop: 2500, timestamp: at, reason: 'EVDisconnected' });
    const out = csms.output();
    assert.match(out, new RegExp(`EVSE-16 -> MeterValues connector=1 tx=${transactionId} 1\\.500 kWh session 0\\.500 kWh$`, 'm'));
    assert.match(out, new RegExp(`EVSE-16 -> StopTransaction tx=${transactionId} reason=EVDisconnected stop 2\\.500 kWh ended, session 1\\.500 kWh$`, 'm'));
    const tx = (await api<StationState>(`${csms.apiUrl}/stations/EVSE-16`)).body.transactions[String(transactionId)]!;
    assert.equal(tx.state, 'ended');
    assert.equal(tx.energyWh, 1500);
  });

  it('after its own restart mid-transaction claims no session energy: the register and "start not seen"; GET /stations/{id} has no energyWh (2.0.1)', async () => {
    // The Started (at 12.345 kWh) went to the CSMS before its restart: this one sees the transaction from seqNo 5 on.
    csms = await devCsms([]);
    const s = await station('EVSE-SIM-001', 'ocpp2.0.1');
    await s.call('BootNotification', STATION_MESSAGES_2_0_1['BootNotification']);
    const id = 'b2c3d4e5-0000-4000-8000-000000000002';
    const at = new Date().toISOString();
    const event = (eventType: string, seqNo: number, wh: number, extra: object = {}): object => ({
      eventType,
      timestamp: at,
      triggerReason: eventType === 'Ended' ? 'EVCommunicationLost' : 'MeterValuePeriodic',
      seqNo,
      transactionInfo: { transactionId: id, chargingState: 'Charging', ...extra },
      evse: { id: 1, connectorId: 1 },
      meterValue: [{ timestamp: at, sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register' }] }],
    });
    await s.call('TransactionEvent', event('Updated', 5, 13579));
    await s.call('MeterValues', { evseId: 1, meterValue: [{ timestamp: at, sampledValue: [{ value: 13800, measurand: 'Energy.Active.Import.Register' }] }] });
    let view = await api<StationState>(`${csms.apiUrl}/stations/EVSE-SIM-001`);
    assert.equal(view.body.transactions[id]!.state, 'running');
    assert.equal(view.body.transactions[id]!.startSeen, false);
    assert.equal(view.body.transactions[id]!.energyWh, undefined);
    await s.call('TransactionEvent', event('Ended', 6, 14000, { stoppedReason: 'EVDisconnected', chargingState: 'Idle' }));
    const out = csms.output();
    assert.match(out, /EVSE-SIM-001 -> TransactionEvent Updated tx=b2c3d4e5\.\.\. .*13\.579 kWh session energy unknown \(start not seen\)$/m);
    assert.match(out, /EVSE-SIM-001 -> MeterValues evse=1 13\.800 kWh session energy unknown \(start not seen\)$/m);
    assert.match(out, /EVSE-SIM-001 -> TransactionEvent Ended tx=b2c3d4e5\.\.\. .*14\.000 kWh ended, session energy unknown \(start not seen\)$/m);
    assert.doesNotMatch(out, /session \d/);
    view = await api<StationState>(`${csms.apiUrl}/stations/EVSE-SIM-001`);
    const tx = view.body.transactions[id]!;
    assert.equal(tx.state, 'ended');
    assert.equal(tx.startSeen, false);
    assert.equal(tx.meterStartWh, undefined);
    assert.equal(tx.energyWh, undefined);
    assert.equal(tx.meterLatestWh, 14000);
    assert.equal(tx.meterStopWh, 14000);
  });

  it('after its own restart mid-transaction claims no session energy (1.6: StartTransaction not seen)', async () => {
    csms = await devCsms([]);
    const s = await station('EVSE-16', 'ocpp1.6');
    await s.call('BootNotification', STATION_MESSAGES_1_6['BootNotification']);
    const at = new Date().toISOString();
    await s.call('MeterValues', { connectorId: 1, transactionId: 41, meterValue: [{ timestamp: at, sampledValue: [{ value: '1500' }] }] });
    await s.call('StopTransaction', { transactionId: 41, meterStop: 2500, timestamp: at, reason: 'EVDisconnected' });
    const out = csms.output();
    assert.match(out, /EVSE-16 -> MeterValues connector=1 tx=41 1\.500 kWh session energy unknown \(start not seen\)$/m);
    assert.match(out, /EVSE-16 -> StopTransaction tx=41 reason=EVDisconnected stop 2\.500 kWh ended, session energy unknown \(start not seen\)$/m);
    const tx = (await api<StationState>(`${csms.apiUrl}/stations/EVSE-16`)).body.transactions['41']!;
    assert.equal(tx.state, 'ended');
    assert.equal(tx.startSeen, false);
    assert.equal(tx.energyWh, undefined);
    assert.equal(tx.meterStopWh, 2500);
  });

  it('POST /stations/{id}/stop takes a 2.0.1 transaction id as the printout shortens it', async () => {
    csms = await devCsms([]);
    const s = await station('EVSE-SIM-001', 'ocpp2.0.1');
    await s.call('BootNotification', STATION_MESSAGES_2_0_1['BootNotification']);
    const started = STATION_MESSAGES_2_0_1['TransactionEvent'] as { transactionInfo: object };
    const id = 'f00dcafe-1111-4222-8333-444455556666';
    await s.call('TransactionEvent', { ...started, transactionInfo: { ...started.transactionInfo, transactionId: id } });
    await waitForOutput(() => csms!.output(), /TransactionEvent Started tx=f00dcafe\.\.\./);
    for (const given of ['f00dcafe...', 'f00dcafe']) {
      const stopping = fetch(`${csms.apiUrl}/stations/EVSE-SIM-001/stop`, { method: 'POST', body: JSON.stringify({ transactionId: given }) });
      const call = await s.nextCall();
      assert.equal(call[2], 'RequestStopTransaction');
      assert.deepEqual(call[3], { transactionId: id }, given);
      s.respond(call[1] as string, { status: 'Accepted' });
      assert.equal((await stopping).status, 200);
    }
  });
});
