import { AuthorizationCache, LocalAuthorizationList, LocalAuthorizer, type IdTokenInfo, type LocalAuthorizationSettings } from '../../../src/services/authorization/index.js';
import { FakeClock } from '../../../src/station/clock.js';
import type { AuthorizationPort, StateStore } from '../../../src/station/ports.js';
import type { AuthorizationResult, AuthorizationStatus, IdToken } from '../../../src/station/types.js';

/**
 * What the local authorization tests share: id tokens, a store kept in memory as JSON text, a CSMS
 * that answers from a table, and a cache, list and LocalAuthorizer on FakeClock.
 */

export const CARD: IdToken = { idToken: 'CARD-0001', type: 'ISO14443' };
export const OTHER: IdToken = { idToken: 'CARD-0002', type: 'ISO14443' };
export const THIRD: IdToken = { idToken: 'CARD-0003', type: 'ISO14443' };
export const FOURTH: IdToken = { idToken: 'CARD-0004', type: 'ISO14443' };
export const GROUP: IdToken = { idToken: 'FLEET-7', type: 'Central' };
export const NOW = Date.parse('2025-06-01T12:00:00Z');

/** A StateStore kept in memory as JSON text, as a file would be; writes can be made to fail. */
export class MemoryStore implements StateStore {
  readonly docs = new Map<string, string>();
  writes = 0;
  failWrites = false;
  read<T>(name: string): T | undefined {
    const text = this.docs.get(name);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }
  write(name: string, value: unknown): void {
    if (this.failWrites) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    this.writes++;
    this.docs.set(name, JSON.stringify(value));
  }
}

/** Stands for the CSMS: answers from a table, and records every token it was asked about. */
export class FakeAuthority implements AuthorizationPort {
  readonly asked: Array<{ idToken: IdToken; evseId: number }> = [];
  answers = new Map<string, AuthorizationResult>();
  /** 'unreachable': the adapter's answer when it cannot send; 'throws': a remote that fails outright. */
  mode: 'answers' | 'unreachable' | 'throws' = 'answers';
  /** Runs while the request is out (e.g. the link drops). */
  during: () => void = () => undefined;
  async authorize(idToken: IdToken, evseId: number): Promise<AuthorizationResult> {
    this.asked.push({ idToken, evseId });
    this.during();
    if (this.mode === 'throws') throw new Error('socket closed');
    if (this.mode === 'unreachable') return { status: 'Unknown', unreachable: true };
    return this.answers.get(idToken.idToken) ?? { status: 'Invalid' };
  }
}

export const DEFAULTS: LocalAuthorizationSettings = {
  localAuthorizeOffline: true,
  localPreAuthorize: false,
  offlineTxForUnknownIdEnabled: false,
  cacheEnabled: true,
  localListEnabled: true,
};

export function harness(options: { settings?: Partial<LocalAuthorizationSettings>; online?: boolean; cacheMax?: number; lifetimeS?: number } = {}) {
  const store = new MemoryStore();
  const clock = new FakeClock(NOW);
  const warnings: string[] = [];
  const cache = new AuthorizationCache(store, {
    maxEntries: options.cacheMax ?? 100,
    lifetimeS: () => options.lifetimeS,
    clock,
    onWarning: (m) => warnings.push(m),
  });
  const list = new LocalAuthorizationList(store, { maxEntries: 100, clock, onWarning: (m) => warnings.push(m) });
  const remote = new FakeAuthority();
  const state = { online: options.online ?? true, settings: { ...DEFAULTS, ...options.settings } };
  const authorizer = new LocalAuthorizer({
    remote,
    cache,
    list,
    online: () => state.online,
    settings: () => state.settings,
    onWarning: (m) => warnings.push(m),
  });
  return { store, clock, warnings, cache, list, remote, state, authorizer };
}

export const info = (status: AuthorizationStatus, extra: Partial<IdTokenInfo> = {}): IdTokenInfo => ({ status, ...extra });
