import type { JsonFileStore } from '../../store/json-file-store.js';

/**
 * A network connection profile (2.0.1 Part 2 B09, NetworkConnectionProfileType; 1.6: the one
 * connection the config and the security whitepaper's SecurityProfile key describe), kept in a
 * configuration slot. No password here: the Basic auth password is the station's one
 * (2.0.1 SecurityCtrlr.BasicAuthPassword, 1.6 AuthorizationKey), read at every attempt.
 */

export type SecurityProfileLevel = 0 | 1 | 2 | 3;

export interface NetworkConnectionProfile {
  slot: number;
  /** The CSMS' OCPP-J endpoint URL (ocppCsmsUrl). */
  url: string;
  securityProfile: SecurityProfileLevel;
  /** connectionData.messageTimeout, s (2.0.1); kept as given. */
  messageTimeoutS?: number;
  /** connectionData.ocppInterface (Wired0, Wireless0, ...): kept; the OS routes the connection. */
  ocppInterface?: string;
}

/** What is kept in storage.dir between starts. */
export interface NetworkProfilesState {
  /**
   * The config's connection (URL and security profile) this state was made on: when the installer
   * changes it, what the CSMS set before is dropped (the installer's config wins, A00.FR.004).
   */
  base: { url: string; securityProfile: SecurityProfileLevel };
  /** Slots the CSMS set (B09) or an upgrade replaced (1.6 A05); slot 1 otherwise is the config's. */
  profiles: NetworkConnectionProfile[];
  /** The security profile reached over OCPP (A05.FR.06 / 1.6 A05.FR.07): never lower than the config's. */
  securityProfile: SecurityProfileLevel;
  /** The slot of the last connection that was made (B10.FR.07). */
  lastConnectedSlot?: number;
}

export const NETWORK_PROFILES_FILE = 'network-profiles';

/** A stored state, or undefined when there is none, it is unreadable, or the config's connection changed since. */
export function loadNetworkProfiles(store: JsonFileStore, base: NetworkProfilesState['base'], onWarning: (message: string) => void): NetworkProfilesState | undefined {
  const saved = store.read<NetworkProfilesState>(NETWORK_PROFILES_FILE);
  if (!saved) return undefined;
  if (!isState(saved)) {
    onWarning(`${NETWORK_PROFILES_FILE}: not a network profile state; using the config's connection`);
    return undefined;
  }
  if (saved.base.url !== base.url || saved.base.securityProfile !== base.securityProfile) {
    onWarning('the config names another CSMS connection than the stored network profiles were made on: using the config, the stored profiles dropped');
    return undefined;
  }
  return saved;
}

const isLevel = (value: unknown): value is SecurityProfileLevel => value === 0 || value === 1 || value === 2 || value === 3;

function isProfile(value: unknown): value is NetworkConnectionProfile {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return Number.isInteger(p['slot']) && typeof p['url'] === 'string' && isLevel(p['securityProfile']);
}

function isState(value: unknown): value is NetworkProfilesState {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  const base = s['base'] as Record<string, unknown> | undefined;
  return (
    typeof base === 'object' &&
    base !== null &&
    typeof base['url'] === 'string' &&
    isLevel(base['securityProfile']) &&
    Array.isArray(s['profiles']) &&
    s['profiles'].every(isProfile) &&
    isLevel(s['securityProfile'])
  );
}
