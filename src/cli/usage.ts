import path from 'node:path';
import { packageRoot } from '../paths.js';

// The command line's words: each command's usage and default files. Kept apart from the commands
// so that help loads none of them.

export { defaultConfig } from './default-config.js';

/** The config `demo` reads without --config: the simulator's, whatever $EVSE_AGENT_CONFIG says. */
export function demoDefaultConfig(): string {
  return path.join(packageRoot, 'config', 'simulator.json');
}

export const METER_SIM_COMMANDS = `commands on standard input (one per line; "unit N" first to address one meter or the pilot board):
  relay open|closed            the contactor in front of the meter
  ev charging|suspended        whether the EV draws current (with a pilot: vehicle charge|full)
  load A[,A,A]                 what the EV draws per phase (with a pilot: the most the vehicle draws)
  fault none|silent|crc|exception [code]|energy-backwards [Wh]
                               (the pilot board: none|silent|exception [code])
  status                       print the meter's (and the pilot's) values as JSON
with --pilot-unit, the vehicle behind the pilot board (IEC 61851-1):
  plug | unplug                a vehicle plugged in (state B) or none (A)
  vehicle charge|full          wants energy (C once a current is offered) or is full (stays in B)
  vehicle ventilation|no-ventilation   asks for ventilation while charging (D) or not
  vehicle fault none|diode-short|state-e   a shorted diode (the board's failure) or the pilot at 0 V (E)
  vehicle max A                the most the vehicle draws, A
  cable A                      the cable's rating the proximity pilot gives, A (0: none)
  the first meter then measures what the vehicle draws: the offer, at most its own limit, while in C or D
  and the contactor in front of the meter (relay) is closed; with a pilot --relay defaults to closed`;

/** Each command's usage: `evse-agent <command> --help` prints its own, `evse-agent --help` all of them. */
export const COMMAND_USAGE: Record<string, string> = {
  run: `  run [--config FILE]                     run the agent (relays open until it decides to close them);
                                          one per storage.dir: a second exits 75 (already running)`,
  'check-config': `  check-config [FILE]                     validate a config; lists every problem, exit 78 if any;
                                          prints warnings (exit 0)`,
  meter: `  meter read [--config FILE] [--evse N] [--json]
                                          read every value of the meters once (commissioning); no GPIO`,
  pilot: `  pilot read [--config FILE] [--evse N] [--json]
                                          read the control pilot boards once (vehicle state A-F, offered
                                          current, cable rating, board errors); leaves them at 0 A; no GPIO`,
  card: `  card read [--config FILE] [--reader NAME] [--timeout S] [--json]
                                          wait for one card at the readers (default 30 s) and print its
                                          id as the agent sends it; exit 69 when none comes`,
  'meter-sim': `  meter-sim --profile P (--port PATH | --tcp HOST:PORT) [--framing mbap|rtu] [--unit-id N[,N...]]
            [--baud-rate B] [--parity none|even|odd] [--stop-bits 1|2]
            [--relay open|closed] [--load A[,A,A]] [--start-energy-wh WH]
            [--pilot-unit N [--pilot-profile P]]
                                          a simulated meter as a Modbus slave; with --pilot-unit, a
                                          simulated pilot board (hardware/pilots, default evse-wb) and
                                          its vehicle at unit N on the same line`,
  failsafe: `  failsafe [--config FILE] [--state-dir DIR]
                                          open every relay and exit (run by systemd after a stop): those
                                          the config names and those of the relay map the last start left
                                          in DIR (all there is when the config cannot be read); DIR defaults
                                          to $EVSE_AGENT_STATE_DIR, else the config's storage.dir if it can
                                          be read, else /var/lib/evse-agent`,
  demo: `  demo [--config FILE]                    the agent on the simulator with the development CSMS, and a
                                          charging session to watch (what npm start runs); FILE defaults
                                          to the simulator's config/simulator.json, not $EVSE_AGENT_CONFIG`,
  'dev-csms': `  dev-csms [--port 9220] [--http-port 9221] [--host 127.0.0.1]
           [--reject-card ID]... [--block-card ID]... [--reject-boot STATION]... [--pending-boot STATION]...
                                          a development CSMS (OCPP 2.0.1, 1.6) with an HTTP control API;
                                          the lists answer those cards Invalid / Blocked and those boots
                                          Rejected / Pending (change them at run time: GET /lists)`,
  release: `  release pack --out PACKAGE [--version V]
                                          the release package of this checkout (firmware, issue 15):
                                          dist/, hardware/, config/, systemd/ and the production
                                          dependencies as built here, for this arch and Node ABI
  release sign --key KEY.pem --cert CERT.pem PACKAGE
                                          PACKAGE.sig: base64 of the SHA-256 signature over it with the
                                          certificate's key (RSA: RSA-PSS, EC: ECDSA); PACKAGE.cert.pem beside it
  release verify --cert CERT.pem --roots ROOTS.pem PACKAGE SIG
                                          check the certificate chain and the signature (SIG: the .sig
                                          file or its text) as the station does; exit 1 when invalid
  release check PACKAGE                   check a release package as the station does before installing
                                          it (manifest, arch, Node ABI, every file's sha256); exit 1 if not`,
  sessions: `  sessions export [--format ocpi-cdr|csv|ocpi-location] [--since TIME] [--token TOKEN] [--config FILE]
                                          the kept session records (issue 17) as OCPI 2.2.1 CDRs (a JSON
                                          array), as CSV with a header row, or the station's OCPI Location;
                                          the OCPI formats need the config's ocpi section (else exit 78)
  sessions remove --token TOKEN [--config FILE]
                                          remove a token's session records (with the agent stopped)
  sessions verify FILE                    check every OCMF signature of a CDR JSON or CSV export and that
                                          the signed readings give the record's energy; exit 1 if not`,
  simulate: `  simulate --stations N --csms URL [--identity-prefix P] [--first-index I] [--slice-from-env VAR]
           [--index-width W] [--ocpp 2.0.1|1.6] [--profile PROFILE] [--ramp R] [--sessions-per-hour S]
           [--session-seconds T] [--duration D] [--storage memory|DIR] [--summary-json] [--progress P]
                                          N whole simulated stations in this process (load testing a
                                          CSMS, issue 18), identities P + index (default SIM-, from I,
                                          default 1, zero-padded to W digits, default 4 or more); with
                                          --slice-from-env, the k in $VAR (a Kubernetes completion
                                          index) starts them at I + k*N. Started R per second (default
                                          10), each playing S sessions an hour (default 1): PROFILE's
                                          scripted sessions and version shares
                                          (bench/load-test/README.md), else plug, card, charge T s
                                          (default 60), card, unplug. Storage on tmpfs, removed at the
                                          end (default), or a folder per station in DIR. A progress line
                                          each P s (default 1); after D s (default: until Ctrl-C) a
                                          summary (sessions, messages, CALLERRORs, round trips, RSS, CPU),
                                          then with --summary-json the same as one JSON line`,
  version: `  version                                 print the version`,
};

const CONFIG_NOTE = 'FILE defaults to $EVSE_AGENT_CONFIG, else /etc/evse-agent/config.json.';
const DEMO_CONFIG_NOTE = `FILE defaults to the simulator's config, ${demoDefaultConfig()}; $EVSE_AGENT_CONFIG does not apply.`;

export const USAGE = `usage: evse-agent <command> [options]   (evse-agent <command> --help, or help <command>: that command's usage)

commands:
${Object.values(COMMAND_USAGE).join('\n')}

FILE defaults to $EVSE_AGENT_CONFIG, else /etc/evse-agent/config.json; for demo, the simulator's config/simulator.json.`;

/** One command's usage, as `evse-agent <command> --help` prints it. */
export function commandUsage(command: string): string {
  const own = COMMAND_USAGE[command] ?? '';
  const note = command === 'demo' ? DEMO_CONFIG_NOTE : CONFIG_NOTE;
  const extra = command === 'meter-sim' ? `\n\n${METER_SIM_COMMANDS}` : /FILE/.test(own) ? `\n\n${note}` : '';
  return `usage: evse-agent ${own.trimStart()}${extra}`;
}
