import type { ChangeConfigurationRequest, ChangeConfigurationResponse } from 'ocpp-messages/v1.6/index.js';
import type { NetworkProfiles, SecurityProfileLevel } from '../../../services/network-profiles/index.js';
import type { SecurityEvent } from '../../../services/security-events/index.js';
import type { CallHandler } from '../../rpc/rpc-endpoint.js';

export interface SecurityProfileChange {
  network: NetworkProfiles;
  raise: (event: SecurityEvent) => void;
  /** Drops the connection and connects again, with the new profile (A05.FR.06/07); called after the answer is out. */
  reconnect: () => void;
  log: { notice(message: string): void };
}

/**
 * ChangeConfiguration of the security whitepaper's SecurityProfile key (A05): a higher profile
 * whose prerequisites are met is Accepted (A05.FR.05), then the station reconnects with it
 * (A05.FR.06/07) and falls back to the old one if that fails (A05.FR.08, in NetworkProfiles);
 * a lower or equal one, or one without its password or certificates, is Rejected (A05.FR.01-04).
 * Every other key goes to `other`.
 */
export const changeConfigurationWithSecurityProfile =
  (other: CallHandler, change: SecurityProfileChange): CallHandler =>
  (payload, context) => {
    const request = payload as ChangeConfigurationRequest;
    if (request.key.toLowerCase() !== 'securityprofile') return other(payload, context);
    const level = /^\s*[0-3]\s*$/.test(request.value) ? (Number(request.value) as SecurityProfileLevel) : undefined;
    const problem = level === undefined ? `not a security profile: ${request.value}` : change.network.requestUpgrade(level);
    if (problem) {
      change.log.notice(`SecurityProfile ${request.value} rejected: ${problem}`);
      return { status: 'Rejected' } satisfies ChangeConfigurationResponse;
    }
    change.raise({ type: 'ReconfigurationOfSecurityParameters', techInfo: `SecurityProfile ${change.network.securityProfile} -> ${level}` });
    setImmediate(change.reconnect);
    return { status: 'Accepted' } satisfies ChangeConfigurationResponse;
  };
