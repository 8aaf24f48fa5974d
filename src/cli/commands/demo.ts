import { filter, firstValueFrom } from 'rxjs';
import type { Agent } from '../../app/agent.js';
import { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { DEFAULT_DEV_CSMS_HTTP_PORT, DevCsmsHttp } from '../../../tools/dev-csms/dev-csms-http.js';
import { createPrintingLogger } from '../../../tools/dev-csms/printing-logger.js';
import { EXIT, exitCodeForStartError, StartError } from '../../process/lifecycle.js';
import { runAgentLoop } from '../agent-loop.js';
import { untilStopped, type CliIo } from '../io.js';
import { loadConfigForCommand } from './check-config.js';

export interface DemoOptions {
  /** How long the session charges, in seconds (a line each second). */
  sessionSeconds?: number;
  /** The development CSMS's control API port (0: any). */
  controlPort?: number;
  /** The pause between two steps of the story, long enough to read a step (tests: shorter). */
  stepPauseMs?: number;
}

/** The pause between two steps of the story when not told otherwise. */
const STEP_PAUSE_MS = 1500;

/**
 * `evse-agent demo` (what `npm start` runs): the development CSMS and the agent on the
 * simulator config together, and a short charging session to watch: plug in, card, charging with
 * the kWh rising, stop, unplug. Then both keep running for the developer to drive. The agent runs
 * in the loop `run` has (agent-loop.ts), so a Reset from the CSMS restarts it here too, on the same
 * simulated world and API port, while the CSMS keeps running.
 */
export async function demoCommand(io: CliIo, file: string, options: DemoOptions = {}): Promise<number> {
  const loaded = loadConfigForCommand(io, file);
  if (typeof loaded === 'number') return loaded;
  const { config } = loaded;
  const url = new URL(config.ocpp.url);
  if (!['127.0.0.1', 'localhost'].includes(url.hostname) || url.protocol !== 'ws:') {
    io.stderr.write(`demo: ${file} must point ocpp.url at ws://127.0.0.1:PORT/..., where the demo runs its CSMS\n`);
    return EXIT.config;
  }
  const say = (text: string): void => {
    io.stdout.write(`\n==> ${text}\n`);
  };
  const csmsLog = createPrintingLogger(io.stdout, io.stderr);
  const csms = new DevCsms({ port: Number(url.port || 80), path: url.pathname.replace(/\/$/, '') || '/', log: csmsLog.child('csms') });
  const control = new DevCsmsHttp({ csms, port: options.controlPort ?? DEFAULT_DEV_CSMS_HTTP_PORT, log: csmsLog.child('control API') });
  try {
    await csms.start();
    await control.start();
  } catch (err) {
    await csms.stop();
    io.stderr.write(`demo: cannot start the development CSMS: ${(err as Error).message} (is another demo or dev-csms running?)\n`);
    return exitCodeForStartError(new StartError('listen', 'the development CSMS cannot listen', { cause: err }));
  }
  const urls = { csms: csms.url, control: control.url };
  const code = await runAgentLoop(io, file, {
    firstConfig: loaded,
    // The agent's own log would drown the story: warnings and worse only.
    logLevel: () => 'warning',
    startFailed: (err) => io.stderr.write(`demo: cannot start the agent: ${err.message}\n`),
    started: (agent, _log, first) => {
      io.stdout.write(`status page: ${statusPageUrl(agent)}\n`);
      if (first) {
        playSession(io, agent, urls, say, options.sessionSeconds ?? 12, options.stepPauseMs ?? STEP_PAUSE_MS).catch((err: Error) => io.stderr.write(`demo: the session went wrong: ${err.message}\n`));
      } else {
        say(`The station restarted and boots again; its local API is still at http://${agent.config.api.host}:${agent.apiPort}.`);
      }
    },
    stopping: (outcome) => say(outcome === 'stop' ? 'Stopping: relays open, connections closed.' : `The CSMS reset the station (${outcome}): relays open, the agent restarts.`),
  });
  await control.stop();
  await csms.stop();
  return code;
}

/** The status page (issue 16) at the local API's root; a listen on every address is reached through loopback here. */
export function statusPageUrl(agent: Agent): string {
  const host = agent.config.api.host;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${agent.apiPort}/`;
}

/** The session to watch, on the first agent; it ends early when the process stops or the agent restarts. */
async function playSession(io: CliIo, agent: Agent, urls: { csms: string; control: string }, say: (text: string) => void, seconds: number, stepMs: number): Promise<void> {
  const api = `http://${agent.config.api.host}:${agent.apiPort}`;
  const id = agent.config.station.identity;
  const sim = agent.hardware.simulation;
  const over = Promise.race([untilStopped(io.stop), agent.restartRequested]).then(() => false);
  const pause = (ms: number): Promise<boolean> => Promise.race([new Promise<boolean>((r) => setTimeout(() => r(true), ms)), over]);

  say(`evse-agent demo: station ${id} on simulated hardware, the development CSMS at ${urls.csms}`);
  const accepted = firstValueFrom(agent.adapter.bootState$.pipe(filter((s) => s === 'Accepted'))).then(() => true);
  if (!(await Promise.race([accepted, over])) || !(await pause(stepMs))) return;
  say('A driver plugs in a vehicle.');
  sim.setPlugged(1, 1, true);
  if (!(await pause(stepMs))) return;
  say('The driver presents card DEMO-CARD-01; the station asks the CSMS.');
  const result = await agent.station.presentIdToken(1, { idToken: 'DEMO-CARD-01', type: 'ISO14443' });
  if (result.outcome !== 'authorized') {
    say(`The card was not accepted (${JSON.stringify(result)}).`);
    return;
  }
  say('Charging: the contactor is closed and the meter counts.');
  for (let i = 0; i < seconds; i++) {
    if (!(await pause(1000))) return;
    const tx = agent.station.transactions()[0];
    const reading = agent.hardware.evses[0]?.meter.latest;
    if (tx) io.stdout.write(`    charging: ${(tx.energyWh / 1000).toFixed(3)} kWh so far at ${((reading?.powerW ?? 0) / 1000).toFixed(1)} kW (${tx.chargingState})\n`);
  }
  say('The driver presents the card again to stop.');
  await agent.station.presentIdToken(1, { idToken: 'DEMO-CARD-01', type: 'ISO14443' });
  if (!(await pause(stepMs))) return;
  say('The driver unplugs.');
  sim.setPlugged(1, 1, false);
  if (!(await pause(stepMs))) return;
  say('Session done. Both keep running; drive them yourself:');
  io.stdout.write(
    [
      `  open ${statusPageUrl(agent)} in a browser: the live status page, and its developer panel pulls the same levers`,
      `  curl -s ${api}/api/status`,
      `  curl -s -X POST ${api}/api/sim/evses/1/connectors/1/plug`,
      `  curl -s -X POST ${api}/api/sim/evses/1/token -d '{"idToken": "CARD-42", "type": "ISO14443"}'`,
      `  curl -s -X POST ${api}/api/sim/evses/1/ev -d '{"state": "suspended"}'`,
      `  curl -s -X POST ${api}/api/sim/inputs/emergencyStop -d '{"active": true}'    # then false: energy waits for a replug or a card`,
      `  curl -s -X POST ${api}/api/transactions/TRANSACTION-ID/stop    # a local stop, by the id /api/status shows`,
      `  curl -s -X POST ${urls.control}/stations/${id}/start -d '{"evseId": 1}'    # a remote start from the CSMS`,
      `  curl -s -X POST ${urls.control}/stations/${id}/stop`,
      `  curl -s -X POST ${urls.control}/stations/${id}/availability -d '{"operative": false}'`,
      `  curl -s -X POST ${urls.control}/stations/${id}/reset    # the station restarts and boots again`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}
