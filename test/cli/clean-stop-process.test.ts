import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { DevCsms } from '../../tools/dev-csms/dev-csms.js';
import { CliProcess, simulatorConfigCopy } from '../helpers/cli.js';
import type { BootNotificationRequest } from 'ocpp-messages/v2.0/BootNotificationRequest.js';
import { calls, txEvents, until } from '../integration/v201/rig.js';
import type { StationStatusView } from '../../src/app/station-status.js';

/** Polls GET /api/status until `ok`; rejects after 10 s. */
async function untilStatus(api: string, ok: (s: StationStatusView) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10000;
  for (;;) {
    const status = (await (await fetch(`${api}/api/status`)).json()) as StationStatusView;
    if (ok(status)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(status.evses[0])}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * `evse-agent run` as a real process, stopped with SIGTERM during a transaction (what `systemctl
 * restart` does) and started again: the CSMS sees the transaction end exactly once, with Reboot,
 * before the process exits, and never a PowerLoss.
 */

describe('evse-agent run: SIGTERM during a transaction is a clean stop, not a power loss', function () {
  this.timeout(60000);
  let csms: DevCsms | undefined;
  let agent: CliProcess | undefined;
  let config: string | undefined;
  afterEach(async () => {
    if (agent && agent.child.exitCode === null) {
      agent.child.kill('SIGKILL');
      await agent.exited;
    }
    await csms?.stop();
    if (config) rmSync(path.dirname(config), { recursive: true, force: true });
  });

  it('the CSMS saw exactly one end of the transaction, stoppedReason Reboot, before the process exited; the restart sends no PowerLoss', async () => {
    csms = new DevCsms({ port: 0 });
    await csms.start();
    const url = csms.url;
    config = simulatorConfigCopy((d) => {
      d['ocpp'] = { ...d['ocpp'], url };
      d['meter'] = { ...d['meter'], pollIntervalMs: 200 };
    });
    const start = async (): Promise<string> => {
      agent = new CliProcess(['run', '--config', config!]);
      return agent.booted();
    };
    const api = await start();
    await fetch(`${api}/api/sim/evses/1/connectors/1/plug`, { method: 'POST' });
    await untilStatus(api, (s) => s.evses[0]!.connectors[0]!.plugged, 'the cable is in');
    await fetch(`${api}/api/sim/evses/1/token`, { method: 'POST', body: JSON.stringify({ idToken: 'CARD-1', type: 'ISO14443' }) });
    await until(() => txEvents(csms!).some((e) => e.eventType === 'Started'), 10000, 'the transaction started');
    // Charging: the contactor closed and the meter read on it, so the stop has energy to account for.
    await untilStatus(api, (s) => s.evses[0]!.connectors[0]!.relayClosed && (s.evses[0]!.transaction?.energyWh ?? 0) > 0, 'charging');

    agent!.child.kill('SIGTERM');
    assert.equal(await agent!.exited, 0, agent!.out.slice(-2000));
    const txId = txEvents(csms).find((e) => e.eventType === 'Started')!.transactionInfo.transactionId;
    const ends = (): ReturnType<typeof txEvents> => txEvents(csms!, txId).filter((e) => e.eventType === 'Ended');
    assert.equal(ends().length, 1, 'delivered before the process exited');
    assert.equal(ends()[0]!.transactionInfo.stoppedReason, 'Reboot');

    const again = await start();
    // Whatever the restart had to send about the transaction (a second end, a PowerLoss) was queued
    // before it booted: once the queue is empty, the CSMS has it.
    await untilStatus(again, (s) => s.storage.queuedTransactionMessages === 0 && s.evses[0]!.transaction === null, 'the queue delivered');
    assert.equal(ends().length, 1, 'exactly one end');
    assert.ok(!txEvents(csms).some((e) => e.transactionInfo.stoppedReason === 'PowerLoss'), 'no PowerLoss');
    // B01: the first start on new storage is a power-up; the start after the clean stop, LocalReset.
    assert.deepEqual(
      calls<BootNotificationRequest>(csms, 'BootNotification').map((b) => b.reason),
      ['PowerUp', 'LocalReset'],
    );
    agent!.child.kill('SIGTERM');
    assert.equal(await agent!.exited, 0);
  });
});
