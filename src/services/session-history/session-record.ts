import type { TransactionEvent } from '../../station/events.js';
import type { ChargingState, IdToken, StopReason } from '../../station/types.js';

/** How the token of a session was authorized, as the core knows it (issue 17). */
export type AuthorizedBy = 'Card' | 'Remote' | 'LocalList' | 'Cache' | 'Free' | 'Unknown';

/** The charging states a period can have; the core's EVConnected (plugged, no energy asked) counts as Idle. */
export type PeriodState = 'Charging' | 'SuspendedEV' | 'SuspendedEVSE' | 'Idle';

/** From `startAt` until the next period's start (or the session's stop): one charging state. */
export interface ChargingPeriod {
  startAt: Date;
  state: PeriodState;
  /** Energy delivered during the period, Wh. */
  energyWh: number;
}

/** A limit that came into force at `at`; null: no limit below the EVSE's own maximum from then on. */
export interface SessionLimit {
  at: Date;
  valueA: number | null;
  source: string;
}

/** OCMF documents of the session (the whole `OCMF|{payload}|{signature}` texts). */
export interface SessionOcmf {
  start?: string;
  end?: string;
  publicKeyHex?: string;
}

/** One ended session (issue 14, grown by issue 17). */
export interface SessionRecord {
  transactionId: string;
  stationId: string;
  evseId: number;
  connectorId?: number;
  idToken?: IdToken;
  groupIdToken?: IdToken;
  authorizedBy: AuthorizedBy;
  startedAt: Date;
  stoppedAt: Date;
  meterStartWh: number;
  meterStopWh?: number;
  energyWh: number;
  stopReason: StopReason;
  chargingPeriods: ChargingPeriod[];
  limits: SessionLimit[];
  ocmf?: SessionOcmf;
}

/** What a caller may record: the issue 17 fields may be left out (an issue 14 record). */
export type SessionInput = Omit<SessionRecord, 'stationId' | 'authorizedBy' | 'chargingPeriods' | 'limits'> &
  Partial<Pick<SessionRecord, 'stationId' | 'authorizedBy' | 'chargingPeriods' | 'limits'>>;

export function periodState(state: ChargingState): PeriodState {
  return state === 'EVConnected' ? 'Idle' : state;
}

/**
 * How the session's token was authorized: a remote start is Remote (the event names its
 * remoteStartId), free charging's token is of type NoAuthorization (2.0.1 IdTokenEnumType), a token
 * the local list or the cache answered for is LocalList or Cache (the core's authorizationSource),
 * else a token was presented at the station and the CSMS answered (Card).
 */
export function authorizedByOf(e: TransactionEvent): AuthorizedBy | undefined {
  const tx = e.transaction;
  if (tx.remoteStartId !== undefined || e.remoteStartId !== undefined) return 'Remote';
  const token = e.idToken ?? tx.idToken;
  if (!token) return undefined;
  if (token.type === 'NoAuthorization') return 'Free';
  if (tx.authorizationSource === 'local-list') return 'LocalList';
  if (tx.authorizationSource === 'cache') return 'Cache';
  return 'Card';
}

export function completeRecord(s: SessionInput): SessionRecord {
  return {
    ...s,
    stationId: s.stationId ?? '',
    authorizedBy: s.authorizedBy ?? 'Unknown',
    chargingPeriods: s.chargingPeriods ?? [],
    limits: s.limits ?? [],
  };
}

export function copyRecord(s: SessionRecord): SessionRecord {
  return {
    ...s,
    ...(s.idToken ? { idToken: { ...s.idToken } } : {}),
    ...(s.groupIdToken ? { groupIdToken: { ...s.groupIdToken } } : {}),
    startedAt: new Date(s.startedAt),
    stoppedAt: new Date(s.stoppedAt),
    chargingPeriods: s.chargingPeriods.map((p) => ({ ...p, startAt: new Date(p.startAt) })),
    limits: s.limits.map((l) => ({ ...l, at: new Date(l.at) })),
    ...(s.ocmf ? { ocmf: { ...s.ocmf } } : {}),
  };
}

/** JSON for the store: dates as ISO text. */
export function storedRecord(s: SessionRecord): Record<string, unknown> {
  return {
    ...s,
    startedAt: s.startedAt.toISOString(),
    stoppedAt: s.stoppedAt.toISOString(),
    chargingPeriods: s.chargingPeriods.map((p) => ({ ...p, startAt: p.startAt.toISOString() })),
    limits: s.limits.map((l) => ({ ...l, at: l.at.toISOString() })),
  };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIdToken(v: unknown): v is IdToken {
  return isRecord(v) && typeof v['idToken'] === 'string' && typeof v['type'] === 'string';
}

function dateOf(v: unknown): Date | undefined {
  const d = typeof v === 'string' ? new Date(v) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
}

function readPeriods(v: unknown): ChargingPeriod[] | undefined {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return undefined;
  const out: ChargingPeriod[] = [];
  for (const p of v) {
    const startAt = isRecord(p) ? dateOf(p['startAt']) : undefined;
    if (!isRecord(p) || !startAt || typeof p['state'] !== 'string' || typeof p['energyWh'] !== 'number') return undefined;
    out.push({ startAt, state: p['state'] as PeriodState, energyWh: p['energyWh'] });
  }
  return out;
}

function readLimits(v: unknown): SessionLimit[] | undefined {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return undefined;
  const out: SessionLimit[] = [];
  for (const l of v) {
    const at = isRecord(l) ? dateOf(l['at']) : undefined;
    if (!isRecord(l) || !at || (typeof l['valueA'] !== 'number' && l['valueA'] !== null) || typeof l['source'] !== 'string') return undefined;
    out.push({ at, valueA: l['valueA'] as number | null, source: l['source'] });
  }
  return out;
}

/** A stored record as written by this version or by issue 14's, or undefined (a hand-edited or damaged one). */
export function readRecord(v: unknown): SessionRecord | undefined {
  if (!isRecord(v)) return undefined;
  const startedAt = dateOf(v['startedAt']);
  const stoppedAt = dateOf(v['stoppedAt']);
  const chargingPeriods = readPeriods(v['chargingPeriods']);
  const limits = readLimits(v['limits']);
  const ok =
    typeof v['transactionId'] === 'string' &&
    typeof v['evseId'] === 'number' &&
    typeof v['meterStartWh'] === 'number' &&
    typeof v['energyWh'] === 'number' &&
    typeof v['stopReason'] === 'string' &&
    (v['idToken'] === undefined || isIdToken(v['idToken'])) &&
    (v['groupIdToken'] === undefined || isIdToken(v['groupIdToken'])) &&
    (v['ocmf'] === undefined || isRecord(v['ocmf']));
  if (!ok || !startedAt || !stoppedAt || !chargingPeriods || !limits) return undefined;
  const raw = v as unknown as SessionRecord;
  return completeRecord({
    ...raw,
    stationId: typeof v['stationId'] === 'string' ? v['stationId'] : '',
    authorizedBy: typeof v['authorizedBy'] === 'string' ? (v['authorizedBy'] as AuthorizedBy) : 'Unknown',
    startedAt,
    stoppedAt,
    chargingPeriods,
    limits,
  });
}
