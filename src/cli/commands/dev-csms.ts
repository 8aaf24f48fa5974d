import { isLoopbackHost } from '../../config/api-config.js';
import { DEFAULT_DEV_CSMS_PORT, DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { DEFAULT_DEV_CSMS_HTTP_PORT, DevCsmsHttp } from '../../../tools/dev-csms/dev-csms-http.js';
import { createPrintingLogger } from '../../../tools/dev-csms/printing-logger.js';
import { EXIT, exitCodeForStartError, StartError } from '../../process/lifecycle.js';
import { UsageError, untilStopped, type CliIo } from '../io.js';

export interface DevCsmsCommandOptions {
  host?: string | undefined;
  port?: string | undefined;
  httpPort?: string | undefined;
  /** Card ids answered Invalid, and Blocked; station identities whose boot is answered Rejected, and Pending. */
  rejectCards?: string[] | undefined;
  blockCards?: string[] | undefined;
  rejectBoots?: string[] | undefined;
  pendingBoots?: string[] | undefined;
}

function portOption(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`${flag} takes a port number 0..65535, got "${value}"`);
  return port;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What to paste to drive a station, printed at start. */
function howTo(wsUrl: string, apiUrl: string): string {
  const post = (command: string, body?: string): string => `  curl -s -X POST ${apiUrl}/stations/$ID/${command}${body ? ` -d '${body}'` : ''}`;
  return [
    `point a station at ${wsUrl} (config/simulator.json does: npm start), then:`,
    '  ID=EVSE-SIM-001',
    `  curl -s ${apiUrl}/stations`,
    post('start', '{"evseId": 1}'),
    post('stop'),
    post('availability', '{"operative": false}'),
    post('trigger', '{"message": "StatusNotification"}'),
    post('reset'),
    post('call', '{"action": "GetVariables", "payload": {"getVariableData": [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]}}'),
    `  curl -s ${apiUrl}/lists                                  # cards and boots answered no`,
    `  curl -s -X PUT ${apiUrl}/lists/rejected-cards/CARD-0001   # DELETE to take it off again`,
    '',
  ].join('\n');
}

/** The lists given on the command line, as the developer will see them answered. */
function unhappyPaths(options: DevCsmsCommandOptions): string {
  const lines = [
    ['cards answered Invalid', options.rejectCards],
    ['cards answered Blocked', options.blockCards],
    ['boots answered Rejected', options.rejectBoots],
    ['boots answered Pending', options.pendingBoots],
  ]
    .filter((entry): entry is [string, string[]] => (entry[1]?.length ?? 0) > 0)
    .map(([what, ids]) => `dev-csms: ${what}: ${ids.join(', ')}\n`);
  return lines.join('');
}

/**
 * `evse-agent dev-csms`: a development CSMS (OCPP 2.0.1 and 1.6, schema validation on) and its
 * HTTP control API, printing one line per message until stopped. The control API has no
 * authentication, so it stays on loopback even when --host opens the OCPP side wider.
 */
export async function devCsmsCommand(io: CliIo, options: DevCsmsCommandOptions): Promise<number> {
  const host = options.host ?? '127.0.0.1';
  const port = portOption(options.port, DEFAULT_DEV_CSMS_PORT, '--port');
  const httpPort = portOption(options.httpPort, DEFAULT_DEV_CSMS_HTTP_PORT, '--http-port');
  const log = createPrintingLogger(io.stdout, io.stderr);
  const csms = new DevCsms({
    host,
    port,
    log,
    invalidIdTokens: options.rejectCards ?? [],
    blockedIdTokens: options.blockCards ?? [],
    rejectedBoots: options.rejectBoots ?? [],
    pendingBoots: options.pendingBoots ?? [],
  });
  const api = new DevCsmsHttp({ csms, host: isLoopbackHost(host) ? host : '127.0.0.1', port: httpPort, log: log.child('control API') });
  try {
    await csms.start();
  } catch (err) {
    io.stderr.write(`dev-csms: cannot listen on ${host}:${port}: ${errorText(err)}\n`);
    return exitCodeForStartError(new StartError('listen', 'cannot listen', { cause: err }));
  }
  try {
    await api.start();
  } catch (err) {
    await csms.stop();
    io.stderr.write(`dev-csms: cannot listen on port ${httpPort} for the control API: ${errorText(err)}\n`);
    return exitCodeForStartError(new StartError('listen', 'cannot listen', { cause: err }));
  }
  if (!isLoopbackHost(host)) io.stderr.write(`dev-csms: listening on ${host}: any station that can reach it may connect, without a password\n`);
  io.stdout.write(`dev-csms: OCPP 2.0.1 and 1.6 on ${csms.url}/<identity>\n`);
  io.stdout.write(`dev-csms: control API on ${api.url}; Ctrl-C stops\n`);
  io.stdout.write(unhappyPaths(options));
  io.stdout.write(howTo(csms.url, api.url));
  await untilStopped(io.stop);
  await api.stop();
  await csms.stop();
  io.stdout.write('dev-csms: stopped\n');
  return EXIT.ok;
}
