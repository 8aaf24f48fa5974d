import type { SetNetworkProfileRequest, SetNetworkProfileResponse } from 'ocpp-messages/v2.0/index.js';
import type { NetworkProfiles, SecurityProfileLevel } from '../../../services/network-profiles/index.js';
import type { SecurityEvent } from '../../../services/security-events/index.js';

/**
 * B09 SetNetworkProfile: the profile checked (B09.FR.02) and stored in its slot (B09.FR.01); it is
 * used after a reboot, by NetworkConfigurationPriority (B10). Rejected: a slot the station does not
 * offer (B09.FR.05), a lower security profile than the station's (B09.FR.04), what this station
 * cannot do (OCPP other than 2.0.1, SOAP, APN or VPN set up by the station). Failed when it cannot
 * be stored (B09.FR.03). An accepted profile is a security parameter changed: logged as
 * ReconfigurationOfSecurityParameters.
 */
export const setNetworkProfile =
  (network: NetworkProfiles, raise: (event: SecurityEvent) => void) =>
  (payload: unknown): SetNetworkProfileResponse => {
    const { configurationSlot: slot, connectionData: data } = payload as SetNetworkProfileRequest;
    const rejected = (additionalInfo: string): SetNetworkProfileResponse => ({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidValue', additionalInfo } });
    // OCPP20 is 2.0.1's name in OCPPVersionEnumType; the station speaks one version.
    if (data.ocppVersion !== 'OCPP20') return rejected(`ocppVersion ${data.ocppVersion}: this station speaks OCPP 2.0.1 (OCPP20) only`);
    if (data.ocppTransport !== 'JSON') return rejected('ocppTransport: only JSON (OCPP-J)');
    if (data.apn) return rejected('apn: the station has no cellular modem to set up');
    if (data.vpn) return rejected('vpn: the station does not set up VPNs');
    const level = data.securityProfile;
    if (!Number.isInteger(level) || level < 0 || level > 3) return rejected(`securityProfile ${level}: 0 to 3`);
    let url: URL;
    try {
      url = new URL(data.ocppCsmsUrl);
    } catch {
      return rejected('ocppCsmsUrl is not a URL');
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return rejected('ocppCsmsUrl must be ws:// or wss://');
    if (url.username || url.password) return rejected('ocppCsmsUrl must not contain credentials');
    if (!Number.isInteger(data.messageTimeout) || data.messageTimeout < 1) return rejected('messageTimeout must be at least 1 s');
    let problem: string | undefined;
    try {
      problem = network.setProfile({ slot, url: data.ocppCsmsUrl, securityProfile: level as SecurityProfileLevel, messageTimeoutS: data.messageTimeout, ocppInterface: data.ocppInterface });
    } catch (err) {
      return { status: 'Failed', statusInfo: { reasonCode: 'InternalError', additionalInfo: `not stored: ${(err as Error).message}`.slice(0, 512) } };
    }
    if (problem) return rejected(problem.slice(0, 512));
    raise({ type: 'ReconfigurationOfSecurityParameters', techInfo: `network connection profile in slot ${slot}: ${url.host}, security profile ${level}` });
    return { status: 'Accepted' };
  };
