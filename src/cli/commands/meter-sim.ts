import { MeterPhysics } from '../../hal/drivers/simulated/meter-physics.js';
import { ModbusSlave } from '../../hal/drivers/simulated/modbus-slave.js';
import { SimulatedMeterDevice, type SimulatedMeterFault } from '../../hal/drivers/simulated/simulated-meter-device.js';
import { loadMeterProfile, MeterProfileError, shippedProfileNames } from '../../hal/meter/profile.js';
import { EXIT } from '../../process/lifecycle.js';
import { formatProblem } from '../../util/json-schema.js';
import { UsageError, untilStopped, type CliIo } from '../io.js';

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

/** Applies one stdin command to the simulated meters; returns the reply line. */
export function applySimCommand(line: string, devices: SimulatedMeterDevice[]): string {
  let words = line.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '';
  let targets = devices;
  if (words[0] === 'unit') {
    const id = Number(words[1]);
    targets = devices.filter((d) => d.unitId === id);
    if (targets.length === 0) return `error: no unit ${words[1] ?? ''}`;
    words = words.slice(2);
  }
  try {
    const [cmd, ...rest] = words;
    switch (cmd) {
      case 'relay':
        if (rest[0] !== 'open' && rest[0] !== 'closed') throw new UsageError('relay open|closed');
        for (const d of targets) d.physics.setRelayClosed(rest[0] === 'closed');
        return 'ok';
      case 'ev':
        if (rest[0] !== 'charging' && rest[0] !== 'suspended') throw new UsageError('ev charging|suspended');
        for (const d of targets) d.physics.setEvDrawing(rest[0] === 'charging');
        return 'ok';
      case 'load': {
        const amps = (rest[0] ?? '').split(',').map(Number);
        if (amps.length === 0 || amps.some((a) => !Number.isFinite(a) || a < 0)) throw new UsageError('load A[,A,A]');
        for (const d of targets) d.physics.setEvCurrent(amps);
        return 'ok';
      }
      case 'fault': {
        const fault = parseFault(rest);
        for (const d of targets) d.fault = fault;
        return 'ok';
      }
      case 'status':
        return JSON.stringify(targets.map((d) => ({ unitId: d.unitId, fault: d.fault.mode, ...d.physics.values() })));
      default:
        throw new UsageError(`unknown command "${cmd ?? ''}"`);
    }
  } catch (err) {
    return `error: ${(err as Error).message}`;
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
  const devices = o.unitIds.map((unitId, k) => {
    const physics = new MeterPhysics({ phases: profile.phases, evCurrentA: o.loadA, startEnergyWh: o.startEnergyWh + k * 1000 });
    physics.setRelayClosed(o.relayClosed);
    return new SimulatedMeterDevice(profile, physics, unitId);
  });
  const slave = new ModbusSlave(devices);
  let where: string;
  if (o.tcp) {
    const { host, port } = parseHostPort(o.tcp);
    const bound = await slave.listenTcp(host, port, o.framing);
    where = `tcp://${host}:${bound} (${o.framing === 'mbap' ? 'Modbus TCP' : 'RTU over TCP'})`;
  } else {
    await slave.openSerial(o.port!, o.baudRate, o.parity, o.stopBits);
    where = `${o.port} ${o.baudRate} 8${o.parity[0]!.toUpperCase()}${o.stopBits} (RTU)`;
  }
  io.stdout.write(`meter-sim: ${profile.id} unit${devices.length > 1 ? 's' : ''} ${o.unitIds.join(',')} on ${where}\n`);
  const stdinDone = (async () => {
    if (!io.stdinLines) return;
    for await (const line of io.stdinLines) {
      const reply = applySimCommand(line, devices);
      if (reply) io.stdout.write(`${reply}\n`);
      if (io.stop.aborted) break;
    }
  })();
  await untilStopped(io.stop);
  await slave.close();
  void stdinDone;
  io.stdout.write(`meter-sim: stopped after ${slave.stats.requests} requests\n`);
  return EXIT.ok;
}
