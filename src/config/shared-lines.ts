import { describeLink, linkKey, type ModbusLink, type ModbusTiming } from '../hal/drivers/modbus/modbus-bus.js';
import type { ConfigContext } from './config-context.js';

// What several parts of a station may share and what not: meters and pilot boards may share a
// Modbus line (one bus, one request at a time) but each needs its own unit id and the line one set
// of serial settings; any other serial device (an OpenEVSE UART, a card reader) is one part's alone.

/** A meter or pilot board on a Modbus line, as the shared-line checks see it. */
export interface LineDevice {
  /** For messages, with where it is configured: "the meter of EVSE 1 at /meter". */
  what: string;
  /** Where a problem with its line settings is reported. */
  path: string;
  /** Where a problem with its unit id is reported. */
  unitIdPath: string;
  link: ModbusLink;
  unitId: number;
  timing: ModbusTiming;
}

/**
 * Devices on one line must agree on its serial settings and answer to different unit ids; each is
 * checked against the ones before it, so a problem is reported once, at the later device. The bus
 * is opened with the first device's timing (ModbusBusRegistry), so a later one's differing timing
 * is a warning: it has no effect.
 */
export function checkSharedLines(devices: LineDevice[], ctx: ConfigContext): void {
  const firstOnLine = new Map<string, LineDevice>();
  const byUnit = new Map<string, LineDevice>();
  for (const device of devices) {
    const line = linkKey(device.link);
    const unitKey = `${line}#${device.unitId}`;
    const sameUnit = byUnit.get(unitKey);
    if (sameUnit) {
      ctx.problem(
        device.unitIdPath,
        `a unit id of its own on ${describeLink(device.link)} (${sameUnit.what} answers to unit ${device.unitId}); set a different unitId`,
        String(device.unitId),
      );
    } else {
      byUnit.set(unitKey, device);
    }
    const first = firstOnLine.get(line);
    if (!first) {
      firstOnLine.set(line, device);
      continue;
    }
    if (JSON.stringify(first.link) !== JSON.stringify(device.link)) {
      ctx.problem(device.path, `the serial settings of ${first.what} on the shared line: ${describeLink(first.link)}`, describeLink(device.link));
    } else if (first.timing.timeoutMs !== device.timing.timeoutMs || first.timing.interRequestDelayMs !== device.timing.interRequestDelayMs) {
      ctx.warn(
        device.path,
        `the line ${describeLink(device.link)} keeps the timing of ${first.what} (timeoutMs ${first.timing.timeoutMs}, interRequestDelayMs ${first.timing.interRequestDelayMs}); this device's timeoutMs ${device.timing.timeoutMs}, interRequestDelayMs ${device.timing.interRequestDelayMs} have no effect`,
      );
    }
  }
}

/** A serial or input device a part of the station opens. */
export interface DeviceClaim {
  /** The device path as configured, e.g. /dev/ttyUSB0. */
  device: string;
  what: string;
  /** Where the device is configured, where a second claim is reported. */
  path: string;
  /** A Modbus RTU line, which other Modbus devices may share (checkSharedLines checks those). */
  modbusLine: boolean;
}

/** A device is opened by one part only, except a Modbus RTU line shared by Modbus devices. */
export function checkDevicesUsedOnce(claims: DeviceClaim[], ctx: ConfigContext): void {
  const first = new Map<string, DeviceClaim>();
  for (const claim of claims) {
    const other = first.get(claim.device);
    if (!other) {
      first.set(claim.device, claim);
    } else if (!(other.modbusLine && claim.modbusLine)) {
      ctx.problem(claim.path, `a device no other part of the station opens (${other.what} opens ${claim.device})`, JSON.stringify(claim.device));
    }
  }
}

/** The claim of a Modbus device's line, when it is a serial one. */
export function lineClaim(device: LineDevice): DeviceClaim | undefined {
  return device.link.kind === 'rtu' ? { device: device.link.path, what: device.what, path: device.path, modbusLine: true } : undefined;
}
