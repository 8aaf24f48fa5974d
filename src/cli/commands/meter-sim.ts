import { readdirSync } from 'node:fs';
import { MeterPhysics } from '../../hal/drivers/simulated/meter-physics.js';
import { ModbusSlave } from '../../hal/drivers/simulated/modbus-slave.js';
import { SimulatedMeterDevice, type SimulatedMeterFault } from '../../hal/drivers/simulated/simulated-meter-device.js';
import { loadMeterProfile, MeterProfileError, shippedProfileNames } from '../../hal/meter/profile.js';
import { loadPilotProfile, PilotProfileError, pilotProfileDir, type PilotProfile } from '../../hal/pilot/profile.js';
import { EXIT } from '../../process/lifecycle.js';
import { formatProblem } from '../../util/json-schema.js';
import { UsageError, untilStopped, type CliIo } from '../io.js';
import { MeterSimPilot } from './meter-sim-pilot.js';

export interface MeterSimOptions {
  profile: string;
  /** A serial device (one end of a socat pty pair) ... */
  port?: string;
  /** ... or host:port to listen on. */
  tcp?: string;
  framing: 'mbap' | 'rtu';
  unitIds: number[];
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
  relayClosed: boolean;
  loadA: number[];
  startEnergyWh: number;
  /** A simulated pilot board at this unit id on the same line, its vehicle drawing through the first meter. */
  pilotUnit?: number;
  /** Its register map (hardware/pilots), default evse-wb. */
  pilotProfile?: string;
}

export { METER_SIM_COMMANDS } from '../usage.js';

function parseFault(words: string[]): SimulatedMeterFault {
  switch (words[0]) {
    case 'none':
      return { mode: 'none' };
    case 'silent':
      return { mode: 'silent' };
    case 'crc':
      return { mode: 'crc' };
    case 'exception':
      return { mode: 'exception', code: words[1] ? Number(words[1]) : 4 };
    case 'energy-backwards':
      return { mode: 'energy-backwards', byWh: words[1] ? Number(words[1]) : 1000 };
    default:
      throw new UsageError(`unknown fault "${words[0] ?? ''}"`);
  }
}

/** A command addressed to the pilot board ("unit N" its unit id): its faults, its status, the vehicle's commands. */
function applyPilotCommand(pilot: MeterSimPilot, cmd: string | undefined, rest: string[]): string {
  if (cmd === 'fault') pilot.setFault(rest);
  else if (cmd === 'status') return JSON.stringify([pilot.status()]);
  else if (cmd === undefined || !pilot.apply(cmd, rest)) throw new UsageError(`unknown pilot board command "${cmd ?? ''}"`);
  return 'ok';
}

/** Applies one stdin command to the simulated meters and the pilot board, if one is served; returns the reply line. */
export function applySimCommand(line: string, devices: SimulatedMeterDevice[], pilot?: MeterSimPilot): string {
  let words = line.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '';
  let targets = devices;
  let toPilot = false;
  if (words[0] === 'unit') {
    const id = Number(words[1]);
    targets = devices.filter((d) => d.unitId === id);
    toPilot = pilot !== undefined && pilot.unitId === id;
    if (targets.length === 0 && !toPilot) return `error: no unit ${words[1] ?? ''}`;
    words = words.slice(2);
  }
  // The meter whose current the vehicle behind the pilot sets.
  const piloted = pilot ? devices[0] : undefined;
  try {
    const [cmd, ...rest] = words;
    if (toPilot) return applyPilotCommand(pilot!, cmd, rest);
    if (cmd !== undefined && ['plug', 'unplug', 'vehicle', 'cable'].includes(cmd)) {
      if (!pilot) throw new UsageError(`${cmd}: no pilot board here (start meter-sim with --pilot-unit N)`);
      pilot.apply(cmd, rest);
      return 'ok';
    }
    switch (cmd) {
      case 'relay':
        if (rest[0] !== 'open' && rest[0] !== 'closed') throw new UsageError('relay open|closed');
        for (const d of targets) d.physics.setRelayClosed(rest[0] === 'closed');
        return 'ok';
      case 'ev':
        if (rest[0] !== 'charging' && rest[0] !== 'suspended') throw new UsageError('ev charging|suspended');
        for (const d of targets) {
          if (d === piloted) pilot!.setWantsEnergy(rest[0] === 'charging');
          else d.physics.setEvDrawing(rest[0] === 'charging');
        }
        return 'ok';
      case 'load': {
        const amps = (rest[0] ?? '').split(',').map(Number);
        if (amps.length === 0 || amps.some((a) => !Number.isFinite(a) || a < 0)) throw new UsageError('load A[,A,A]');
        for (const d of targets) {
          if (d === piloted) pilot!.setMaxCurrent(Math.max(...amps));
          else d.physics.setEvCurrent(amps);
        }
        return 'ok';
      }
      case 'fault': {
        const fault = parseFault(rest);
        for (const d of targets) d.fault = fault;
        return 'ok';
      }
      case 'status': {
        const meters = targets.map((d) => ({ unitId: d.unitId, fault: d.fault.mode, ...d.physics.values() }));
        return JSON.stringify(pilot && targets === devices ? [...meters, pilot.status()] : meters);
      }
      default:
        throw new UsageError(`unknown command "${cmd ?? ''}"`);
    }
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

/** The pilot board's register map, or the exit code after saying why there is none. */
function pilotProfileFor(io: CliIo, name: string): PilotProfile | number {
  try {
    return loadPilotProfile(name);
  } catch (err) {
    if (!(err instanceof PilotProfileError)) throw err;
    const missing = err.problems.length === 1 && err.problems[0]?.path === '' && /ENOENT/.test(err.problems[0].found);
    if (missing && !name.includes('/') && !name.endsWith('.json')) {
      const names = readdirSync(pilotProfileDir).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json')).map((f) => f.slice(0, -5));
      io.stderr.write(`meter-sim: no pilot profile "${name}"; the profiles are: ${names.join(', ')} (or give a profile file's path)\n`);
      return EXIT.usage;
    }
    io.stderr.write(`${err.file}: invalid pilot profile:\n${err.problems.map((p) => `  ${formatProblem(p)}\n`).join('')}`);
    return EXIT.config;
  }
}

function parseHostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--tcp takes HOST:PORT, got "${s}"`);
  return { host: s.slice(0, i), port };
}

/**
 * `evse-agent meter-sim`: a Modbus slave answering exactly as the profile's meter would, on a
 * serial device or TCP, with the same physics as the in-process simulated meter.
 */
export async function meterSimCommand(io: CliIo, o: MeterSimOptions): Promise<number> {
  if (Boolean(o.port) === Boolean(o.tcp)) throw new UsageError('meter-sim needs exactly one of --port PATH or --tcp HOST:PORT');
  let profile;
  try {
    profile = loadMeterProfile(o.profile);
  } catch (err) {
    const missing = err instanceof MeterProfileError && err.problems.length === 1 && err.problems[0]?.path === '' && /ENOENT/.test(err.problems[0].found);
    if (missing && !o.profile.includes('/') && !o.profile.endsWith('.json')) {
      io.stderr.write(`meter-sim: no meter profile "${o.profile}"; the profiles are: ${shippedProfileNames().join(', ')} (or give a profile file's path)\n`);
      return EXIT.usage;
    }
    if (err instanceof MeterProfileError) {
      io.stderr.write(`${err.file}: invalid meter profile:\n${err.problems.map((p) => `  ${formatProblem(p)}\n`).join('')}`);
      return EXIT.config;
    }
    throw err;
  }
  const pilotProfile = o.pilotUnit === undefined ? undefined : pilotProfileFor(io, o.pilotProfile ?? 'evse-wb');
  if (typeof pilotProfile === 'number') return pilotProfile;
  if (o.pilotUnit !== undefined && o.unitIds.includes(o.pilotUnit)) throw new UsageError(`--pilot-unit ${o.pilotUnit} is a meter's unit id too; one unit id per device on a line`);
  const devices = o.unitIds.map((unitId, k) => {
    const physics = new MeterPhysics({ phases: profile.phases, evCurrentA: o.loadA, startEnergyWh: o.startEnergyWh + k * 1000 });
    physics.setRelayClosed(o.relayClosed);
    return new SimulatedMeterDevice(profile, physics, unitId);
  });
  const pilot = pilotProfile ? new MeterSimPilot(pilotProfile, o.pilotUnit!, devices[0]!.physics, { maxCurrentA: Math.max(...o.loadA) }) : undefined;
  const slave = new ModbusSlave(pilot ? [...devices, pilot.board] : devices);
  let where: string;
  if (o.tcp) {
    const { host, port } = parseHostPort(o.tcp);
    const bound = await slave.listenTcp(host, port, o.framing);
    where = `tcp://${host}:${bound} (${o.framing === 'mbap' ? 'Modbus TCP' : 'RTU over TCP'})`;
  } else {
    await slave.openSerial(o.port!, o.baudRate, o.parity, o.stopBits);
    where = `${o.port} ${o.baudRate} 8${o.parity[0]!.toUpperCase()}${o.stopBits} (RTU)`;
  }
  const withPilot = pilot ? `, pilot ${pilot.board.profile.id} unit ${pilot.unitId} (its vehicle draws through unit ${devices[0]!.unitId})` : '';
  io.stdout.write(`meter-sim: ${profile.id} unit${devices.length > 1 ? 's' : ''} ${o.unitIds.join(',')}${withPilot} on ${where}\n`);
  const stdinDone = (async () => {
    if (!io.stdinLines) return;
    for await (const line of io.stdinLines) {
      const reply = applySimCommand(line, devices, pilot);
      if (reply) io.stdout.write(`${reply}\n`);
      if (io.stop.aborted) break;
    }
  })();
  await untilStopped(io.stop);
  await slave.close();
  pilot?.close();
  void stdinDone;
  io.stdout.write(`meter-sim: stopped after ${slave.stats.requests} requests\n`);
  return EXIT.ok;
}
