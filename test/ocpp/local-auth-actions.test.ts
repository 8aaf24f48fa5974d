import assert from 'node:assert/strict';
import type {
  ClearCacheResponse,
  GetLocalListVersionResponse,
  GetVariablesResponse,
  SendLocalListRequest,
  SendLocalListResponse,
} from 'ocpp-messages/v2.0/index.js';
import { loadConfig } from '../../src/config/load-config.js';
import { csmsAuthorizer } from '../../src/ocpp/v201/actions/authorize.js';
import { clearCache } from '../../src/ocpp/v201/actions/clear-cache.js';
import { getLocalListVersion } from '../../src/ocpp/v201/actions/get-local-list-version.js';
import { sendLocalList } from '../../src/ocpp/v201/actions/send-local-list.js';
import type { V201Context } from '../../src/ocpp/v201/context.js';
import { answerGetBaseReport, isRpcErrorAnswer, type DeviceModel } from '../../src/ocpp/v201/device-model/device-model.js';
import type { StationLive } from '../../src/ocpp/v201/device-model/station-variables.js';
import { deviceModelLocalAuthorizationSettings as localAuthorizationSettings } from '../../src/services/device-configuration/index.js';
import { buildDeviceModelFromConfig } from '../../src/ocpp/v201/station-device-model.js';
import { AuthorizationCache, LocalAuthorizationList, LocalAuthorizer } from '../../src/services/authorization/index.js';
import type { StateStore } from '../../src/station/ports.js';
import type { IdToken } from '../../src/station/types.js';
import { JsonFileStore } from '../../src/store/json-file-store.js';
import { simulatorConfigCopy } from '../helpers/cli.js';
import { capturingLogger } from '../helpers/logging.js';
import { assertValidOcpp } from './device-model/ocpp-schema.js';

/**
 * The 2.0.1 handlers for local authorization: SendLocalList (D01), GetLocalListVersion (D02) and
 * ClearCache (C11), on the device model the agent builds from its config, every answer checked
 * against the official schema.
 */

const CARD: IdToken = { idToken: 'CARD-0001', type: 'ISO14443' };
const OTHER: IdToken = { idToken: 'CARD-0002', type: 'ISO14443' };

const live = (list?: LocalAuthorizationList): StationLive => ({
  availabilityState: () => 'Available',
  dateTime: () => '2025-06-01T12:00:00.000Z',
  ...(list ? { localAuthorization: { listEntries: () => list.size, listMaxEntries: list.maxEntries } } : {}),
});

/** A store whose writes can be made to fail (a full disk). */
class FailableStore implements StateStore {
  failWrites = false;
  constructor(private readonly inner: StateStore) {}
  read<T>(name: string): T | undefined {
    return this.inner.read<T>(name);
  }
  write(name: string, value: unknown): void {
    if (this.failWrites) throw new Error('no space left on device');
    this.inner.write(name, value);
  }
}

interface Setup {
  model: DeviceModel;
  list: LocalAuthorizationList;
  cache: AuthorizationCache;
  store: FailableStore;
  lines: string[];
  send(request: SendLocalListRequest): SendLocalListResponse;
  version(): number;
  clear(): ClearCacheResponse;
  get(component: string, variable: string): string | undefined;
  set(component: string, variable: string, value: string): Promise<void>;
}

function setup(listMaxEntries = 20): Setup {
  const { config } = loadConfig(simulatorConfigCopy());
  const store = new FailableStore(new JsonFileStore(config.storage.dir));
  const list = new LocalAuthorizationList(store, { maxEntries: listMaxEntries });
  const cache = new AuthorizationCache(store);
  const model = buildDeviceModelFromConfig(config, '0.1.0', live(list), () => undefined);
  const lines: string[] = [];
  // The handlers read the device model and log; nothing else of the context.
  const ctx = { config, deviceModel: model, log: capturingLogger(lines) } as unknown as V201Context;
  const onSend = sendLocalList(ctx, list);
  const onVersion = getLocalListVersion(ctx, list);
  const onClear = clearCache(ctx, cache);
  return {
    model,
    list,
    cache,
    store,
    lines,
    send: (request) => {
      assertValidOcpp('SendLocalListRequest', request);
      const response = onSend(request);
      assertValidOcpp('SendLocalListResponse', response);
      return response;
    },
    version: () => {
      const response: GetLocalListVersionResponse = onVersion();
      assertValidOcpp('GetLocalListVersionResponse', response);
      return response.versionNumber;
    },
    clear: () => {
      const response = onClear();
      assertValidOcpp('ClearCacheResponse', response);
      return response;
    },
    get: (component, variable) => {
      const answer = model.getVariables({ getVariableData: [{ component: { name: component }, variable: { name: variable } }] }) as GetVariablesResponse;
      assertValidOcpp('GetVariablesResponse', answer);
      const [result] = answer.getVariableResult;
      return result.attributeStatus === 'Accepted' ? result.attributeValue : undefined;
    },
    set: async (component, variable, value) => {
      const answer = await model.setVariables({ setVariableData: [{ component: { name: component }, variable: { name: variable }, attributeValue: value }] });
      assert.ok(!isRpcErrorAnswer(answer));
      const [result] = answer.setVariableResult;
      assert.equal(result.attributeStatus, 'Accepted', `${component}.${variable} = ${value}`);
    },
  };
}

const accepted = (idToken: IdToken) => ({ idToken, idTokenInfo: { status: 'Accepted' as const } });

describe('OCPP 2.0.1 local authorization handlers (C11, D01, D02)', () => {
  it('D02.FR.02: version 0 before any list; D01.FR.15: a Full list is installed, Entries counts it (D01.FR.12)', () => {
    const s = setup();
    assert.equal(s.version(), 0);
    assert.equal(s.get('LocalAuthListCtrlr', 'Entries'), '0');
    assert.deepEqual(s.send({ updateType: 'Full', versionNumber: 3, localAuthorizationList: [accepted(CARD), { idToken: OTHER, idTokenInfo: { status: 'Blocked', cacheExpiryDateTime: '2030-01-01T00:00:00Z', groupIdToken: { idToken: 'G1', type: 'Central' } } }] }), {
      status: 'Accepted',
    });
    assert.equal(s.version(), 3);
    assert.equal(s.get('LocalAuthListCtrlr', 'Entries'), '2');
    assert.deepEqual(s.list.lookup(OTHER)?.info, { status: 'Blocked', cacheExpiresAt: new Date('2030-01-01T00:00:00Z'), groupIdToken: { idToken: 'G1', type: 'Central' } });
    assert.ok(s.lines.some((l) => l.includes('Full update to version 3, 2 id tokens')), s.lines.join('\n'));
  });

  it('D01.FR.16/17: a Differential update adds and removes; D01.FR.19: not newer is VersionMismatch', () => {
    const s = setup();
    s.send({ updateType: 'Full', versionNumber: 3, localAuthorizationList: [accepted(CARD)] });
    assert.deepEqual(s.send({ updateType: 'Differential', versionNumber: 4, localAuthorizationList: [{ idToken: CARD }, accepted(OTHER)] }), { status: 'Accepted' });
    assert.equal(s.list.lookup(CARD), undefined);
    assert.equal(s.list.lookup(OTHER)?.info.status, 'Accepted');
    const mismatch = s.send({ updateType: 'Differential', versionNumber: 4, localAuthorizationList: [accepted(CARD)] });
    assert.equal(mismatch.status, 'VersionMismatch');
    assert.equal(mismatch.statusInfo?.reasonCode, 'InvalidValue');
    assert.equal(s.version(), 4);
    assert.equal(s.list.lookup(CARD), undefined);
  });

  it('D01.FR.04 / D01.FR.05: Full without a list empties it, Differential without one changes nothing; both set the version', () => {
    const s = setup();
    s.send({ updateType: 'Full', versionNumber: 1, localAuthorizationList: [accepted(CARD)] });
    assert.deepEqual(s.send({ updateType: 'Differential', versionNumber: 2 }), { status: 'Accepted' });
    assert.equal(s.get('LocalAuthListCtrlr', 'Entries'), '1');
    assert.deepEqual(s.send({ updateType: 'Full', versionNumber: 5 }), { status: 'Accepted' });
    assert.equal(s.get('LocalAuthListCtrlr', 'Entries'), '0');
    assert.equal(s.version(), 5);
  });

  const failures: Array<{ name: string; request: SendLocalListRequest; reasonCode: string }> = [
    { name: 'D01.FR.18: versionNumber 0', request: { updateType: 'Full', versionNumber: 0, localAuthorizationList: [accepted(OTHER)] }, reasonCode: 'ValuePositiveOnly' },
    { name: 'a Full item without idTokenInfo', request: { updateType: 'Full', versionNumber: 9, localAuthorizationList: [{ idToken: OTHER }] }, reasonCode: 'MissingParam' },
    { name: 'D01.FR.06: one id token twice', request: { updateType: 'Full', versionNumber: 9, localAuthorizationList: [accepted(OTHER), accepted({ ...OTHER, idToken: 'card-0002' })] }, reasonCode: 'InvalidValue' },
    {
      name: 'more id tokens than the list holds (Entries maxLimit)',
      request: { updateType: 'Differential', versionNumber: 9, localAuthorizationList: [accepted(OTHER), accepted({ idToken: 'X', type: 'KeyCode' }), accepted({ idToken: 'Y', type: 'KeyCode' })] },
      reasonCode: 'TooManyElements',
    },
    {
      name: 'D01.FR.11: more items than ItemsPerMessage',
      request: { updateType: 'Full', versionNumber: 9, localAuthorizationList: [accepted(OTHER), accepted({ idToken: 'X', type: 'KeyCode' }), accepted({ idToken: 'Y', type: 'KeyCode' }), accepted({ idToken: 'Z', type: 'KeyCode' })] },
      reasonCode: 'TooManyElements',
    },
  ];
  for (const f of failures) {
    it(`Failed, the list as it was: ${f.name}`, () => {
      const s = setup(3);
      assert.equal(s.get('LocalAuthListCtrlr', 'ItemsPerMessage'), '3');
      s.send({ updateType: 'Full', versionNumber: 2, localAuthorizationList: [accepted(CARD)] });
      const response = s.send(f.request);
      assert.equal(response.status, 'Failed');
      assert.equal(response.statusInfo?.reasonCode, f.reasonCode);
      assert.ok(response.statusInfo?.additionalInfo);
      assert.equal(s.version(), 2);
      assert.equal(s.get('LocalAuthListCtrlr', 'Entries'), '1');
      assert.ok(s.lines.some((l) => l.startsWith('warning SendLocalList')));
    });
  }

  it('D01.FR.11: a request over BytesPerMessage is Failed', () => {
    const s = setup(1000);
    const items = Array.from({ length: 100 }, (_, i) => ({
      idToken: { idToken: `${'T'.repeat(30)}${String(i).padStart(6, '0')}`, type: 'ISO14443' as const },
      idTokenInfo: { status: 'Accepted' as const, personalMessage: { format: 'UTF8' as const, content: 'x'.repeat(512) } },
    }));
    const response = s.send({ updateType: 'Full', versionNumber: 1, localAuthorizationList: [items[0]!, ...items.slice(1)] });
    assert.equal(response.status, 'Failed');
    assert.match(response.statusInfo?.additionalInfo ?? '', /BytesPerMessage 65536/);
  });

  it('D01.FR.10: a list that cannot be stored is Failed', () => {
    const s = setup();
    s.store.failWrites = true;
    const response = s.send({ updateType: 'Full', versionNumber: 1, localAuthorizationList: [accepted(CARD)] });
    assert.deepEqual(response, { status: 'Failed', statusInfo: { reasonCode: 'InternalError', additionalInfo: 'the list could not be stored' } });
    assert.equal(s.version(), 0);
  });

  it('D02.FR.03: while LocalAuthListCtrlr.Enabled is false the version reads 0 and SendLocalList is Failed (NotEnabled)', async () => {
    const s = setup();
    s.send({ updateType: 'Full', versionNumber: 6, localAuthorizationList: [accepted(CARD)] });
    await s.set('LocalAuthListCtrlr', 'Enabled', 'false');
    assert.equal(s.version(), 0);
    const response = s.send({ updateType: 'Full', versionNumber: 7 });
    assert.equal(response.status, 'Failed');
    assert.equal(response.statusInfo?.reasonCode, 'NotEnabled');
    await s.set('LocalAuthListCtrlr', 'Enabled', 'true');
    assert.equal(s.version(), 6, 'the list was kept');
    assert.equal(s.list.lookup(CARD)?.info.status, 'Accepted');
  });

  it('C11.FR.03: ClearCache empties the cache: Accepted', () => {
    const s = setup();
    s.cache.record(CARD, { status: 'Accepted' });
    assert.deepEqual(s.clear(), { status: 'Accepted' });
    assert.equal(s.cache.size, 0);
  });

  it('C11.FR.04: ClearCache while AuthCacheCtrlr.Enabled is false: Rejected, the cache untouched', async () => {
    const s = setup();
    s.cache.record(CARD, { status: 'Accepted' });
    await s.set('AuthCacheCtrlr', 'Enabled', 'false');
    const response = s.clear();
    assert.equal(response.status, 'Rejected');
    assert.equal(response.statusInfo?.reasonCode, 'NotEnabled');
    assert.equal(s.cache.size, 1);
  });

  it('C11.FR.05: ClearCache that cannot store the empty cache: Rejected', () => {
    const s = setup();
    s.cache.record(CARD, { status: 'Accepted' });
    s.store.failWrites = true;
    assert.equal(s.clear().status, 'Rejected');
    assert.equal(s.cache.size, 1);
  });
});

describe('OCPP 2.0.1 device model: AuthCacheCtrlr and LocalAuthListCtrlr', () => {
  it('has the standardized variables (Part 2 2.4, 2.5), reported validly', () => {
    const s = setup(250);
    const expected: Array<[string, string, string]> = [
      ['AuthCacheCtrlr', 'Available', 'true'],
      ['AuthCacheCtrlr', 'Enabled', 'true'],
      ['AuthCacheCtrlr', 'LifeTime', '86400'],
      ['AuthCacheCtrlr', 'Policy', 'LRU'],
      ['AuthCacheCtrlr', 'DisablePostAuthorize', 'false'],
      ['LocalAuthListCtrlr', 'Available', 'true'],
      ['LocalAuthListCtrlr', 'Enabled', 'true'],
      ['LocalAuthListCtrlr', 'Entries', '0'],
      ['LocalAuthListCtrlr', 'ItemsPerMessage', '100'],
      ['LocalAuthListCtrlr', 'BytesPerMessage', '65536'],
      ['LocalAuthListCtrlr', 'DisablePostAuthorize', 'false'],
      ['LocalAuthListCtrlr', 'SupportsExpiryDateTime', 'true'],
    ];
    for (const [component, variable, value] of expected) assert.equal(s.get(component, variable), value, `${component}.${variable}`);
    const { response, notifyReports } = answerGetBaseReport(s.model, { requestId: 1, reportBase: 'FullInventory' });
    assert.equal(response.status, 'Accepted');
    for (const r of notifyReports) assertValidOcpp('NotifyReportRequest', r);
    const entries = notifyReports.flatMap((r) => r.reportData ?? []).find((d) => d.component.name === 'LocalAuthListCtrlr' && d.variable.name === 'Entries');
    assert.equal(entries?.variableCharacteristics?.maxLimit, 250, 'D01.FR.12: maxLimit is the most the list holds');
  });

  it('localAuthorizationSettings reads AuthCtrlr, AuthCacheCtrlr and LocalAuthListCtrlr as they are set', async () => {
    const s = setup();
    assert.deepEqual(localAuthorizationSettings(s.model), {
      localAuthorizeOffline: true,
      localPreAuthorize: false,
      offlineTxForUnknownIdEnabled: false,
      disableRemoteAuthorization: false,
      cacheEnabled: true,
      cacheDisablePostAuthorize: false,
      localListEnabled: true,
      localListDisablePostAuthorize: false,
    });
    await s.set('AuthCtrlr', 'LocalPreAuthorize', 'true');
    await s.set('AuthCtrlr', 'OfflineTxForUnknownIdEnabled', 'true');
    await s.set('AuthCtrlr', 'LocalAuthorizeOffline', 'false');
    await s.set('AuthCacheCtrlr', 'DisablePostAuthorize', 'true');
    await s.set('LocalAuthListCtrlr', 'Enabled', 'false');
    assert.deepEqual(localAuthorizationSettings(s.model), {
      localAuthorizeOffline: false,
      localPreAuthorize: true,
      offlineTxForUnknownIdEnabled: true,
      disableRemoteAuthorization: false,
      cacheEnabled: true,
      cacheDisablePostAuthorize: true,
      localListEnabled: false,
      localListDisablePostAuthorize: false,
    });
  });

  it('AuthCacheCtrlr.LifeTime must be at least 1 s; Policy only LRU', async () => {
    const s = setup();
    const answer = await s.model.setVariables({
      setVariableData: [
        { component: { name: 'AuthCacheCtrlr' }, variable: { name: 'LifeTime' }, attributeValue: '0' },
        { component: { name: 'AuthCacheCtrlr' }, variable: { name: 'Policy' }, attributeValue: 'LFU' },
      ],
    });
    assert.ok(!isRpcErrorAnswer(answer));
    const [life, policy] = answer.setVariableResult;
    assert.equal(life.attributeStatus, 'Rejected');
    assert.equal(policy?.attributeStatus, 'Rejected');
  });

  it('without local authorization in the agent: no such components, and the settings read as disabled', () => {
    const { config } = loadConfig(simulatorConfigCopy());
    const model = buildDeviceModelFromConfig(config, '0.1.0', live(), () => undefined);
    assert.equal(model.has('AuthCacheCtrlr', 'Enabled'), false);
    assert.equal(model.has('LocalAuthListCtrlr', 'Entries'), false);
    const settings = localAuthorizationSettings(model);
    assert.equal(settings.cacheEnabled, false);
    assert.equal(settings.localListEnabled, false);
    assert.equal(settings.localAuthorizeOffline, true, 'AuthCtrlr is there regardless');
  });
});

describe('OCPP 2.0.1 Authorize behind a LocalAuthorizer (C01, C10.FR.04, C15)', () => {
  /** The CSMS side of ctx.send: answers Authorize from `answer`, or fails as an unreachable CSMS does. */
  function authorizeSetup(answer: () => Promise<unknown>) {
    const s = setup();
    const sent: unknown[] = [];
    const ctx = {
      deviceModel: s.model,
      log: capturingLogger(s.lines),
      send: (action: string, payload: object) => {
        sent.push({ action, payload });
        return answer();
      },
    } as unknown as V201Context;
    const authorizer = new LocalAuthorizer({
      remote: csmsAuthorizer(ctx),
      cache: s.cache,
      list: s.list,
      online: () => true,
      settings: () => localAuthorizationSettings(s.model),
    });
    return { ...s, sent, authorizer };
  }

  it('C10.FR.04, C10.FR.13: the AuthorizeResponse, with its cacheExpiryDateTime, goes into the cache', async () => {
    const s = authorizeSetup(async () => ({ idTokenInfo: { status: 'Accepted', cacheExpiryDateTime: '2099-01-01T00:00:00Z', groupIdToken: { idToken: 'G', type: 'Central' } } }));
    const result = await s.authorizer.authorize(CARD, 1);
    assert.deepEqual(result, { status: 'Accepted', groupIdToken: { idToken: 'G', type: 'Central' }, cacheExpiresAt: new Date('2099-01-01T00:00:00Z'), source: 'remote' });
    assert.deepEqual(s.sent, [{ action: 'Authorize', payload: { idToken: CARD } }]);
    assert.deepEqual(s.cache.lookup(CARD)?.info, { status: 'Accepted', groupIdToken: { idToken: 'G', type: 'Central' }, cacheExpiresAt: new Date('2099-01-01T00:00:00Z') });
  });

  it('C15.FR.08 / C15.FR.01: no answer from the CSMS (unreachable) is no answer: the offline rules apply, nothing is cached', async () => {
    const s = authorizeSetup(async () => {
      throw new Error('not connected');
    });
    await s.set('AuthCtrlr', 'OfflineTxForUnknownIdEnabled', 'true');
    assert.deepEqual(await s.authorizer.authorize(CARD, 1), { status: 'Accepted', source: 'offline-unknown' });
    assert.equal(s.cache.size, 0);
    assert.ok(s.lines.some((l) => l.includes('Authorize of a ISO14443 token failed')));
  });
});
