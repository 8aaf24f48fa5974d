import type { IdToken } from '../../station/types.js';
import type { SessionRecord } from './session-record.js';

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
  };
}
