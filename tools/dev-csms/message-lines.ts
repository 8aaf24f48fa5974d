/**
 * One short, readable line per OCPP message for a developer watching the development CSMS:
 * `EVSE-SIM-001 -> TransactionEvent Started tx=1a2b3c4d... seq=0 trigger=Authorized Charging 12.345 kWh`.
 * "->" is from the station, "<-" to it. Payloads are read defensively: lines are made for every
 * message, also the malformed ones the CSMS answers with a CALLERROR.
 */

export type Direction = 'fromStation' | 'toStation';

/** Lines longer than this are cut: one message, one terminal line. */
const MAX_LINE_LENGTH = 200;
/** Values of these keys are passwords (2.0.1 BasicAuthPassword, 1.6 AuthorizationKey). */
const SECRET_NAME = /BasicAuthPassword|AuthorizationKey/i;

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function at(value: unknown, ...keys: Array<string | number>): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof key === 'number') current = Array.isArray(current) ? current[key] : undefined;
    else current = obj(current)?.[key];
  }
  return current;
}

function str(value: unknown, ...keys: Array<string | number>): string | undefined {
  const v = at(value, ...keys);
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function list(value: unknown, ...keys: string[]): unknown[] {
  const v = at(value, ...keys);
  return Array.isArray(v) ? v : [];
}

/** Long ids (2.0.1 transaction ids are often UUIDs) shortened to what tells them apart in a terminal. */
export function shortId(id: string): string {
  return id.length > 10 ? `${id.slice(0, 8)}...` : id;
}

function kWh(wh: number): string {
  return `${(wh / 1000).toFixed(3)} kWh`;
}

/** `key=value` for the values present; undefined ones are left out. */
function pairs(...entries: Array<[string, string | undefined]>): string[] {
  return entries.filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '').map(([k, v]) => `${k}=${v}`);
}

/** The energy register in a list of meter values, 2.0.1 or 1.6 sampled values, in Wh. */
function registerWh(meterValues: unknown[]): number | undefined {
  let latest: number | undefined;
  for (const mv of meterValues) {
    for (const sv of list(mv, 'sampledValue')) {
      const measurand = str(sv, 'measurand') ?? 'Energy.Active.Import.Register';
      if (measurand !== 'Energy.Active.Import.Register' || at(sv, 'phase') !== undefined) continue;
      const value = Number(at(sv, 'value'));
      const unit = str(sv, 'unitOfMeasure', 'unit') ?? str(sv, 'unit') ?? 'Wh';
      const multiplier = Number(at(sv, 'unitOfMeasure', 'multiplier') ?? 0);
      if (!Number.isFinite(value) || (unit !== 'Wh' && unit !== 'kWh')) continue;
      latest = value * 10 ** (Number.isFinite(multiplier) ? multiplier : 0) * (unit === 'kWh' ? 1000 : 1);
    }
  }
  return latest;
}

function powerW(meterValues: unknown[]): number | undefined {
  for (const mv of meterValues) {
    for (const sv of list(mv, 'sampledValue')) {
      if (str(sv, 'measurand') === 'Power.Active.Import' && at(sv, 'phase') === undefined) {
        const value = Number(at(sv, 'value'));
        if (Number.isFinite(value)) return value;
      }
    }
  }
  return undefined;
}

function energyParts(meterValues: unknown[]): string[] {
  const parts: string[] = [];
  const wh = registerWh(meterValues);
  if (wh !== undefined) parts.push(kWh(wh));
  const w = powerW(meterValues);
  if (w !== undefined) parts.push(`${Math.round(w)} W`);
  return parts;
}

function evse(payload: unknown): string | undefined {
  const id = str(payload, 'evse', 'id');
  if (id === undefined) return undefined;
  const connector = str(payload, 'evse', 'connectorId');
  return connector === undefined ? id : `${id}/${connector}`;
}

function component(item: unknown): string {
  const name = [str(item, 'component', 'name'), str(item, 'variable', 'name')].filter(Boolean).join('.');
  return name || '?';
}

/** What a request says, after its action. */
function requestDetails(action: string, p: unknown): string[] {
  switch (action) {
    case 'BootNotification':
      if (obj(at(p, 'chargingStation'))) {
        return [
          ...(str(p, 'reason') ? [str(p, 'reason')!] : []),
          `${str(p, 'chargingStation', 'vendorName') ?? '?'}/${str(p, 'chargingStation', 'model') ?? '?'}`,
          ...pairs(['serial', str(p, 'chargingStation', 'serialNumber')], ['fw', str(p, 'chargingStation', 'firmwareVersion')]),
        ];
      }
      return [
        `${str(p, 'chargePointVendor') ?? '?'}/${str(p, 'chargePointModel') ?? '?'}`,
        ...pairs(['serial', str(p, 'chargePointSerialNumber')], ['fw', str(p, 'firmwareVersion')]),
      ];
    case 'StatusNotification':
      return [
        ...pairs(['evse', str(p, 'evseId')], ['connector', str(p, 'connectorId')]),
        str(p, 'connectorStatus') ?? str(p, 'status') ?? '?',
        ...(str(p, 'errorCode') && str(p, 'errorCode') !== 'NoError' ? [str(p, 'errorCode')!] : []),
      ];
    case 'TransactionEvent': {
      const txId = str(p, 'transactionInfo', 'transactionId');
      return [
        str(p, 'eventType') ?? '?',
        ...pairs(
          ['tx', txId === undefined ? undefined : shortId(txId)],
          ['seq', str(p, 'seqNo')],
          ['trigger', str(p, 'triggerReason')],
          ['evse', evse(p)],
        ),
        ...(str(p, 'transactionInfo', 'chargingState') ? [str(p, 'transactionInfo', 'chargingState')!] : []),
        ...pairs(['stopped', str(p, 'transactionInfo', 'stoppedReason')], ['idToken', str(p, 'idToken', 'idToken')]),
        ...(at(p, 'offline') === true ? ['offline'] : []),
        ...energyParts(list(p, 'meterValue')),
      ];
    }
    case 'Authorize':
      return pairs(['idToken', str(p, 'idToken', 'idToken')], ['idTag', str(p, 'idTag')]);
    case 'MeterValues':
      return [...pairs(['evse', str(p, 'evseId')], ['connector', str(p, 'connectorId')], ['tx', str(p, 'transactionId')]), ...energyParts(list(p, 'meterValue'))];
    case 'StartTransaction': {
      const start = Number(at(p, 'meterStart'));
      return [...pairs(['connector', str(p, 'connectorId')], ['idTag', str(p, 'idTag')]), ...(Number.isFinite(start) ? [`start ${kWh(start)}`] : [])];
    }
    case 'StopTransaction': {
      const stop = Number(at(p, 'meterStop'));
      return [...pairs(['tx', str(p, 'transactionId')], ['reason', str(p, 'reason')], ['idTag', str(p, 'idTag')]), ...(Number.isFinite(stop) ? [`stop ${kWh(stop)}`] : [])];
    }
    case 'NotifyReport':
      return [
        ...pairs(['requestId', str(p, 'requestId')], ['seq', str(p, 'seqNo')]),
        `${list(p, 'reportData').length} variables`,
        ...(at(p, 'tbc') === true ? ['(more to come)'] : []),
      ];
    case 'NotifyEvent':
      return [
        `${list(p, 'eventData').length} event(s)`,
        ...list(p, 'eventData')
          .slice(0, 3)
          .map((e) => `${component(e)}=${str(e, 'actualValue') ?? '?'}`),
      ];
    case 'SecurityEventNotification':
      return [str(p, 'type') ?? '?'];
    case 'FirmwareStatusNotification':
    case 'LogStatusNotification':
    case 'DiagnosticsStatusNotification':
      return [str(p, 'status') ?? '?'];
    case 'DataTransfer':
      return pairs(['vendorId', str(p, 'vendorId')], ['messageId', str(p, 'messageId')]);
    // Commands to the station.
    case 'RequestStartTransaction':
      return pairs(['evse', str(p, 'evseId')], ['idToken', str(p, 'idToken', 'idToken')], ['remoteStartId', str(p, 'remoteStartId')]);
    case 'RemoteStartTransaction':
      return pairs(['connector', str(p, 'connectorId')], ['idTag', str(p, 'idTag')]);
    case 'RequestStopTransaction': {
      const txId = str(p, 'transactionId');
      return pairs(['tx', txId === undefined ? undefined : shortId(txId)]);
    }
    case 'ChangeAvailability':
      return [...pairs(['evse', evse(p)], ['connector', str(p, 'connectorId')]), str(p, 'operationalStatus') ?? str(p, 'type') ?? '?'];
    case 'TriggerMessage':
      return [str(p, 'requestedMessage') ?? '?', ...pairs(['evse', evse(p)], ['connector', str(p, 'connectorId')])];
    case 'SetVariables':
      return list(p, 'setVariableData').map((d) => `${component(d)}=${SECRET_NAME.test(component(d)) ? '********' : (str(d, 'attributeValue') ?? '?')}`);
    case 'GetVariables':
      return list(p, 'getVariableData').map(component);
    case 'ChangeConfiguration': {
      const key = str(p, 'key') ?? '?';
      return [`${key}=${SECRET_NAME.test(key) ? '********' : (str(p, 'value') ?? '?')}`];
    }
    case 'GetConfiguration':
      return list(p, 'key').map(String);
    default:
      return scalars(p);
  }
}

/** The top-level scalar fields, for actions without a summary of their own. */
function scalars(p: unknown): string[] {
  return Object.entries(obj(p) ?? {})
    .filter(([, v]) => v === null || typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`);
}

/** What an answer says. */
function responseDetails(action: string | undefined, p: unknown): string[] {
  const status = str(p, 'status') ?? str(p, 'idTokenInfo', 'status') ?? str(p, 'idTagInfo', 'status');
  const parts: string[] = [];
  if (status !== undefined) parts.push(status);
  parts.push(...pairs(['tx', str(p, 'transactionId')], ['interval', str(p, 'interval')], ['reason', str(p, 'statusInfo', 'reasonCode')]));
  switch (action) {
    case 'GetVariables':
      parts.push(
        ...list(p, 'getVariableResult').map((r) => {
          const name = component(r);
          if (str(r, 'attributeStatus') !== 'Accepted') return `${name} ${str(r, 'attributeStatus') ?? '?'}`;
          return `${name}=${SECRET_NAME.test(name) ? '********' : (str(r, 'attributeValue') ?? '')}`;
        }),
      );
      break;
    case 'SetVariables':
      parts.push(...list(p, 'setVariableResult').map((r) => `${component(r)} ${str(r, 'attributeStatus') ?? '?'}`));
      break;
    case 'GetConfiguration': {
      const keys = list(p, 'configurationKey');
      parts.push(`${keys.length} key(s)`);
      const unknown = list(p, 'unknownKey');
      if (unknown.length > 0) parts.push(`unknown: ${unknown.map(String).join(', ')}`);
      break;
    }
    default:
      break;
  }
  return parts.length > 0 ? parts : ['ok'];
}

function line(identity: string, direction: Direction, parts: string[]): string {
  const text = `${identity} ${direction === 'fromStation' ? '->' : '<-'} ${parts.join(' ')}`;
  return text.length > MAX_LINE_LENGTH ? `${text.slice(0, MAX_LINE_LENGTH - 3)}...` : text;
}

/**
 * A CALL: `EVSE-SIM-001 -> StatusNotification evse=1 connector=1 Available`. A transaction
 * message gets what it means for its session after the register: `12.345 kWh session 1.234 kWh`.
 */
export function callLine(identity: string, direction: Direction, action: string, payload: unknown, session?: string): string {
  return line(identity, direction, [action, ...requestDetails(action, payload), ...(session ? [session] : [])]);
}

/**
 * A CALLRESULT: `EVSE-SIM-001 <- Accepted interval=300`. The station's answers to our commands
 * name the command, as other messages may come in between.
 */
export function resultLine(identity: string, direction: Direction, action: string | undefined, payload: unknown): string {
  const details = responseDetails(action, payload);
  return line(identity, direction, direction === 'fromStation' && action ? [...details, `(${action})`] : details);
}

/** A CALLERROR: `EVSE-SIM-001 <- CALLERROR OccurrenceConstraintViolation: /chargingStation/model: required but missing`. */
export function callErrorLine(identity: string, direction: Direction, action: string | undefined, code: string, description: string): string {
  return line(identity, direction, [`CALLERROR ${code}${description ? `: ${description}` : ''}`, ...(direction === 'fromStation' && action ? [`(${action})`] : [])]);
}
