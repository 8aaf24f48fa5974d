import assert from 'node:assert/strict';
import type { GetVariablesRequest, GetVariablesResponse, SetVariablesRequest, SetVariablesResponse } from 'ocpp-messages/v2.0/index.js';
import type { GetVariableDataType } from 'ocpp-messages/v2.0/GetVariablesRequest.js';
import type { SetVariableDataType } from 'ocpp-messages/v2.0/SetVariablesRequest.js';
import {
  DeviceModel,
  isRpcErrorAnswer,
  type RpcErrorAnswer,
  type VariableChange,
  type VariableDefinition,
} from '../../../src/ocpp/v201/device-model/device-model.js';
import { assertValidOcpp } from './ocpp-schema.js';

/** A small model with one variable of each kind the generic code distinguishes. */
let powerW: number | undefined;
function definitions(): VariableDefinition[] {
  return [
    { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, mutability: 'ReadWrite', characteristics: { dataType: 'integer', unit: 's', minLimit: 1, maxLimit: 86400 }, default: '300' },
    { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageTimeout', instance: 'Default' }, mutability: 'ReadOnly', characteristics: { dataType: 'integer', unit: 's' }, default: '30' },
    { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, mutability: 'ReadWrite', characteristics: { dataType: 'SequenceList', valuesList: ['1', '2', '3'] }, default: '1', rebootRequired: true },
    { component: { name: 'TxCtrlr' }, variable: { name: 'TxStartPoint' }, mutability: 'ReadWrite', characteristics: { dataType: 'MemberList', valuesList: ['EVConnected', 'Authorized', 'PowerPathClosed', 'EnergyTransfer'] }, default: 'PowerPathClosed', validate: (v) => (v === '' ? 'cannot be empty' : undefined) },
    { component: { name: 'TxCtrlr' }, variable: { name: 'StopTxOnInvalidId' }, mutability: 'ReadWrite', characteristics: { dataType: 'boolean' }, default: 'true' },
    { component: { name: 'ClockCtrlr' }, variable: { name: 'DateTime' }, mutability: 'ReadOnly', characteristics: { dataType: 'dateTime' }, read: () => '2025-03-01T12:00:00.000Z' },
    { component: { name: 'ClockCtrlr' }, variable: { name: 'NextTimeOffsetTransitionDateTime' }, mutability: 'ReadWrite', characteristics: { dataType: 'dateTime' }, default: '2025-10-26T01:00:00Z' },
    { component: { name: 'ClockCtrlr' }, variable: { name: 'NtpSource' }, mutability: 'ReadWrite', characteristics: { dataType: 'OptionList', valuesList: ['DHCP', 'manual'] }, default: 'DHCP' },
    { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, mutability: 'WriteOnly', characteristics: { dataType: 'string', maxLimit: 40 }, default: '' },
    { component: { name: 'SecurityCtrlr' }, variable: { name: 'OrganizationName' }, mutability: 'ReadWrite', characteristics: { dataType: 'string', maxLimit: 10 }, default: 'ACME' },
    { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'LimitChangeSignificance' }, mutability: 'ReadWrite', characteristics: { dataType: 'decimal', minLimit: 0, maxLimit: 1 }, default: '0.1' },
    { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' }, mutability: 'ReadOnly', characteristics: { dataType: 'decimal', unit: 'W', maxLimit: 22080 }, read: () => (powerW === undefined ? undefined : String(powerW)) },
    { component: { name: 'Connector', evse: { id: 1, connectorId: 1 } }, variable: { name: 'ConnectorType' }, mutability: 'ReadOnly', characteristics: { dataType: 'string' }, default: 'sType2' },
    { component: { name: 'Connector', evse: { id: 1, connectorId: 2 } }, variable: { name: 'ConnectorType' }, mutability: 'ReadOnly', characteristics: { dataType: 'string' }, default: 'cType2' },
    { component: { name: 'DeviceDataCtrlr' }, variable: { name: 'ItemsPerMessage', instance: 'GetVariables' }, mutability: 'ReadOnly', characteristics: { dataType: 'integer' }, default: '8' },
    { component: { name: 'DeviceDataCtrlr' }, variable: { name: 'BytesPerMessage', instance: 'GetVariables' }, mutability: 'ReadOnly', characteristics: { dataType: 'integer' }, default: '2000' },
    { component: { name: 'DeviceDataCtrlr' }, variable: { name: 'ItemsPerMessage', instance: 'SetVariables' }, mutability: 'ReadOnly', characteristics: { dataType: 'integer' }, default: '8' },
  ];
}

let model: DeviceModel;
let changes: VariableChange[];
beforeEach(() => {
  powerW = undefined;
  model = new DeviceModel({ definitions: definitions() });
  changes = [];
  model.changes$.subscribe((c) => changes.push(c));
});

function get(...items: GetVariableDataType[]): GetVariablesResponse {
  const request = { getVariableData: items } as GetVariablesRequest;
  assertValidOcpp('GetVariablesRequest', request);
  const answer = model.getVariables(request);
  assert.ok(!isRpcErrorAnswer(answer), 'expected a response');
  assertValidOcpp('GetVariablesResponse', answer);
  return answer;
}

function getOne(item: GetVariableDataType): GetVariablesResponse['getVariableResult'][0] {
  return get(item).getVariableResult[0];
}

async function set(...items: SetVariableDataType[]): Promise<SetVariablesResponse> {
  const request = { setVariableData: items } as SetVariablesRequest;
  assertValidOcpp('SetVariablesRequest', request);
  const answer = await model.setVariables(request);
  assert.ok(!isRpcErrorAnswer(answer), 'expected a response');
  assertValidOcpp('SetVariablesResponse', answer);
  return answer;
}

async function setOne(item: SetVariableDataType): Promise<SetVariablesResponse['setVariableResult'][0]> {
  return (await set(item)).setVariableResult[0];
}

const hb = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } };

describe('DeviceModel GetVariables (B06)', () => {
  it('B06.FR.10: Accepted with the value, of a stored and of a live variable', () => {
    const r = get(hb, { component: { name: 'ClockCtrlr' }, variable: { name: 'DateTime' } });
    assert.deepEqual(r.getVariableResult.map((x) => [x.attributeStatus, x.attributeValue]), [
      ['Accepted', '300'],
      ['Accepted', '2025-03-01T12:00:00.000Z'],
    ]);
  });

  it('B06.FR.01/02: one result per item, in order, naming the same component and variable', () => {
    const items: GetVariableDataType[] = [
      { component: { name: 'Nope' }, variable: { name: 'X' } },
      hb,
      { component: { name: 'Connector', evse: { id: 1, connectorId: 2 } }, variable: { name: 'ConnectorType' } },
    ];
    const r = get(...items);
    assert.equal(r.getVariableResult.length, 3);
    r.getVariableResult.forEach((res, i) => {
      assert.deepEqual(res.component, items[i]!.component);
      assert.deepEqual(res.variable, items[i]!.variable);
    });
  });

  it('B06.FR.06: an unknown component is UnknownComponent, without a value', () => {
    const r = getOne({ component: { name: 'FooCtrlr' }, variable: { name: 'HeartbeatInterval' } });
    assert.equal(r.attributeStatus, 'UnknownComponent');
    assert.equal(r.attributeValue, undefined);
  });

  it('B06.FR.07: an unknown variable of a known component is UnknownVariable, without a value', () => {
    const r = getOne({ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NoSuchThing' } });
    assert.equal(r.attributeStatus, 'UnknownVariable');
    assert.equal(r.attributeValue, undefined);
  });

  it('B06.FR.14/15: instances address variables; no or an empty instance finds no instanced variable', () => {
    assert.equal(getOne({ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageTimeout', instance: 'Default' } }).attributeValue, '30');
    assert.equal(getOne({ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageTimeout' } }).attributeStatus, 'UnknownVariable');
    assert.equal(getOne({ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageTimeout', instance: '' } }).attributeStatus, 'UnknownVariable');
    assert.equal(getOne({ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageTimeout', instance: 'Other' } }).attributeStatus, 'UnknownVariable');
    // An instance on a variable that has none is another variable.
    assert.equal(getOne({ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval', instance: 'X' } }).attributeStatus, 'UnknownVariable');
  });

  it('addresses EVSEs and connectors on their own tier: a wrong or missing tier is UnknownComponent', () => {
    assert.equal(getOne({ component: { name: 'Connector', evse: { id: 1, connectorId: 1 } }, variable: { name: 'ConnectorType' } }).attributeValue, 'sType2');
    assert.equal(getOne({ component: { name: 'Connector', evse: { id: 1, connectorId: 2 } }, variable: { name: 'ConnectorType' } }).attributeValue, 'cType2');
    assert.equal(getOne({ component: { name: 'Connector', evse: { id: 1, connectorId: 3 } }, variable: { name: 'ConnectorType' } }).attributeStatus, 'UnknownComponent');
    assert.equal(getOne({ component: { name: 'Connector', evse: { id: 1 } }, variable: { name: 'ConnectorType' } }).attributeStatus, 'UnknownComponent');
    assert.equal(getOne({ component: { name: 'Connector' }, variable: { name: 'ConnectorType' } }).attributeStatus, 'UnknownComponent');
    assert.equal(getOne({ component: { name: 'EVSE', evse: { id: 2 } }, variable: { name: 'Power' } }).attributeStatus, 'UnknownComponent');
    assert.equal(getOne({ component: { name: 'EVSE' }, variable: { name: 'Power' } }).attributeStatus, 'UnknownComponent');
    assert.equal(getOne({ component: { name: 'OCPPCommCtrlr', evse: { id: 1 } }, variable: { name: 'HeartbeatInterval' } }).attributeStatus, 'UnknownComponent');
  });

  it('matches component and variable names and instances without regard to case, echoing them as sent', () => {
    const r = getOne({ component: { name: 'ocppcommctrlr' }, variable: { name: 'MESSAGETIMEOUT', instance: 'default' } });
    assert.equal(r.attributeStatus, 'Accepted');
    assert.equal(r.attributeValue, '30');
    assert.deepEqual(r.component, { name: 'ocppcommctrlr' });
    assert.deepEqual(r.variable, { name: 'MESSAGETIMEOUT', instance: 'default' });
  });

  for (const attributeType of ['Target', 'MinSet', 'MaxSet'] as const) {
    it(`B06.FR.08/03: attributeType ${attributeType} is NotSupportedAttributeType, echoed, without a value`, () => {
      const r = getOne({ ...hb, attributeType });
      assert.equal(r.attributeStatus, 'NotSupportedAttributeType');
      assert.equal(r.attributeType, attributeType);
      assert.equal(r.attributeValue, undefined);
    });
  }

  it('B06.FR.11/03: a missing attributeType is answered as Actual; an explicit Actual is echoed', () => {
    assert.equal(getOne(hb).attributeType, 'Actual');
    assert.equal(getOne({ ...hb, attributeType: 'Actual' }).attributeStatus, 'Accepted');
  });

  it('B06.FR.09: a WriteOnly variable is Rejected, never with its value', async () => {
    await setOne({ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'Secr3tPassword-12345' });
    const r = getOne({ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } });
    assert.equal(r.attributeStatus, 'Rejected');
    assert.equal(r.attributeValue, undefined);
    assert.equal(r.attributeStatusInfo?.reasonCode, 'WriteOnly');
    assert.ok(!JSON.stringify(r).includes('Secr3t'));
  });

  it('B06.FR.13: a live variable without a value now answers Accepted with an empty string', () => {
    const power = { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' } };
    assert.deepEqual([getOne(power).attributeStatus, getOne(power).attributeValue], ['Accepted', '']);
    powerW = 7360;
    assert.equal(getOne(power).attributeValue, '7360');
  });

  it('a live getter that throws gives Rejected for that item only', () => {
    const m = new DeviceModel({
      definitions: [
        { component: { name: 'ClockCtrlr' }, variable: { name: 'DateTime' }, mutability: 'ReadOnly', characteristics: { dataType: 'dateTime' }, read: () => { throw new Error('no clock'); } },
        { component: { name: 'ClockCtrlr' }, variable: { name: 'TimeZone' }, mutability: 'ReadWrite', characteristics: { dataType: 'string' }, default: 'Europe/Berlin' },
      ],
    });
    const r = m.getVariables({ getVariableData: [{ component: { name: 'ClockCtrlr' }, variable: { name: 'DateTime' } }, { component: { name: 'ClockCtrlr' }, variable: { name: 'TimeZone' } }] });
    assert.ok(!isRpcErrorAnswer(r));
    assertValidOcpp('GetVariablesResponse', r);
    assert.deepEqual(r.getVariableResult.map((x) => x.attributeStatus), ['Rejected', 'Accepted']);
  });

  it('B06.FR.16: more items than ItemsPerMessage[GetVariables] is a CALLERROR OccurrenceConstraintViolation', () => {
    const request = { getVariableData: Array.from({ length: 9 }, () => hb) } as GetVariablesRequest;
    const answer = model.getVariables(request);
    assert.ok(isRpcErrorAnswer(answer));
    assert.equal((answer as RpcErrorAnswer).rpcError, 'OccurrenceConstraintViolation');
    assert.ok(!isRpcErrorAnswer(model.getVariables({ getVariableData: Array.from({ length: 8 }, () => hb) } as GetVariablesRequest)));
  });

  it('B06.FR.17: a request longer than BytesPerMessage[GetVariables] is a CALLERROR FormatViolation', () => {
    const answer = model.getVariables({ getVariableData: [hb] }, { requestBytes: 2001 });
    assert.ok(isRpcErrorAnswer(answer));
    assert.equal(answer.rpcError, 'FormatViolation');
    assert.ok(!isRpcErrorAnswer(model.getVariables({ getVariableData: [hb] }, { requestBytes: 2000 })));
  });
});

describe('DeviceModel SetVariables (B05)', () => {
  it('B05.FR.10: Accepted; the value is in effect, read back and announced on changes$', async () => {
    const r = await setOne({ ...hb, attributeValue: '60' });
    assert.equal(r.attributeStatus, 'Accepted');
    assert.equal(model.getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 60);
    assert.equal(getOne(hb).attributeValue, '60');
    assert.deepEqual(changes, [{ component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval', value: '60' }]);
  });

  it('B05.FR.01/02/03/12: one result per item in order, same component/variable, attributeType echoed or Actual', async () => {
    const items: SetVariableDataType[] = [
      { ...hb, attributeValue: '61' },
      { component: { name: 'TxCtrlr' }, variable: { name: 'StopTxOnInvalidId' }, attributeValue: 'false', attributeType: 'Actual' },
      { component: { name: 'Nope' }, variable: { name: 'Nope' }, attributeValue: '1' },
    ];
    const r = await set(...items);
    assert.equal(r.setVariableResult.length, 3);
    r.setVariableResult.forEach((res, i) => {
      assert.deepEqual(res.component, items[i]!.component);
      assert.deepEqual(res.variable, items[i]!.variable);
      assert.equal(res.attributeType, 'Actual');
    });
    assert.deepEqual(r.setVariableResult.map((x) => x.attributeStatus), ['Accepted', 'Accepted', 'UnknownComponent']);
  });

  it('B05.FR.04/05: UnknownComponent and UnknownVariable', async () => {
    assert.equal((await setOne({ component: { name: 'FooCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '1' })).attributeStatus, 'UnknownComponent');
    assert.equal((await setOne({ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'Heartbeat' }, attributeValue: '1' })).attributeStatus, 'UnknownVariable');
    assert.equal((await setOne({ component: { name: 'EVSE', evse: { id: 9 } }, variable: { name: 'Power' }, attributeValue: '1' })).attributeStatus, 'UnknownComponent');
  });

  it('B05.FR.06: attributeType Target, MinSet or MaxSet is NotSupportedAttributeType and changes nothing', async () => {
    for (const attributeType of ['Target', 'MinSet', 'MaxSet'] as const) {
      const r = await setOne({ ...hb, attributeType, attributeValue: '10' });
      assert.equal(r.attributeStatus, 'NotSupportedAttributeType');
      assert.equal(r.attributeType, attributeType);
    }
    assert.equal(model.getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 300);
  });

  it('B05.FR.09: a ReadOnly variable, stored or live, is Rejected with reasonCode ReadOnly', async () => {
    const ro = await setOne({ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageTimeout', instance: 'Default' }, attributeValue: '10' });
    assert.equal(ro.attributeStatus, 'Rejected');
    assert.equal(ro.attributeStatusInfo?.reasonCode, 'ReadOnly');
    const liveRo = await setOne({ component: { name: 'ClockCtrlr' }, variable: { name: 'DateTime' }, attributeValue: '2025-01-01T00:00:00Z' });
    assert.equal(liveRo.attributeStatus, 'Rejected');
    assert.equal(model.getString('OCPPCommCtrlr', 'MessageTimeout', { instance: 'Default' }), '30');
    assert.deepEqual(changes, []);
  });

  const badFormats: Array<[string, SetVariableDataType]> = [
    ['integer: letters', { ...hb, attributeValue: 'abc' }],
    ['integer: a fraction', { ...hb, attributeValue: '1.5' }],
    ['integer: empty', { ...hb, attributeValue: '' }],
    ['boolean: yes', { component: { name: 'TxCtrlr' }, variable: { name: 'StopTxOnInvalidId' }, attributeValue: 'yes' }],
    ['boolean: 1', { component: { name: 'TxCtrlr' }, variable: { name: 'StopTxOnInvalidId' }, attributeValue: '1' }],
    ['decimal: a comma', { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'LimitChangeSignificance' }, attributeValue: '0,5' }],
    ['dateTime: no offset', { component: { name: 'ClockCtrlr' }, variable: { name: 'NextTimeOffsetTransitionDateTime' }, attributeValue: '2025-10-26T01:00:00' }],
    ['dateTime: not a date', { component: { name: 'ClockCtrlr' }, variable: { name: 'NextTimeOffsetTransitionDateTime' }, attributeValue: '2025-13-45T01:00:00Z' }],
    ['OptionList: not in valuesList', { component: { name: 'ClockCtrlr' }, variable: { name: 'NtpSource' }, attributeValue: 'GPS' }],
    ['OptionList: two values', { component: { name: 'ClockCtrlr' }, variable: { name: 'NtpSource' }, attributeValue: 'DHCP,manual' }],
    ['MemberList: a value not in valuesList', { component: { name: 'TxCtrlr' }, variable: { name: 'TxStartPoint' }, attributeValue: 'EVConnected,ParkingBayOccupancy' }],
    ['MemberList: a member twice', { component: { name: 'TxCtrlr' }, variable: { name: 'TxStartPoint' }, attributeValue: 'Authorized,Authorized' }],
    ['SequenceList: a value not in valuesList', { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, attributeValue: '1,4' }],
  ];
  for (const [what, item] of badFormats) {
    it(`B05.FR.07: ${what} is Rejected (InvalidValue) and changes nothing`, async () => {
      const r = await setOne(item);
      assert.equal(r.attributeStatus, 'Rejected');
      assert.equal(r.attributeStatusInfo?.reasonCode, 'InvalidValue');
      assert.deepEqual(changes, []);
    });
  }

  const outOfRange: Array<[string, SetVariableDataType]> = [
    ['integer below minLimit', { ...hb, attributeValue: '0' }],
    ['integer above maxLimit', { ...hb, attributeValue: '86401' }],
    ['decimal above maxLimit', { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'LimitChangeSignificance' }, attributeValue: '1.01' }],
    ['string longer than maxLimit', { component: { name: 'SecurityCtrlr' }, variable: { name: 'OrganizationName' }, attributeValue: 'ACME Charging' }],
  ];
  for (const [what, item] of outOfRange) {
    it(`B05.FR.08: ${what} is Rejected (ValueOutOfRange)`, async () => {
      const r = await setOne(item);
      assert.equal(r.attributeStatus, 'Rejected');
      assert.equal(r.attributeStatusInfo?.reasonCode, 'ValueOutOfRange');
    });
  }

  it('B05.FR.08: the limits themselves are accepted', async () => {
    const r = await set({ ...hb, attributeValue: '1' }, { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'LimitChangeSignificance' }, attributeValue: '1' });
    assert.deepEqual(r.setVariableResult.map((x) => x.attributeStatus), ['Accepted', 'Accepted']);
  });

  it('MemberList: any subset is accepted and stored canonically (case, spaces); SequenceList keeps its order', async () => {
    const tsp = { component: { name: 'TxCtrlr' }, variable: { name: 'TxStartPoint' } };
    assert.equal((await setOne({ ...tsp, attributeValue: 'evconnected, Authorized' })).attributeStatus, 'Accepted');
    assert.deepEqual(model.getList('TxCtrlr', 'TxStartPoint'), ['EVConnected', 'Authorized']);
    assert.equal(getOne(tsp).attributeValue, 'EVConnected,Authorized');
    const ncp = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' } };
    assert.equal((await setOne({ ...ncp, attributeValue: '3,1' })).attributeStatus, 'RebootRequired');
  });

  it('a definition\'s own validator can reject a well-formed value', async () => {
    const r = await setOne({ component: { name: 'TxCtrlr' }, variable: { name: 'TxStartPoint' }, attributeValue: '' });
    assert.equal(r.attributeStatus, 'Rejected');
    assert.equal(r.attributeStatusInfo?.reasonCode, 'InvalidValue');
    assert.equal(model.getString('TxCtrlr', 'TxStartPoint'), 'PowerPathClosed');
  });

  it('RebootRequired: the new value is kept but not in effect, and not announced', async () => {
    const ncp = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' } };
    const r = await setOne({ ...ncp, attributeValue: '2,1' });
    assert.equal(r.attributeStatus, 'RebootRequired');
    assert.equal(model.getString('OCPPCommCtrlr', 'NetworkConfigurationPriority'), '1');
    assert.equal(getOne(ncp).attributeValue, '1');
    assert.deepEqual(changes, []);
    // Setting it back to the value in effect needs no reboot.
    assert.equal((await setOne({ ...ncp, attributeValue: '1' })).attributeStatus, 'Accepted');
  });

  it('the same variable twice in one request (B05.FR.13 is broken): each is answered, the later value wins, announced once', async () => {
    const r = await set({ ...hb, attributeValue: '10' }, { ...hb, attributeValue: '20' });
    assert.deepEqual(r.setVariableResult.map((x) => x.attributeStatus), ['Accepted', 'Accepted']);
    assert.equal(model.getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 20);
    assert.deepEqual(changes.map((c) => c.value), ['20']);
  });

  it('a mix of good and bad items: only the good ones take effect', async () => {
    const r = await set({ ...hb, attributeValue: '45' }, { component: { name: 'TxCtrlr' }, variable: { name: 'StopTxOnInvalidId' }, attributeValue: 'maybe' });
    assert.deepEqual(r.setVariableResult.map((x) => x.attributeStatus), ['Accepted', 'Rejected']);
    assert.equal(model.getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 45);
    assert.equal(model.getBool('TxCtrlr', 'StopTxOnInvalidId'), true);
  });

  it('setting the value already in effect is Accepted and announces nothing', async () => {
    assert.equal((await setOne({ ...hb, attributeValue: '300' })).attributeStatus, 'Accepted');
    assert.deepEqual(changes, []);
  });

  it('booleans are stored as true/false whatever the case', async () => {
    await setOne({ component: { name: 'TxCtrlr' }, variable: { name: 'StopTxOnInvalidId' }, attributeValue: 'FALSE' });
    assert.equal(model.getString('TxCtrlr', 'StopTxOnInvalidId'), 'false');
    assert.equal(model.getBool('TxCtrlr', 'StopTxOnInvalidId'), false);
  });

  it('a WriteOnly value is Accepted and announced masked, its value only in a Secret', async () => {
    const r = await setOne({ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'Secr3tPassword-12345' });
    assert.equal(r.attributeStatus, 'Accepted');
    assert.equal(changes.length, 1);
    const change = changes[0]!;
    assert.equal(change.value, '********');
    assert.equal(change.secret?.reveal(), 'Secr3tPassword-12345');
    assert.ok(!JSON.stringify(change).includes('Secr3t'));
    assert.ok(!String(change.secret).includes('Secr3t'));
    assert.equal(model.getSecret('SecurityCtrlr', 'BasicAuthPassword')?.reveal(), 'Secr3tPassword-12345');
    assert.throws(() => model.getString('SecurityCtrlr', 'BasicAuthPassword'), /WriteOnly/);
  });

  it('more items than ItemsPerMessage[SetVariables] is a CALLERROR and changes nothing', async () => {
    const answer = await model.setVariables({ setVariableData: Array.from({ length: 9 }, (_, i) => ({ ...hb, attributeValue: String(i + 1) })) } as SetVariablesRequest);
    assert.ok(isRpcErrorAnswer(answer));
    assert.equal(answer.rpcError, 'OccurrenceConstraintViolation');
    assert.equal(model.getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 300);
  });

  it('overlapping requests are applied in the order they came', async () => {
    const a = model.setVariables({ setVariableData: [{ ...hb, attributeValue: '11' }] });
    const b = model.setVariables({ setVariableData: [{ ...hb, attributeValue: '22' }] });
    await Promise.all([a, b]);
    assert.equal(model.getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 22);
    assert.deepEqual(changes.map((c) => c.value), ['11', '22']);
  });

  it("the agent's own set() may write a ReadOnly stored value, but never a live one", async () => {
    assert.deepEqual(await model.set('OCPPCommCtrlr', 'MessageTimeout', '45', { instance: 'Default' }), { status: 'Accepted' });
    assert.equal(model.getInt('OCPPCommCtrlr', 'MessageTimeout', { instance: 'Default' }), 45);
    assert.equal((await model.set('ClockCtrlr', 'DateTime', '2025-01-01T00:00:00Z')).status, 'Rejected');
    assert.equal((await model.set('OCPPCommCtrlr', 'HeartbeatInterval', '-5')).status, 'Rejected');
    await assert.rejects(model.set('OCPPCommCtrlr', 'Nope', '1'), /no OCPPCommCtrlr.Nope/);
  });
});

describe('DeviceModel definitions', () => {
  const base = { component: { name: 'X' }, variable: { name: 'Y' }, mutability: 'ReadWrite' as const };

  it('refuses a duplicate, a list without valuesList, a bad default and a writable live value', () => {
    assert.throws(() => new DeviceModel({ definitions: [{ ...base, characteristics: { dataType: 'integer' }, default: '1' }, { ...base, component: { name: 'x' }, characteristics: { dataType: 'integer' }, default: '2' }] }), /twice/);
    assert.throws(() => new DeviceModel({ definitions: [{ ...base, characteristics: { dataType: 'MemberList' }, default: '' }] }), /valuesList/);
    assert.throws(() => new DeviceModel({ definitions: [{ ...base, characteristics: { dataType: 'integer', minLimit: 5 }, default: '1' }] }), /default/);
    assert.throws(
      () => new DeviceModel({ definitions: [{ ...base, mutability: 'ReadWrite', characteristics: { dataType: 'integer' }, read: () => '1' } as unknown as VariableDefinition] }),
      /live/,
    );
  });
});
