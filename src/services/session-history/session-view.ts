import type { IdToken } from '../../station/types.js';
import type { PeriodState, SessionRecord } from './session-record.js';

/**
 * A session as the local API shows it (GET /api/sessions, the issue 16 status page). Id tokens are
 * shown by their last 4 characters, as a bank card is: enough for a driver or the owner to know
 * their card, while the history, which holds every card ever used here, gives out no UID or PIN
 * that would open the station when copied onto a blank card (an RFID UID is not secret by design,
 * but a list of working ones is). A token shorter than 8 characters (a KeyCode PIN) is not shown at all.
 */
export interface SessionView {
  transactionId: string;
  evseId: number;
  connectorId: number | null;
  idToken: MaskedIdToken | null;
  groupIdToken: MaskedIdToken | null;
  startedAt: string;
  stoppedAt: string;
  durationS: number;
  energyWh: number;
  meterStartWh: number;
  meterStopWh: number | null;
  stopReason: string;
  /** Issue 17: the station's identity, how the token was authorized, the periods and limits, whether OCMF documents are kept. */
  stationId: string;
  authorizedBy: string;
  /** Seconds with energy flowing (Charging periods) and without (OCPI's parking time). */
  chargingS: number;
  parkingS: number;
  chargingPeriods: Array<{ startAt: string; state: PeriodState; energyWh: number }>;
  limits: Array<{ at: string; valueA: number | null; source: string }>;
  signed: boolean;
}

export interface MaskedIdToken {
  idToken: string;
  type: string;
}

/** Shorter tokens are hidden whole: 4 of 5 characters would be most of it. */
const SHOWN_FROM_LENGTH = 8;
const SHOWN_CHARS = 4;

export function maskIdToken(token: IdToken): MaskedIdToken {
  const value = token.idToken;
  return { idToken: value.length >= SHOWN_FROM_LENGTH ? `****${value.slice(-SHOWN_CHARS)}` : '****', type: token.type };
}

export function sessionView(s: SessionRecord): SessionView {
  return {
    transactionId: s.transactionId,
    evseId: s.evseId,
    connectorId: s.connectorId ?? null,
    idToken: s.idToken ? maskIdToken(s.idToken) : null,
    groupIdToken: s.groupIdToken ? maskIdToken(s.groupIdToken) : null,
    startedAt: s.startedAt.toISOString(),
    stoppedAt: s.stoppedAt.toISOString(),
    durationS: Math.max(0, Math.round((s.stoppedAt.getTime() - s.startedAt.getTime()) / 1000)),
    energyWh: s.energyWh,
    meterStartWh: s.meterStartWh,
    meterStopWh: s.meterStopWh ?? null,
    stopReason: s.stopReason,
    stationId: s.stationId,
    authorizedBy: s.authorizedBy,
    ...periodSeconds(s),
    chargingPeriods: s.chargingPeriods.map((p) => ({ startAt: p.startAt.toISOString(), state: p.state, energyWh: p.energyWh })),
    limits: s.limits.map((l) => ({ at: l.at.toISOString(), valueA: l.valueA, source: l.source })),
    signed: Boolean(s.ocmf?.start ?? s.ocmf?.end),
  };
}

/** Whole seconds charging and not charging, each period lasting until the next one's start (or the stop). */
export function periodSeconds(s: SessionRecord): { chargingS: number; parkingS: number } {
  let chargingMs = 0;
  let parkingMs = 0;
  s.chargingPeriods.forEach((p, i) => {
    const end = s.chargingPeriods[i + 1]?.startAt ?? s.stoppedAt;
    const ms = Math.max(0, end.getTime() - p.startAt.getTime());
    if (p.state === 'Charging') chargingMs += ms;
    else parkingMs += ms;
  });
  return { chargingS: Math.round(chargingMs / 1000), parkingS: Math.round(parkingMs / 1000) };
}
