import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../paths.js';
import { EXIT } from '../process/lifecycle.js';
import { UsageError, type CliIo } from './io.js';
import { COMMAND_USAGE, commandUsage, defaultConfig, demoDefaultConfig, METER_SIM_COMMANDS, USAGE } from './usage.js';

/**
 * Where each command's module comes from: imported up front (cli.ts, for in-process callers) or
 * only when that command runs (main.ts: `help` loads none, `check-config` no OCPP). One table per
 * caller, so that a module is never loaded twice, once each way.
 */
export interface CommandModules {
  run(): Promise<typeof import('./commands/run.js')>;
  checkConfig(): Promise<typeof import('./commands/check-config.js')>;
  meterRead(): Promise<typeof import('./commands/meter-read.js')>;
  meterSim(): Promise<typeof import('./commands/meter-sim.js')>;
  pilotRead(): Promise<typeof import('./commands/pilot-read.js')>;
  cardRead(): Promise<typeof import('./commands/card-read.js')>;
  failsafe(): Promise<typeof import('./failsafe/failsafe-args.js')>;
  demo(): Promise<typeof import('./commands/demo.js')>;
  devCsms(): Promise<typeof import('./commands/dev-csms.js')>;
  release(): Promise<typeof import('./commands/release.js')>;
  sessions(): Promise<typeof import('./commands/sessions.js')>;
  simulate(): Promise<typeof import('./commands/simulate.js')>;
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

/** Runs one evse-agent command, its module got from `commands`; resolves with the process' exit code. */
export async function runCommandLine(argv: string[], io: CliIo, commands: CommandModules): Promise<number> {
  const [command, ...rest] = argv;
  if (command && Object.hasOwn(COMMAND_USAGE, command) && rest.some((a) => a === '--help' || a === '-h')) {
    io.stdout.write(`${commandUsage(command)}\n`);
    return EXIT.ok;
  }
  try {
    switch (command) {
      case 'run': {
        const { values } = parseArgs({ args: rest, options: { config: { type: 'string', short: 'c' } } });
        const { runCommand } = await commands.run();
        return await runCommand(io, values.config ?? defaultConfig());
      }
      case 'check-config': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { config: { type: 'string', short: 'c' } } });
        if (positionals.length > 1 || (positionals.length > 0 && values.config)) throw new UsageError('check-config takes one FILE');
        const file = positionals[0] ?? values.config ?? defaultConfig();
        const { checkConfigCommand } = await commands.checkConfig();
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
        const { meterReadCommand } = await commands.meterRead();
        return await meterReadCommand(io, values.config ?? defaultConfig(), values.json ?? false, evse);
      }
      case 'pilot': {
        const [sub, ...args] = rest;
        if (sub !== 'read') throw new UsageError(`unknown pilot command "${sub ?? ''}" (try: pilot read)`);
        const { values } = parseArgs({
          args,
          options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, evse: { type: 'string' } },
        });
        const evse = values.evse === undefined ? undefined : Number(values.evse);
        if (evse !== undefined && !Number.isInteger(evse)) throw new UsageError('--evse takes an EVSE id');
        const { pilotReadCommand } = await commands.pilotRead();
        return await pilotReadCommand(io, values.config ?? defaultConfig(), values.json ?? false, evse);
      }
      case 'card': {
        const [sub, ...args] = rest;
        if (sub !== 'read') throw new UsageError(`unknown card command "${sub ?? ''}" (try: card read)`);
        const { values } = parseArgs({
          args,
          options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, reader: { type: 'string' }, timeout: { type: 'string' } },
        });
        const timeoutS = values.timeout === undefined ? undefined : Number(values.timeout);
        if (timeoutS !== undefined && !(Number.isFinite(timeoutS) && timeoutS > 0)) throw new UsageError('--timeout takes seconds, more than 0');
        const { cardReadCommand } = await commands.cardRead();
        return await cardReadCommand(io, values.config ?? defaultConfig(), { json: values.json ?? false, reader: values.reader, timeoutS });
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
            'pilot-unit': { type: 'string' },
            'pilot-profile': { type: 'string' },
          },
        });
        const pilotUnit = values['pilot-unit'] === undefined ? undefined : Number(values['pilot-unit']);
        if (pilotUnit !== undefined && !(Number.isInteger(pilotUnit) && pilotUnit >= 1 && pilotUnit <= 247)) throw new UsageError('--pilot-unit takes a unit id, 1 to 247');
        if (values['pilot-profile'] !== undefined && pilotUnit === undefined) throw new UsageError('--pilot-profile goes with --pilot-unit');
        if (!values.profile) throw new UsageError('meter-sim needs --profile (a name from hardware/meters or a file)');
        const { meterSimCommand } = await commands.meterSim();
        return await meterSimCommand(io, {
          profile: values.profile,
          port: values.port,
          tcp: values.tcp,
          framing: oneOf(values.framing, ['mbap', 'rtu'] as const, '--framing', 'mbap'),
          unitIds: intList(values['unit-id'] ?? '1', '--unit-id'),
          baudRate: Number(values['baud-rate'] ?? 9600),
          parity: oneOf(values.parity, ['none', 'even', 'odd'] as const, '--parity', 'none'),
          stopBits: values['stop-bits'] === '2' ? 2 : 1,
          // With a pilot the contactor is taken to follow the vehicle: closed unless told otherwise.
          relayClosed: oneOf(values.relay, ['open', 'closed'] as const, '--relay', pilotUnit === undefined ? 'open' : 'closed') === 'closed',
          loadA: intList(values.load ?? '16,16,16', '--load'),
          startEnergyWh: Number(values['start-energy-wh'] ?? 0),
          pilotUnit,
          pilotProfile: values['pilot-profile'],
        });
      }
      case 'failsafe': {
        // The same path as the failsafe entry (failsafe-main.ts), which `evse-agent failsafe` runs.
        const { parseFailsafeArgs, runFailsafe } = await commands.failsafe();
        return await runFailsafe(io, parseFailsafeArgs(rest));
      }
      case 'demo': {
        const { values } = parseArgs({ args: rest, options: { config: { type: 'string', short: 'c' }, 'session-seconds': { type: 'string' } } });
        const seconds = values['session-seconds'] === undefined ? undefined : Number(values['session-seconds']);
        if (seconds !== undefined && !(Number.isInteger(seconds) && seconds >= 0)) throw new UsageError('--session-seconds takes a whole number');
        const { demoCommand } = await commands.demo();
        return await demoCommand(io, values.config ?? demoDefaultConfig(), seconds === undefined ? {} : { sessionSeconds: seconds });
      }
      case 'dev-csms': {
        const list = { type: 'string', multiple: true } as const;
        const { values } = parseArgs({
          args: rest,
          options: { port: { type: 'string' }, 'http-port': { type: 'string' }, host: { type: 'string' }, 'reject-card': list, 'block-card': list, 'reject-boot': list, 'pending-boot': list },
        });
        const { devCsmsCommand } = await commands.devCsms();
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
      case 'release': {
        // pack, sign, verify, check: their options parsed there (commands/release.ts).
        const { releaseCommand } = await commands.release();
        return await releaseCommand(io, rest);
      }
      case 'sessions': {
        // export, remove, verify: their options parsed there (commands/sessions.ts, issue 17).
        const { sessionsCommand } = await commands.sessions();
        return await sessionsCommand(io, rest);
      }
      case 'simulate': {
        // Its options parsed there (commands/simulate.ts, issue 18).
        const { parseSimulateArgs, simulateCommand } = await commands.simulate();
        return await simulateCommand(io, parseSimulateArgs(rest));
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
