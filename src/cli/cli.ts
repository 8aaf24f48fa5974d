import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../paths.js';
import { EXIT } from '../process/lifecycle.js';
import { checkConfigCommand } from './commands/check-config.js';
import { demoCommand } from './commands/demo.js';
import { devCsmsCommand } from './commands/dev-csms.js';
import { failsafeCommand } from './commands/failsafe.js';
import { meterReadCommand } from './commands/meter-read.js';
import { METER_SIM_COMMANDS, meterSimCommand } from './commands/meter-sim.js';
import { runCommand } from './commands/run.js';
import { UsageError, type CliIo } from './io.js';

/** The config a command reads without --config (or FILE): $EVSE_AGENT_CONFIG, else the installed one. Read at each call. */
export function defaultConfig(): string {
  return process.env['EVSE_AGENT_CONFIG'] || '/etc/evse-agent/config.json';
}

/** Each command's usage: `evse-agent <command> --help` prints its own, `evse-agent --help` all of them. */
export const COMMAND_USAGE: Record<string, string> = {
  run: `  run [--config FILE]                     run the agent (relays open until it decides to close them);
                                          one per storage.dir: a second exits 75 (already running)`,
  'check-config': `  check-config [FILE]                     validate a config; lists every problem, exit 78 if any;
                                          prints warnings (exit 0)`,
  meter: `  meter read [--config FILE] [--evse N] [--json]
                                          read every value of the meters once (commissioning); no GPIO`,
  'meter-sim': `  meter-sim --profile P (--port PATH | --tcp HOST:PORT) [--framing mbap|rtu] [--unit-id N[,N...]]
            [--baud-rate B] [--parity none|even|odd] [--stop-bits 1|2]
            [--relay open|closed] [--load A[,A,A]] [--start-energy-wh WH]
                                          a simulated meter as a Modbus slave`,
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
  version: `  version                                 print the version`,
};

/** The config `demo` reads without --config: the simulator's, whatever $EVSE_AGENT_CONFIG says. */
export function demoDefaultConfig(): string {
  return path.join(packageRoot, 'config', 'simulator.json');
}

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

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function intList(s: string, what: string): number[] {
  const list = s.split(',').map((x) => Number(x.trim()));
  if (list.some((n) => !Number.isFinite(n))) throw new UsageError(`${what} takes numbers separated by commas, got "${s}"`);
  return list;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], what: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${what} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

/** Runs one evse-agent command; resolves with the process' exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command && Object.hasOwn(COMMAND_USAGE, command) && rest.some((a) => a === '--help' || a === '-h')) {
    io.stdout.write(`${commandUsage(command)}\n`);
    return EXIT.ok;
  }
  try {
    switch (command) {
      case 'run': {
        const { values } = parseArgs({ args: rest, options: { config: { type: 'string', short: 'c' } } });
        return await runCommand(io, values.config ?? defaultConfig());
      }
      case 'check-config': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { config: { type: 'string', short: 'c' } } });
        if (positionals.length > 1 || (positionals.length > 0 && values.config)) throw new UsageError('check-config takes one FILE');
        const file = positionals[0] ?? values.config ?? defaultConfig();
        return checkConfigCommand(io, file);
      }
      case 'meter': {
        const [sub, ...args] = rest;
        if (sub !== 'read') throw new UsageError(`unknown meter command "${sub ?? ''}" (try: meter read)`);
        const { values } = parseArgs({
          args,
          options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, evse: { type: 'string' } },
        });
        const evse = values.evse === undefined ? undefined : Number(values.evse);
        if (evse !== undefined && !Number.isInteger(evse)) throw new UsageError('--evse takes an EVSE id');
        return await meterReadCommand(io, values.config ?? defaultConfig(), values.json ?? false, evse);
      }
      case 'meter-sim': {
        const { values } = parseArgs({
          args: rest,
          options: {
            profile: { type: 'string' },
            port: { type: 'string' },
            tcp: { type: 'string' },
            framing: { type: 'string' },
            'unit-id': { type: 'string' },
            'baud-rate': { type: 'string' },
            parity: { type: 'string' },
            'stop-bits': { type: 'string' },
            relay: { type: 'string' },
            load: { type: 'string' },
            'start-energy-wh': { type: 'string' },
          },
        });
        if (!values.profile) throw new UsageError('meter-sim needs --profile (a name from hardware/meters or a file)');
        return await meterSimCommand(io, {
          profile: values.profile,
          ...(values.port ? { port: values.port } : {}),
          ...(values.tcp ? { tcp: values.tcp } : {}),
          framing: oneOf(values.framing, ['mbap', 'rtu'] as const, '--framing', 'mbap'),
          unitIds: intList(values['unit-id'] ?? '1', '--unit-id'),
          baudRate: Number(values['baud-rate'] ?? 9600),
          parity: oneOf(values.parity, ['none', 'even', 'odd'] as const, '--parity', 'none'),
          stopBits: values['stop-bits'] === '2' ? 2 : 1,
          relayClosed: oneOf(values.relay, ['open', 'closed'] as const, '--relay', 'open') === 'closed',
          loadA: intList(values.load ?? '16,16,16', '--load'),
          startEnergyWh: Number(values['start-energy-wh'] ?? 0),
        });
      }
      case 'failsafe': {
        const { values } = parseArgs({ args: rest, options: { config: { type: 'string', short: 'c' }, 'state-dir': { type: 'string' } } });
        return await failsafeCommand(io, values.config ?? defaultConfig(), undefined, values['state-dir']);
      }
      case 'demo': {
        const { values } = parseArgs({ args: rest, options: { config: { type: 'string', short: 'c' }, 'session-seconds': { type: 'string' } } });
        const seconds = values['session-seconds'] === undefined ? undefined : Number(values['session-seconds']);
        if (seconds !== undefined && !(Number.isInteger(seconds) && seconds >= 0)) throw new UsageError('--session-seconds takes a whole number');
        return await demoCommand(io, values.config ?? demoDefaultConfig(), seconds === undefined ? {} : { sessionSeconds: seconds });
      }
      case 'dev-csms': {
        const list = { type: 'string', multiple: true } as const;
        const { values } = parseArgs({
          args: rest,
          options: { port: { type: 'string' }, 'http-port': { type: 'string' }, host: { type: 'string' }, 'reject-card': list, 'block-card': list, 'reject-boot': list, 'pending-boot': list },
        });
        return await devCsmsCommand(io, {
          host: values.host,
          port: values.port,
          httpPort: values['http-port'],
          rejectCards: values['reject-card'],
          blockCards: values['block-card'],
          rejectBoots: values['reject-boot'],
          pendingBoots: values['pending-boot'],
        });
      }
      case 'version':
      case '--version':
        io.stdout.write(`evse-agent ${version()}\n`);
        return EXIT.ok;
      case 'help':
      case '--help':
      case '-h': {
        // `help <command>` is `<command> --help`: that command's usage.
        const topic = command === 'help' ? rest[0] : undefined;
        if (topic !== undefined) {
          if (!Object.hasOwn(COMMAND_USAGE, topic)) throw new UsageError(`unknown command "${topic}"`);
          io.stdout.write(`${commandUsage(topic)}\n`);
          return EXIT.ok;
        }
        io.stdout.write(`${USAGE}\n\n${METER_SIM_COMMANDS}\n`);
        return EXIT.ok;
      }
      default:
        throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`evse-agent: ${(err as Error).message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}
